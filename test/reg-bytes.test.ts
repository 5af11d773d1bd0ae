/**
 * The dump renders a hive's .reg text from the file's bytes (key paths and names
 * transcoded from UTF-16LE, no strings); `renderTreeAsReg` renders a tree from strings.
 * For any tree, names .reg cannot hold included, the two must give the same text.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { join } from 'node:path';
import { encodeHive, openHive, readTree, type Hive, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/hive';
import { Utf8Writer, ValueType, renderTreeAsReg } from '@hivetool/registry';
import { REPO_ROOT, runs } from '@hivetool/test-support';

// The CLI's own dump renderer (its modules are not part of the package's public entry).
interface RegVisitor {
  writer: { skippedKeys: number; skippedValues: number };
}
const { regVisitor } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/reg.js'))) as {
  regVisitor(header: unknown, sink: unknown, style: 'ce' | 'regedit'): RegVisitor;
};
const { hiveHeader, walkForDump, dumpStarts } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/tree.js'))) as {
  hiveHeader(hive: Hive, file: string): unknown;
  walkForDump(starts: unknown, visitor: RegVisitor): void;
  dumpStarts(hive: Hive, key: string | undefined): unknown;
};

// Names mixing plain text with what .reg cannot hold or must escape.
const nameArbitrary = fc
  .array(fc.constantFrom('a', 'Key', 'é', '名', '😀', '\\', '"', '\n', '\ud800', '\udc00', ' '), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: fc.oneof(nameArbitrary, fc.constant('Default')),
  type: fc.constantFrom(ValueType.SZ, ValueType.DWORD, ValueType.BINARY, ValueType.MULTI_SZ, ValueType.EXPAND_SZ),
  data: fc.uint8Array({ maxLength: 40 }),
  flags: fc.constantFrom(0, 2),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: nameArbitrary,
    flags: fc.constantFrom(0, 0x4600),
    values: fc.array(valueArbitrary, { maxLength: 3 }),
    subkeys: fc.oneof({ maxDepth: 4, depthIdentifier: 'reg-bytes' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
const treeArbitrary: fc.Arbitrary<HiveTree> = fc.record({ 1: fc.array(keyArbitrary, { maxLength: 2 }), 2: fc.array(keyArbitrary, { maxLength: 3 }) }).map((roots) => ({ roots }));

describe('.reg text from a hive’s bytes', () => {
  test('is the text renderTreeAsReg gives for the same tree, names .reg cannot hold included', () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        const hive = openHive(encodeHive(tree));
        const pieces: Buffer[] = [];
        const utf8 = new Utf8Writer((bytes) => pieces.push(Buffer.from(bytes)));
        const sink = { utf8, write: (text: string) => utf8.text(text), writeBytes: () => undefined, close: () => undefined, abort: () => undefined };
        const visitor = regVisitor(hiveHeader(hive, 'x.hv'), sink, 'ce');
        walkForDump(dumpStarts(hive, undefined), visitor);
        utf8.flush();
        // The dump opens with a blank line and a comment naming the file; the rest is the tree.
        const dumped = Buffer.concat(pieces).toString('utf8').replace(/^\n; x\.hv: [^\n]*\n/, '');
        const expected = renderTreeAsReg(readTree(hive)).replace(/^REGEDIT4\n/, '');
        expect(dumped).toBe(expected);
      }),
      { seed: 31, numRuns: runs(300) },
    );
  });
});
