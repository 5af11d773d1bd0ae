/**
 * The shared rules (src/rules.ts): what the reader follows, the writer writes and
 * verifyHive accepts are the same.
 */
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_LIMITS, encodeHive, hiveStatistics, openHive, readTree, verifyHive, walkTree, type TreeKey } from '@hivetool/hive';
import { ROM, buildRawHive, keyPayload, ref, rootsPayload } from '@hivetool/test-support';

function withRoots(refs: Partial<Record<number, number>>): Uint8Array {
  return buildRawHive({
    blocks: [
      { id: 0, type: 0xb, payload: rootsPayload(refs) },
      { id: 1, type: 0xc, payload: keyPayload({ name: 'A' }) },
      { id: 2, type: 0xc, payload: keyPayload({ name: 'X' }) },
    ],
  }).bytes;
}

describe('root entries 4–7', () => {
  test('are not followed by roots(), walkTree, readTree or hiveStatistics, and verify reports them', () => {
    for (let entry = 4; entry < 8; entry++) {
      const bytes = withRoots({ 2: ref(ROM, 1), [entry]: ref(ROM, 2) });
      const hive = openHive(bytes);
      expect(hive.roots().map((root) => root.index)).toEqual([2]);
      expect(hive.root(entry).firstKey).toBe(ref(ROM, 2));
      const paths: string[] = [];
      walkTree(hive, { key: (_key, path) => void paths.push(path) });
      expect(paths).toEqual(['HKEY_LOCAL_MACHINE\\A']);
      expect(Object.keys(readTree(hive).roots)).toEqual(['2']);
      expect(hiveStatistics(hive).reachable.keys).toBe(1);
      const report = verifyHive(bytes);
      expect(report.findings.filter((f) => f.code === 'UNUSED_ROOT_SET')).toHaveLength(1);
      expect(report.summary.errors).toBe(0);
    }
  });

  test('do not decide the kind: a nibble-0 reference there does not make the hive persistent', () => {
    const bytes = withRoots({ 2: ref(ROM, 1), 6: ref(0, 2) });
    expect(openHive(bytes).kind).toBe('rom');
    expect(verifyHive(bytes).kind).toBe('rom');
  });

  test('are not written', () => {
    expect(() => encodeHive({ roots: { 5: [{ name: 'k' }] } })).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
  });
});

describe('two roots pointing at one key', () => {
  test('the readers throw where verify reports, with the same code and offset', () => {
    const bytes = withRoots({ 1: ref(ROM, 1), 2: ref(ROM, 1) });
    const finding = verifyHive(bytes).findings.find((f) => f.severity === 'error')!;
    expect(finding.code).toBe('CHILD_CYCLE');
    const hive = openHive(bytes);
    const same = expect.objectContaining({ code: finding.code, offset: finding.offset });
    expect(() => walkTree(hive, {})).toThrow(same);
    expect(() => walkTree(bytes, {})).toThrow(same);
    expect(() => readTree(hive)).toThrow(same);
    expect(() => hiveStatistics(hive)).toThrow(same);
  });
});

describe('key nesting', () => {
  const chain = (depth: number): TreeKey => {
    let key: TreeKey = { name: `k${depth - 1}` };
    for (let level = depth - 2; level >= 0; level--) key = { name: `k${level}`, subkeys: [key] };
    return key;
  };

  test('the writer writes what the reader and verify accept, and refuses one level more', () => {
    const max = DEFAULT_LIMITS.maxDepth;
    const bytes = encodeHive({ roots: { 2: [chain(max)] } });
    expect(hiveStatistics(openHive(bytes)).reachable.keys).toBe(max);
    expect(verifyHive(bytes).summary.errors).toBe(0);
    expect(() => encodeHive({ roots: { 2: [chain(max + 1)] } })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    // Raised for forensic work, on both sides.
    const deeper = encodeHive({ roots: { 2: [chain(max + 1)] } }, { maxDepth: max + 1 });
    expect(() => hiveStatistics(openHive(deeper))).toThrow(expect.objectContaining({ code: 'DEPTH_LIMIT' }));
    expect(verifyHive(deeper).findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['DEPTH_LIMIT']);
    expect(hiveStatistics(openHive(deeper, { limits: { maxDepth: max + 1 } })).reachable.keys).toBe(max + 1);
  });
});

describe('hiveStatistics with onError', () => {
  test('goes on past an error in one pass, keeping the counts of the others', () => {
    const cut = withRoots({ 2: ref(ROM, 1) });
    // The hive's last block (a free one) made 4 bytes longer than the hive: its end is cut.
    const view = new DataView(cut.buffer, cut.byteOffset, cut.byteLength);
    let last = 0x5000;
    for (let offset = 0x5000; offset < cut.length; ) {
      last = offset;
      const sizeType = view.getUint32(offset, true);
      offset += 12 + ((sizeType & 1) === 1 ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff);
    }
    view.setUint32(last, view.getUint32(last, true) + 4, true);
    expect(() => hiveStatistics(openHive(cut))).toThrow(expect.objectContaining({ name: 'HiveFormatError' }));
    const errors: string[] = [];
    const stats = hiveStatistics(openHive(cut), { onError: (error, pass) => void errors.push(`${pass} ${error.code}`) });
    expect(errors).toEqual([expect.stringMatching(/^heap /)]);
    expect(stats.blocks.keys).toBe(2);
    expect(stats.slots.used).toBe(3);
    expect(stats.reachable.keys).toBe(1);
  });
});
