/**
 * Cases found by reviewing the codecs against hostile and unusual input, kept as tests.
 */
import { describe, expect, test, beforeAll } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive, encodeLinkedHive, openHive, readTree, verifyHive, type Hive } from '@hivetool/hive';
import { RegParseError, RegTreeBuilder, parseReg, type HiveTree } from '@hivetool/registry';
import { MAX_FINDINGS_PER_CODE } from '@hivetool/hive';
import { corpusBytes, describeCorpus, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);

const scratch = scratchDirectory('hivetool-review-');

/** Every key path of a tree (HKEY_… names), in pre-order. */
function paths(tree: HiveTree): string[] {
  const roots = ['HKEY_CLASSES_ROOT', 'HKEY_CURRENT_USER', 'HKEY_LOCAL_MACHINE', 'HKEY_USERS'];
  const out: string[] = [];
  for (const [index, keys] of Object.entries(tree.roots)) {
    const stack = [...(keys ?? [])].reverse().map((key) => ({ key, path: `${roots[Number(index)]}\\${key.name}` }));
    while (stack.length > 0) {
      const { key, path } = stack.pop()!;
      out.push(path);
      for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, path: `${path}\\${child.name}` });
    }
  }
  return out;
}

describeWithCorpus('linked persistent hives', () => {
  let rom: Hive;
  beforeAll(() => {
    rom = openHive(corpusBytes('default.hv'), { source: 'rom' });
  });

  test.each([
    ['no change at all', ''],
    ['only the first top-level key of a root deleted', '[-HKEY_CLASSES_ROOT\\.txt]'],
  ])('%s: the file still reads as persistent and verifies clean', (_name, reg) => {
    const edited = RegTreeBuilder.fromTree(readTree(rom), { newEntriesFirst: true }).apply(reg).tree();
    const bytes = encodeLinkedHive(rom, edited);
    expect(openHive(bytes).kind).toBe('persistent');
    expect(verifyHive(bytes, { rom }).findings).toEqual([]);
    expect(paths(readTree(openHive(bytes, { rom })))).toEqual(paths(edited));
  });

  test('every key of the effective registry is found by path (ids of file and ROM records never confused)', () => {
    const reg = '[HKEY_CLASSES_ROOT\\Media Type\\Extensions\\.m3u]\n"x"=dword:1\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"y"=dword:2\n';
    const bytes = encodeLinkedHive(rom, RegTreeBuilder.fromTree(readTree(rom), { newEntriesFirst: true }).apply(reg).tree());
    const overlay = openHive(bytes, { rom });
    const all = paths(readTree(overlay));
    expect(all.length).toBeGreaterThan(900);
    for (const path of all) expect(overlay.key(path)).toBeDefined();
  });
});

describe('verify on hostile input', () => {
  test('a flood of one kind of finding is listed up to a limit, then counted', () => {
    const keys = Array.from({ length: 600 }, (_, i) => ({ name: `k${i}` }));
    const bytes = encodeHive({ roots: { 2: keys } });
    const view = new DataView(bytes.buffer);
    // Point every used slot but the roots' into the middle of its block.
    for (let slot = 1; slot <= 600; slot++) {
      const at = 0x5000 + 12 + 4 * slot;
      view.setUint32(at, view.getUint32(at, true) + 4, true);
    }
    const report = verifyHive(bytes);
    const listed = report.findings.filter((f) => f.code === 'SLOT_NOT_A_BLOCK');
    expect(listed).toHaveLength(MAX_FINDINGS_PER_CODE + 1);
    expect(listed[MAX_FINDINGS_PER_CODE]!.count).toBe(600 - MAX_FINDINGS_PER_CODE);
    expect(listed[MAX_FINDINGS_PER_CODE]!.message).toMatch(/500 more SLOT_NOT_A_BLOCK finding\(s\)/);
  });
});

describe('.reg parser edge cases', () => {
  test('long continued hex data is read whole', () => {
    const count = 60_000;
    const lines = ['[HKLM\\big]', '"v"=hex:' + Array.from({ length: count }, () => '01').reduce((text, pair, i) => text + pair + (i % 25 === 24 ? ',\\\n  ' : ','), '').replace(/,\\\n {2}$|,$/, '')];
    const tree = parseReg(lines.join('\n'));
    expect(tree.roots[2]![0]!.values![0]!.data.length).toBe(count);
  });

  test('values directly under a root are refused (a hive cannot hold them)', () => {
    expect(() => parseReg('[HKEY_LOCAL_MACHINE]\n  "lost"=dword:1\n')).toThrow(expect.objectContaining({ code: 'VALUE_OUTSIDE_KEY', line: 2, column: 3 }));
  });

  test('only data lines continue: a string ending in a backslash is not joined to the next line', () => {
    expect(() => parseReg('[HKLM\\a]\n"a"="x\\\ny"\n')).toThrow(RegParseError);
  });

  test('a second header (a patch appended to a dump) is accepted', () => {
    const tree = parseReg('REGEDIT4\n[HKLM\\a]\n"x"=dword:1\nREGEDIT4\n[HKLM\\a]\n"x"=-\n');
    expect(tree.roots[2]![0]!.values).toEqual([]);
  });

  test('names fold one unit at a time, as Windows does: ß is not SS', () => {
    const tree = parseReg('[HKLM\\Straße]\n[HKLM\\STRASSE]\n[HKLM\\straße]\n');
    expect(tree.roots[2]!.map((key) => key.name)).toEqual(['Straße', 'STRASSE']);
  });
});

describe('diff patches rebuild B', () => {
  test('flags cleared, value names with tabs and quotes, value flags', () => {
    const a = encodeHive({
      roots: {
        2: [
          { name: 'Vol', flags: 0x8 },
          { name: 'K', values: [{ name: 'a\tb', type: 4, data: Uint8Array.of(1, 0, 0, 0) }, { name: 'q"q', type: 1, data: Uint8Array.of(0x41, 0, 0, 0) }, { name: 'f', type: 4, data: Uint8Array.of(1, 0, 0, 0), flags: 2 }] },
        ],
      },
    });
    const b = encodeHive({ roots: { 2: [{ name: 'Vol', flags: 0, subkeys: [{ name: 'child' }] }, { name: 'K', values: [{ name: 'f', type: 4, data: Uint8Array.of(1, 0, 0, 0), flags: 0 }] }] } });
    const fileA = join(scratch.path, 'a.hv');
    const fileB = join(scratch.path, 'b.hv');
    writeFileSync(fileA, a);
    writeFileSync(fileB, b);
    const diff = runCli(['diff', fileA, fileB]);
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('(value flags 0x2 → 0x0)');
    const both = join(scratch.path, 'a+patch.reg');
    writeFileSync(both, runCli(['dump', fileA]).stdout + runCli(['diff', '-f', 'reg', fileA, fileB]).stdout);
    const rebuilt = join(scratch.path, 'rebuilt.hv');
    const build = runCli(['build', both, '-o', rebuilt]);
    expect(build.stderr).toBe('');
    const again = runCli(['diff', fileB, rebuilt]);
    expect(again.stdout).toContain('no differences');
    expect(again.status).toBe(0);
  });
});
