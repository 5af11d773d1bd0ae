/**
 * `build` parses .reg bytes into a `CompactTree` (typed arrays) and writes the hive from
 * it with `encodeCompactHive`. For any input, edits included (deleted keys and values,
 * values set twice, volatile keys), that must give the bytes `encodeHive` gives for the
 * same tree as objects.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { encodeCompactHive, encodeHive } from '@hivetool/hive';
import { RegTreeBuilder, ValueType, encodeUtf16, renderTreeAsReg, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';
import { runs } from '@hivetool/test-support';

const names = ['A', 'b', 'Key', 'é', 'É', '名', '😀', 'x y', '"q"'];
const nameArbitrary = fc.constantFrom(...names);
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: fc.oneof(nameArbitrary, fc.constant('Default')),
  type: fc.constantFrom(ValueType.SZ, ValueType.DWORD, ValueType.BINARY, ValueType.MULTI_SZ, ValueType.EXPAND_SZ, 0x1234),
  data: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom('', 'text', 'Grüße 😀').map((s) => encodeUtf16(s + '\0'))),
  flags: fc.constantFrom(0, 2),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: nameArbitrary,
    // 0x0008: volatile, whose subkeys are not written.
    flags: fc.constantFrom(0, 0x0002, 0x0008),
    values: fc.array(valueArbitrary, { maxLength: 3 }),
    subkeys: fc.oneof({ maxDepth: 3, depthIdentifier: 'build' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
// Names repeat on purpose: a repeated key or value name merges into the first, as regedit does.
const treeArbitrary: fc.Arbitrary<HiveTree> = fc.record({ 1: fc.array(keyArbitrary, { maxLength: 2 }), 2: fc.array(keyArbitrary, { maxLength: 3 }) }).map((roots) => ({ roots }));

// Edits applied after the tree: deletions of keys and values, values set again, new keys.
const editArbitrary = fc.array(
  fc.oneof(
    fc.array(nameArbitrary, { minLength: 1, maxLength: 3 }).map((path) => `[-HKLM\\${path.join('\\')}]`),
    fc.constant('[-HKCU]'),
    fc.tuple(fc.array(nameArbitrary, { minLength: 1, maxLength: 3 }), nameArbitrary, fc.constantFrom('-', 'dword:7', '"new"', 'hex:01,02')).map(
      ([path, value, data]) => `[HKLM\\${path.join('\\')}]\n${JSON.stringify(value)}=${data}`,
    ),
  ),
  { maxLength: 6 },
);

const signature = new Uint8Array(16).fill(7);

describe('build from bytes through the compact tree', () => {
  test('encodeCompactHive(compact) is encodeHive of the same tree as objects, edits included', () => {
    fc.assert(
      fc.property(treeArbitrary, editArbitrary, fc.constantFrom<'rom' | 'persistent'>('rom', 'persistent'), (tree, edits, layout) => {
        const text = renderTreeAsReg(tree) + '\n' + edits.join('\n') + '\n';
        const builder = new RegTreeBuilder().applyBytes(Buffer.from(text, 'utf8'), 'edits.reg');
        const compact = encodeCompactHive(builder.compact(), { layout, romSignature: signature, volumeGuid: signature });
        const objects = encodeHive(builder.tree(), { layout, romSignature: signature, volumeGuid: signature });
        expect(Buffer.from(compact).equals(Buffer.from(objects))).toBe(true);
        // The string entry point reads the same text the same way.
        const fromString = encodeCompactHive(new RegTreeBuilder().apply(text).compact(), { layout, romSignature: signature, volumeGuid: signature });
        expect(Buffer.from(fromString).equals(Buffer.from(compact))).toBe(true);
      }),
      { seed: 16, numRuns: runs(300) },
    );
  });

  test('the derived signature and GUID do not depend on which SHA-256 computes them', async () => {
    const { createHash } = await import('node:crypto');
    const nodeSha256 = (parts: readonly Uint8Array[]): Uint8Array => {
      const hash = createHash('sha256');
      for (const part of parts) hash.update(part);
      return new Uint8Array(hash.digest());
    };
    const builder = new RegTreeBuilder().apply('[HKLM\\Software\\Vendor]\n"Name"="value"\n"Count"=dword:3\n');
    const portable = encodeCompactHive(builder.compact());
    const native = encodeCompactHive(builder.compact(), { sha256: nodeSha256 });
    expect(Buffer.from(native).equals(Buffer.from(portable))).toBe(true);
    expect(Buffer.from(portable.subarray(0x28, 0x38)).equals(Buffer.alloc(16))).toBe(false);
  });
});
