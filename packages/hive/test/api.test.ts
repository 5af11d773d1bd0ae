/**
 * The library as a program uses it: a persistent hive read through its ROM hive, values
 * looked up by path, what `values()` yields narrowed, the same inputs for the whole-hive
 * functions, and records that print as a summary.
 */
import { describe, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import {
  encodeHive,
  encodeLinkedHive,
  hiveStatistics,
  isUnresolvedLink,
  openHive,
  readTree,
  rewriteHive,
  verifyHive,
  walkTree,
  type HiveValue,
} from '@hivetool/hive';
import * as library from '@hivetool/hive';
import * as layout from '@hivetool/hive/layout';
import { ValueType, type HiveTree } from '@hivetool/registry';

const dword = (name: string, value: number): { name: string; type: number; data: Uint8Array } => ({ name, type: ValueType.DWORD, data: Uint8Array.of(value, 0, 0, 0) });

const romTree: HiveTree = {
  roots: {
    2: [
      { name: 'A', values: [dword('a', 1), dword('c', 3)] },
      { name: 'B', values: [dword('b', 2)] },
    ],
  },
};
const romBytes = encodeHive(romTree);
// The device changed A\a: A is stored in the file, its unchanged value c and sibling B stay in ROM.
const edited: HiveTree = {
  roots: {
    2: [
      { name: 'A', values: [dword('a', 5), dword('c', 3)] },
      { name: 'B', values: [dword('b', 2)] },
    ],
  },
};
const systemBytes = encodeLinkedHive(openHive(romBytes), edited);

describe('a persistent hive read through its ROM hive', () => {
  test('records reached in the ROM hive are labelled rom, the file\'s own file', () => {
    const system = openHive(systemBytes, { rom: openHive(romBytes) });
    const sources: string[] = [];
    walkTree(system, {
      key: (key, path) => void sources.push(`${path} ${key.source}`),
      value: (value, _key, path) => void sources.push(`${path}:${value.name} ${value.source}`),
    });
    expect(sources).toEqual([
      'HKEY_LOCAL_MACHINE\\A file',
      'HKEY_LOCAL_MACHINE\\A:a file',
      'HKEY_LOCAL_MACHINE\\A:c rom',
      'HKEY_LOCAL_MACHINE\\B rom',
      'HKEY_LOCAL_MACHINE\\B:b rom',
    ]);
    // A label given by the caller is kept.
    const labelled = openHive(systemBytes, { rom: openHive(romBytes, { source: 'default.hv' }) });
    expect(labelled.key('HKLM\\B')!.source).toBe('default.hv');
  });

  test('walkTree with paths: false gives no key or value path, and names unresolved links by their full path', () => {
    // A change deep down: X, Y and Z are stored in the file, their unchanged values and siblings stay in ROM.
    const deep = (z: number): HiveTree => ({
      roots: {
        2: [
          { name: 'X', values: [dword('x', 1)], subkeys: [{ name: 'W', values: [] }, { name: 'Y', values: [dword('y', 1)], subkeys: [{ name: 'Z', values: [dword('z', z), dword('k', 7)] }, { name: 'V', values: [] }] }] },
          { name: 'B', values: [dword('b', 2)] },
        ],
      },
    });
    const rom = encodeHive(deep(1));
    const file = openHive(encodeLinkedHive(openHive(rom), deep(5)));
    const walk = (paths: boolean): string[] => {
      const seen: string[] = [];
      walkTree(file, {
        key: (key, path, depth) => void seen.push(`key ${key.name} ${depth} '${path}'`),
        value: (value, key, path) => void seen.push(`value ${key.name}:${value.name} '${path}'`),
        unresolved: (link, path) => void seen.push(`unresolved ${link.link} in ${path}`),
      }, { paths });
      return seen;
    };
    const withPaths = walk(true);
    expect(withPaths.filter((line) => line.startsWith('unresolved'))).toEqual([
      'unresolved value in HKEY_LOCAL_MACHINE\\X',
      'unresolved value in HKEY_LOCAL_MACHINE\\X\\Y',
      'unresolved value in HKEY_LOCAL_MACHINE\\X\\Y\\Z',
      'unresolved sibling in HKEY_LOCAL_MACHINE\\X\\Y',
      'unresolved sibling in HKEY_LOCAL_MACHINE',
    ]);
    // The same walk, the paths of keys and values left out; unresolved links named as before.
    expect(walk(false)).toEqual(withPaths.map((line) => line.replace(/ '.*'$/, " ''")));
  });

  test('findValue: found, absent, or behind a link into the ROM hive not given', () => {
    const withRom = openHive(systemBytes, { rom: openHive(romBytes) });
    const found = withRom.findValue('hklm\\a', 'C');
    expect(found.found).toBe(true);
    if (found.found) {
      expect(found.value.name).toBe('c');
      expect(found.value.source).toBe('rom');
      expect(found.path).toBe('HKEY_LOCAL_MACHINE\\A');
    }
    expect(withRom.findValue('HKLM\\A', 'zzz')).toEqual({ found: false, path: 'HKEY_LOCAL_MACHINE\\A', missing: 'zzz', stoppedAt: undefined });

    const alone = openHive(systemBytes);
    // value() cannot tell an absent value from one in the ROM hive; findValue can.
    expect(alone.key('HKLM\\A')!.value('c')).toBeUndefined();
    const inRom = alone.findValue('HKLM\\A', 'c');
    expect(inRom.found).toBe(false);
    if (!inRom.found) expect(inRom.stoppedAt).toMatchObject({ kind: 'unresolved', link: 'value', reason: 'rom-not-loaded' });
    // A key in the ROM hive: the search stops at the sibling link into it.
    const keyInRom = alone.findValue('HKLM\\B', 'b');
    expect(keyInRom).toMatchObject({ found: false, missing: 'B', stoppedAt: { kind: 'unresolved', link: 'sibling' } });
    // The file's own value is found without the ROM hive.
    const own = alone.findValue('HKLM\\A', 'a');
    expect(own.found && own.value.data[0]).toBe(5);
    expect(() => alone.findValue('HKXX\\A', 'a')).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
  });

  test('isUnresolvedLink narrows what values() and subkeys() yield', () => {
    const key = openHive(systemBytes).key('HKLM\\A')!;
    const names: string[] = [];
    let unresolved = 0;
    for (const entry of key.values()) {
      if (isUnresolvedLink(entry)) unresolved++;
      else names.push(entry.name); // a HiveValue here, without a cast
    }
    expect(names).toEqual(['a']);
    expect(unresolved).toBe(1);
    const top = [...openHive(systemBytes).root(2).subkeys()];
    expect(top.map((entry) => (isUnresolvedLink(entry) ? `link ${entry.reason}` : entry.name))).toEqual(['A', 'link rom-not-loaded']);
    expect(isUnresolvedLink(undefined)).toBe(false);
    expect(isUnresolvedLink(key)).toBe(false);
  });
});

describe('whole-hive functions take a Hive or bytes', () => {
  test('walkTree, readTree, hiveStatistics, verifyHive and rewriteHive agree on both', () => {
    const hive = openHive(romBytes);
    const fromBytes: string[] = [];
    const fromHive: string[] = [];
    walkTree(romBytes, { key: (_key, path) => void fromBytes.push(path) });
    walkTree(hive, { key: (_key, path) => void fromHive.push(path) });
    expect(fromBytes).toEqual(['HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\B']);
    expect(fromHive).toEqual(fromBytes);
    expect(readTree(romBytes)).toEqual(readTree(hive));
    expect(hiveStatistics(romBytes)).toEqual(hiveStatistics(hive));
    expect(verifyHive(hive)).toEqual(verifyHive(romBytes));
    expect(Buffer.from(rewriteHive(romBytes)).equals(romBytes)).toBe(true);
    expect(Buffer.from(rewriteHive(hive)).equals(romBytes)).toBe(true);
    // The old forms still work.
    const paths: string[] = [];
    walkTree(hive.root(2), 'HKLM', { key: (_key, path) => void paths.push(path) });
    expect(paths).toEqual(['HKLM\\A', 'HKLM\\B']);
  });

  test('verifyHive of a Hive uses its ROM hive', () => {
    const report = verifyHive(openHive(systemBytes, { rom: openHive(romBytes) }));
    expect(report.kind).toBe('persistent');
    expect(report.romLinks).toEqual({ total: 2, checked: true, broken: 0 });
    expect(report.boot.outcome).toBe('kept');
    expect(verifyHive(systemBytes).romLinks.checked).toBe(false);
  });
});

describe('records print as a summary, not the whole hive', () => {
  // A hive large enough that printing it would be unmistakable.
  const big = encodeHive({ roots: { 2: [{ name: 'Big', values: [{ name: 'blob', type: ValueType.BINARY, data: new Uint8Array(5000).fill(0xab) }, dword('n', 7)] }] } });
  const hive = openHive(big);
  const key = hive.root(2).subkey('Big')!;
  const blob = key.value('blob')!;
  const n = key.value('n')!;

  test('util.inspect (console.log) of a key, value, root and hive is short', () => {
    for (const subject of [key, blob, n, hive.root(2), hive]) expect(inspect(subject).length).toBeLessThan(400);
    const oneLine = (subject: unknown): string => inspect(subject, { breakLength: Infinity });
    expect(oneLine(key)).toMatch(/^HiveKey \{ kind: 'key', name: 'Big', flags: 0, id: 1, offset: \d+, source: 'file'/);
    expect(oneLine(n)).toMatch(/^HiveValue \{ kind: 'value', name: 'n', type: 4, dataLength: 4, data: '07000000'/);
    expect(oneLine(hive)).toMatch(/^Hive \{ kind: 'rom', source: 'file', length: \d+, sectionCount: 1, romSignature: '[0-9a-f]{32}', rom: null \}$/);
    expect(oneLine({ nested: [n] })).toContain("HiveValue { kind: 'value', name: 'n'");
  });

  test('JSON.stringify gives the fields; long data is cut, its length kept', () => {
    const json = JSON.parse(JSON.stringify(blob)) as ReturnType<HiveValue['toJSON']>;
    expect(json).toMatchObject({ kind: 'value', name: 'blob', type: ValueType.BINARY, dataLength: 5000, id: blob.id, offset: blob.offset, source: 'file' });
    expect(json.data).toBe('ab'.repeat(64) + '…');
    expect(JSON.parse(JSON.stringify(key))).toMatchObject({ kind: 'key', name: 'Big', firstValue: key.firstValue });
    expect(JSON.parse(JSON.stringify(hive.root(2)))).toEqual({ kind: 'root', index: 2, name: 'HKEY_LOCAL_MACHINE', firstKey: hive.root(2).firstKey, source: 'file' });
  });
});

describe('the public API', () => {
  test('the main entry point holds what a library user needs; the layout of the format is behind @hivetool/hive/layout', () => {
    const names = Object.keys(library);
    for (const internal of ['HEAP_OFFSET', 'BLOCK_HEADER_SIZE', 'KeyField', 'ValueField', 'walkHeap', 'Store', 'refStore', 'HeaderOffset', 'restoreProblem']) {
      expect(names).not.toContain(internal);
      expect(Object.keys(layout)).toContain(internal);
    }
    for (const entry of ['openHive', 'verifyHive', 'walkTree', 'readTree', 'encodeHive', 'encodeLinkedHive', 'rewriteHive', 'hiveStatistics', 'HiveFormatError', 'recoverHive']) expect(names).toContain(entry);
  });

  test('the layout functions: pure, over numbers, a problem instead of an exception', () => {
    // A free block's sizeType is its size with bit 0 set; an allocated one's carries its type in bits 28–31.
    expect(layout.blockSize(0x21)).toBe(0x20);
    expect(layout.blockSize(0xc0000018)).toBe(0x18);
    expect(layout.blockTypeOf(0xc0000018)).toBe(layout.BlockType.KEY);
    expect(layout.blockTypeOf(0x21)).toBe(-1);
    expect(layout.blockSizeStop(0x5000, 0x20, 0x5000 + 12 + 0x20, true)).toBeUndefined();
    expect(layout.blockSizeStop(0x5000, 0x24, 0x5000 + 12 + 0x20, false)).toBe('BLOCK_PAST_EOF');
    expect(layout.blockSizeStop(0x5000, 0x1e, 0x6000, true)).toBe('BLOCK_SIZE_UNALIGNED');
    expect(layout.blockHeaderFits(0x5000, 0x500b)).toBe(false);
    expect(layout.keyRecordProblem(15, 0)).toEqual({ code: 'RECORD_TOO_SMALL', field: 0, limit: 16, actual: 15 });
    expect(layout.keyRecordProblem(20, 3)).toEqual({ code: 'NAME_PAST_BLOCK', field: layout.KeyField.nameLength, limit: 2, actual: 3 });
    expect(layout.keyRecordProblem(20, 2)).toBeUndefined();
    expect(layout.valueRecordProblem(16, 3, 1)).toEqual({ code: 'DATA_PAST_BLOCK', field: layout.ValueField.dataLength, limit: 0, actual: 1 });
    expect(layout.isSectionTable(layout.SECTION_TABLE_SIZE_TYPE, 3, 3)).toBe(true);
    expect(layout.isSectionTable(layout.SECTION_TABLE_SIZE_TYPE, 2, 3)).toBe(false);
    expect(layout.nextFreeSlot(7 << 18)).toBe(7);
    expect(layout.slotBlockFileOffset(0x1231)).toBe(0x5000 + 0x1230);
    expect(layout.ROOT_COUNT).toBe(8);
  });

  test('a record that does not fit its block: the reader throws the problem verify reports, under the same code', () => {
    const bytes = encodeHive(romTree).slice();
    const hive = openHive(bytes);
    const key = hive.key('HKLM\\A');
    if (key === undefined || key.kind !== 'key') throw new Error('HKLM\\A missing');
    // Claim a name longer than the block holds.
    bytes[key.offset + layout.BLOCK_HEADER_SIZE + layout.KeyField.nameLength] = 200;
    const expected = layout.keyRecordProblem(key.size, 200)!;
    expect(() => readTree(openHive(bytes))).toThrow(expect.objectContaining({ code: expected.code, offset: key.offset + layout.BLOCK_HEADER_SIZE + expected.field }));
    const finding = verifyHive(bytes).findings.find((f) => f.code === expected.code);
    expect(finding?.offset).toBe(key.offset + layout.BLOCK_HEADER_SIZE + expected.field);
  });
});
