import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { encodeHive, encodeLinkedHive, openHive, readTree, verifyHive, type Hive, type HiveKey, type HiveValue } from '@hivetool/hive';
import { walkHeap } from '@hivetool/hive/layout';
import { RegTreeBuilder } from '@hivetool/registry';
import { CORPUS_FILES, corpusBytes, describeCorpus, runs } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

const codes = (bytes: Uint8Array, rom?: Hive): string[] => verifyHive(bytes, rom === undefined ? {} : { rom }).findings.map((finding) => finding.code);
const u32 = (bytes: Uint8Array, offset: number, value: number): void => new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value >>> 0, true);
const read32 = (bytes: Uint8Array, offset: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
/** File offset of the slot of object `id`. */
const slotOf = (hive: Hive, id: number): number => 0x5000 + hive.sectionOffsets[Math.floor(id / 1024)]! + 12 + 4 * (id % 1024);
/** The first free slot's id (in the last section, whose chain is not full). */
const freeId = (hive: Hive): number => {
  const section = hive.sectionCount - 1;
  return section * 1024 + read32(hive.bytes, 0x5000 + hive.sectionOffsets[section]! + 12 + 4096);
};

describeWithCorpus('verify on the corpus', () => {
  test.each(CORPUS_FILES)('%s verifies clean: zero findings, a ROM hive', (file) => {
    const report = verifyHive(corpusBytes(file));
    expect(report.findings).toEqual([]);
    expect(report.kind).toBe('rom');
    expect(report.boot.outcome).toBe('rom');
    expect(report.romSignature).toBe('6e950daec1672852a98cf772c09550c9');
  });

  /** A linked persistent hive built from default.hv with a few changes. */
  function persistent(): { rom: Hive; bytes: Uint8Array } {
    const rom = openHive(corpusBytes('default.hv'), { source: 'rom' });
    const builder = RegTreeBuilder.fromTree(readTree(rom), { newEntriesFirst: true });
    builder.apply('[HKLM\\init\\BootVars]\n"SYSTEMHIVE"="x.hv"\n[HKLM\\New]\n"a"=dword:1\n');
    return { rom, bytes: encodeLinkedHive(rom, builder.tree()) };
  }

  test('a linked persistent hive verifies clean against its ROM: kept, RegPersisted set', () => {
    const { rom, bytes } = persistent();
    const report = verifyHive(bytes, { rom });
    expect(report.findings).toEqual([]);
    expect(report.kind).toBe('persistent');
    expect(report.signature).toEqual({ hive: '6e950daec1672852a98cf772c09550c9', rom: '6e950daec1672852a98cf772c09550c9', match: true });
    expect(report.romLinks.total).toBeGreaterThan(0);
    expect(report.romLinks.broken).toBe(0);
    expect(report.boot).toMatchObject({ outcome: 'kept', regPersisted: true });
  });

  test('without the ROM: links counted, boot outcome not known', () => {
    const { bytes } = persistent();
    const report = verifyHive(bytes);
    expect(report.findings.map((f) => [f.severity, f.code])).toEqual([['info', 'ROM_LINKS_UNCHECKED']]);
    expect(report.boot.outcome).toBe('unknown');
  });

  // Each case: one targeted change to a corpus file, and the finding it must produce.
  type Damage = [string, string, (bytes: Uint8Array, hive: Hive) => Uint8Array | void];
  const firstKey = (hive: Hive, path: string): HiveKey => hive.key(path) as HiveKey;
  const damage: Damage[] = [
    ['a slot pointing mid-block', 'SLOT_NOT_A_BLOCK', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      u32(b, slotOf(hive, key.id), (key.offset - 0x5000 + 8) | 1);
    }],
    ['the file cut short', 'BLOCK_PAST_EOF', (b) => b.subarray(0, b.length - 4096)],
    ['a cut mid-header', 'HEAP_CUT', (b, hive) => {
      let last = 0;
      walkHeap(hive.bytes, hive.view, (block) => (last = block.offset));
      return b.subarray(0, last + 4);
    }],
    ['a sibling loop', 'SIBLING_CYCLE', (b, hive) => {
      const chain = [...hive.root(2).subkeys()] as HiveKey[];
      const last = chain[chain.length - 1]!;
      u32(b, last.offset + 12, hive.root(2).firstKey);
    }],
    ['a child link back to an ancestor', 'CHILD_CYCLE', (b, hive) => {
      const parent = firstKey(hive, 'HKLM\\nls');
      const leaf = [...parent.subkeys()].find((k) => k.kind === 'key' && k.firstChild === 0) as HiveKey | undefined;
      const target = leaf ?? parent;
      u32(b, target.offset + 12 + 4, (2 << 28) | parent.id);
    }],
    ['a value chain loop', 'VALUE_CYCLE', (b, hive) => {
      const values = [...firstKey(hive, 'HKLM\\nls').values()] as HiveValue[];
      u32(b, values[values.length - 1]!.offset + 12, (2 << 28) | values[0]!.id);
    }],
    ['broken tiling (a block size off by 4)', 'BLOCK_SIZE_UNALIGNED', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      u32(b, key.offset, read32(b, key.offset) + 2);
    }],
    ['restore flags 1', 'RESTORE_APPENDING', (b) => u32(b, 0x1c, 1)],
    ['restore flags 2', 'RESTORE_COPYING', (b) => u32(b, 0x1c, 2)],
    ['restoreStart past the end', 'RESTORE_START_PAST_EOF', (b) => u32(b, 0x20, b.length + 4096)],
    ['pending log entries', 'LOG_PENDING', (b) => u32(b, 0xe8, 2)],
    ['a link to a value where a key is expected', 'LINK_WRONG_TYPE', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      const value = [...key.values()][0] as HiveValue;
      u32(b, key.offset + 12 + 4, (2 << 28) | value.id);
    }],
    ['a link to a free slot', 'LINK_TO_FREE_SLOT', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      u32(b, key.offset + 12 + 4, (2 << 28) | freeId(hive));
    }],
    ['a link into a store no hive has', 'LINK_UNKNOWN_STORE', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      u32(b, key.offset + 12 + 4, (4 << 28) | 5);
    }],
    ['an id that does not match its slot', 'ID_MISMATCH', (b, hive) => u32(b, firstKey(hive, 'HKLM\\nls').offset + 8, 7)],
    ['a name length past its block', 'NAME_PAST_BLOCK', (b, hive) => {
      b[firstKey(hive, 'HKLM\\nls').offset + 12 + 12] = 250;
    }],
    ['a data length past its block', 'DATA_PAST_BLOCK', (b, hive) => {
      const value = [...firstKey(hive, 'HKLM\\nls').values()][0] as HiveValue;
      new DataView(b.buffer, b.byteOffset).setUint16(value.offset + 12 + 6, 0xfff0, true);
    }],
    ['a record no link reaches', 'UNREACHABLE_RECORD', (b, hive) => {
      const key = firstKey(hive, 'HKLM\\nls');
      u32(b, key.offset + 12 + 8, 0); // drop its values
    }],
    ['a slot pointing at a free block', 'SLOT_POINTS_TO_FREE', (b, hive) => {
      let free = 0;
      walkHeap(hive.bytes, hive.view, (block) => {
        if (block.free) free = block.offset;
      });
      u32(b, slotOf(hive, firstKey(hive, 'HKLM\\nls').id), (free - 0x5000) | 1);
    }],
    ['a free-slot chain through a used slot', 'FREE_CHAIN_USED_SLOT', (b, hive) => {
      const table = 0x5000 + hive.sectionOffsets[hive.sectionCount - 1]! + 12;
      u32(b, table + 4096, 1);
    }],
    ['a free-slot chain that loops', 'FREE_CHAIN_CYCLE', (b, hive) => {
      const table = 0x5000 + hive.sectionOffsets[hive.sectionCount - 1]! + 12;
      const head = read32(b, table + 4096);
      u32(b, table + 4 * head, head << 18);
    }],
    ['a directory entry past EOF', 'DIRECTORY_OFFSET_PAST_EOF', (b, hive) => u32(b, 0x1000 + 4 * (hive.sectionCount - 1), b.length)],
    ['a wrong magic', 'BAD_MAGIC', (b) => {
      b[9] = 0;
    }],
  ];

  test.each(damage)('%s → %s, and verify does not throw', (_name, code, change) => {
    const original = corpusBytes('default.hv');
    const hive = openHive(original.slice());
    const bytes = original.slice();
    const result = change(bytes, hive) ?? bytes;
    const report = verifyHive(result);
    expect(report.findings.map((finding) => finding.code)).toContain(code);
    const finding = report.findings.find((f) => f.code === code)!;
    expect(finding.message.length).toBeGreaterThan(20);
    expect(['error', 'warning', 'info']).toContain(finding.severity);
    expect(report.summary.errors + report.summary.warnings).toBeGreaterThan(0);
  });

  test('notes the slot checks made before a slot sent them to the full checks are listed once', () => {
    const original = corpusBytes('default.hv');
    const hive = openHive(original.slice());
    const bytes = original.slice();
    // A free slot with a bit outside its next-free field, then, later in the same section,
    // a free slot turned into a used one pointing into the middle of a block.
    const free = freeId(hive);
    expect(read32(bytes, slotOf(hive, free)) & 1).toBe(0);
    expect(read32(bytes, slotOf(hive, free + 1)) & 1).toBe(0);
    u32(bytes, slotOf(hive, free), read32(bytes, slotOf(hive, free)) | 2);
    u32(bytes, slotOf(hive, free + 1), (firstKey(hive, 'HKLM\\nls').offset - 0x5000 + 8) | 1);
    const report = verifyHive(bytes);
    expect(report.findings.filter((finding) => finding.code === 'FREE_SLOT_BITS')).toEqual([expect.objectContaining({ count: 1, offset: slotOf(hive, free) })]);
    expect(report.findings.filter((finding) => finding.code === 'SLOT_NOT_A_BLOCK')).toHaveLength(1);
    // In the order the slots come in.
    const codes = report.findings.map((finding) => finding.code);
    expect(codes.indexOf('FREE_SLOT_BITS')).toBeLessThan(codes.indexOf('SLOT_NOT_A_BLOCK'));
  });

  test('one changed byte of the signature: clean boot, both signatures printed', () => {
    const { rom, bytes } = persistent();
    bytes[0x28 + 15] = bytes[0x28 + 15]! ^ 0x01;
    const report = verifyHive(bytes, { rom });
    const finding = report.findings.find((f) => f.code === 'SIGNATURE_MISMATCH')!;
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('6e950daec1672852a98cf772c09550c8');
    expect(finding.message).toContain('6e950daec1672852a98cf772c09550c9');
    expect(finding.message).toMatch(/deletes this hive and recreates it from ROM \(a clean boot\)/);
    expect(report.boot).toMatchObject({ outcome: 'clean-boot', regPersisted: false });
  });

  test('a link into ROM that does not resolve there', () => {
    const { rom, bytes } = persistent();
    const hive = openHive(bytes);
    const init = hive.key('HKLM\\init') as HiveKey;
    expect(init.firstValue >>> 28).toBe(2);
    u32(bytes, init.offset + 12 + 8, (2 << 28) | 0x0ffffff);
    expect(codes(bytes, rom)).toContain('ROM_LINK_BROKEN');
    // A link into ROM naming a key where a value belongs.
    const again = persistent().bytes;
    u32(again, init.offset + 12 + 8, init.nextSibling);
    expect(codes(again, rom)).toContain('ROM_LINK_WRONG_TYPE');
  });

  test('random corruption never makes verify throw (fixed seed)', () => {
    const original = corpusBytes('user.hv');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 16 }),
        fc.nat({ max: original.length }),
        (changes, cut) => {
          const bytes = original.slice(0, Math.max(cut, original.length - 8192));
          for (const [offset, value] of changes) if (offset < bytes.length) bytes[offset] = value;
          const report = verifyHive(bytes);
          expect(report.findings.every((f) => f.code !== 'VERIFY_INTERNAL')).toBe(true);
        },
      ),
      { seed: 17, numRuns: runs(300) },
    );
  });
});

describe('codec messages', () => {
  test('name no CLI option (the CLI adds its hints): a persistent hive without its ROM, nesting past maxDepth', () => {
    const rom = openHive(encodeHive({ roots: { 2: [{ name: 'A', subkeys: [{ name: 'B', subkeys: [{ name: 'D' }] }] }] } }));
    const persistent = encodeLinkedHive(rom, { roots: { 2: [{ name: 'A', subkeys: [{ name: 'B', subkeys: [{ name: 'D' }] }, { name: 'C', subkeys: [{ name: 'E' }] }] }] } });
    const reports = [verifyHive(persistent), verifyHive(persistent, { maxDepth: 1 })];
    const texts = reports.flatMap((report) => [...report.findings.map((finding) => finding.message), ...report.boot.reasons]);
    expect(reports.flatMap((report) => report.findings.map((finding) => finding.code))).toEqual(expect.arrayContaining(['ROM_LINKS_UNCHECKED', 'DEPTH_LIMIT']));
    expect(texts.join('\n')).toContain('without the ROM hive the signature cannot be compared');
    for (const text of texts) expect(text).not.toMatch(/--[a-z]/);
  });
});
