import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { HiveFormatError, KeyFlags, encodeHive, hiveStatistics, openHive, readTree, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/hive';
import { ValueType } from '@hivetool/registry';
import { flattenTree, layoutProblems, runs } from '@hivetool/test-support';

/**
 * Fills in defaults and drops what a hive cannot hold (children of volatile keys). Data
 * becomes hex text, which compares much faster than 64 KiB arrays.
 */
function normalise(tree: HiveTree): HiveTree {
  const key = (k: TreeKey): TreeKey => {
    const flags = k.flags ?? 0;
    return {
      name: k.name,
      flags,
      values: (k.values ?? []).map((v: TreeValue) => ({ name: v.name, type: v.type, data: Buffer.from(v.data).toString('hex') as unknown as Uint8Array, flags: v.flags ?? 0 })),
      subkeys: (flags & KeyFlags.VOLATILE) !== 0 ? [] : (k.subkeys ?? []).map(key),
    };
  };
  const roots: HiveTree['roots'] = {};
  for (const [index, keys] of Object.entries(tree.roots)) if (keys !== undefined && keys.length > 0) roots[Number(index)] = keys.map(key);
  return { roots };
}

const nameArbitrary = fc.string({ unit: 'binary', maxLength: 24 }).filter((name) => name.length <= 255);
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: nameArbitrary,
  type: fc.oneof(fc.constantFrom(...Object.values(ValueType)), fc.integer({ min: 0, max: 0xffff })),
  data: fc.oneof({ weight: 20, arbitrary: fc.uint8Array({ maxLength: 48 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 65500, maxLength: 65535 }) }),
  flags: fc.integer({ min: 0, max: 255 }),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: nameArbitrary,
    flags: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
    values: fc.array(valueArbitrary, { maxLength: 4 }),
    // The first branch (no subkeys) is taken once maxDepth is reached.
    subkeys: fc.oneof({ maxDepth: 5, depthIdentifier: 'tree' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
const treeArbitrary: fc.Arbitrary<HiveTree> = fc
  .record({ 0: fc.array(keyArbitrary, { maxLength: 3 }), 1: fc.array(keyArbitrary, { maxLength: 3 }), 2: fc.array(keyArbitrary, { maxLength: 4 }), 3: fc.array(keyArbitrary, { maxLength: 2 }) })
  .map((roots) => ({ roots }));

const flatten = flattenTree;

function checkLayout(bytes: Uint8Array): void {
  expect(layoutProblems(bytes)).toEqual([]);
}

describe('encodeHive', () => {
  test('read(write(tree)) equals the tree, for arbitrary trees (fixed seed)', () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        const bytes = encodeHive(tree);
        const back = readTree(openHive(bytes));
        expect(normalise(back)).toEqual(normalise(tree));
        checkLayout(bytes);
      }),
      { seed: 20261122, numRuns: runs(60) },
    );
  });

  test('read(write(tree)) equals the tree for wide trees: more than 1024 records, several sections', () => {
    const leaf = fc.record({ name: nameArbitrary, values: fc.array(valueArbitrary, { minLength: 1, maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 500, maxLength: 700 }), (keys) => {
        const tree: HiveTree = { roots: { 1: keys } };
        const hive = openHive(encodeHive(tree));
        expect(hive.sectionCount).toBeGreaterThan(1);
        expect(normalise(readTree(hive))).toEqual(normalise(tree));
      }),
      { seed: 5, numRuns: runs(4, 50) },
    );
  });

  test('read(write(tree)) equals the tree for deep chains of keys and long value chains', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.array(valueArbitrary, { minLength: 0, maxLength: 300 }), (depth, values) => {
        let key: TreeKey = { name: 'leaf', values };
        for (let level = 0; level < depth; level++) key = { name: `level${level}`, subkeys: [key] };
        const tree: HiveTree = { roots: { 2: [key] } };
        const hive = openHive(encodeHive(tree, { maxDepth: depth + 1 }), { limits: { maxDepth: depth + 1 } });
        expect(flatten(readTree(hive))).toEqual(flatten(tree));
      }),
      { seed: 9, numRuns: runs(6, 100) },
    );
  });

  test('writing is deterministic', () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        const first = Buffer.from(encodeHive(tree, { layout: 'persistent' }));
        expect(first.equals(encodeHive(tree, { layout: 'persistent' }))).toBe(true);
      }),
      { seed: 7, numRuns: 20 },
    );
  });

  test('more than 1024 records give several sections; persistent layout uses nibble 0', () => {
    const keys: TreeKey[] = Array.from({ length: 1500 }, (_, i) => ({ name: `k${i}`, values: [{ name: 'v', type: ValueType.DWORD, data: Uint8Array.of(i & 0xff, i >> 8, 0, 0) }] }));
    const bytes = encodeHive({ roots: { 2: keys } }, { layout: 'persistent' });
    const hive = openHive(bytes);
    expect(hive.kind).toBe('persistent');
    expect(hive.sectionCount).toBe(3);
    expect(hive.rootRefs()[2]! >>> 28).toBe(0);
    const stats = hiveStatistics(hive);
    expect(stats.reachable).toEqual({ keys: 1500, values: 1500, unresolvedLinks: 0 });
    checkLayout(bytes);
    expect(normalise(readTree(hive))).toEqual(normalise({ roots: { 2: keys } }));
  });

  test('deep nesting is written and read without recursion', () => {
    let deepest: TreeKey = { name: 'leaf' };
    for (let i = 0; i < 20000; i++) deepest = { name: `n${i}`, subkeys: [deepest] };
    const bytes = encodeHive({ roots: { 2: [deepest] } }, { maxDepth: 20001 });
    // Deeper than the default maxDepth (512, Windows' limit): refused unless raised.
    expect(() => hiveStatistics(openHive(bytes))).toThrow(expect.objectContaining({ code: 'DEPTH_LIMIT' }));
    expect(hiveStatistics(openHive(bytes, { limits: { maxDepth: 20001 } })).reachable.keys).toBe(20001);
  });

  test('limits: name over 255 units, data over 65535 bytes', () => {
    expect(() => encodeHive({ roots: { 2: [{ name: 'x'.repeat(256) }] } })).toThrow(HiveFormatError);
    expect(() => encodeHive({ roots: { 2: [{ name: 'k', values: [{ name: 'v', type: 3, data: new Uint8Array(65536) }] }] } })).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
  });
});
