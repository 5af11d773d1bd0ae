/**
 * The JSON dump writes a hive's records from the file's bytes (names and strings
 * transcoded and escaped from UTF-16LE, numbers and hex as bytes). For any tree, names and
 * data JSON must escape included, it must give the text `JSON.stringify` gives for the same
 * records (the documented objects, docs/json-schema.md), with DEL, C1 and the bidirectional
 * controls written as `\uHHHH` escapes (terminalSafeJson: the same document once parsed).
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { join } from 'node:path';
import { encodeHive, openHive, walkTree, type Hive, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/hive';
import { Utf8Writer, ValueType, jsonValue, terminalSafeJson } from '@hivetool/registry';
import { REPO_ROOT, runs } from '@hivetool/test-support';

interface JsonVisitor {
  finish(error?: string): void;
}
const { jsonVisitor } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/json.js'))) as {
  jsonVisitor(header: unknown, sink: unknown, contentOnly: boolean): JsonVisitor;
};
const { hiveHeader, walkForDump, dumpStarts } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/tree.js'))) as {
  hiveHeader(hive: Hive, file: string): unknown;
  walkForDump(starts: unknown, visitor: JsonVisitor): void;
  dumpStarts(hive: Hive, key: string | undefined): unknown;
};

// Names mixing plain text with what JSON must escape: quotes, backslashes, controls, lone surrogates.
const nameArbitrary = fc
  .array(fc.constantFrom('a', 'Key', 'é', '名', '😀', '\\', '"', '\n', '\t', '\u0001', '\u001f', '\u007f', '\u2028', '\ud800', '\udc00', ' '), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));
const stringData = (text: string): Uint8Array => {
  const bytes = new Uint8Array(2 * text.length);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  return bytes;
};
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: fc.oneof(nameArbitrary, fc.constant('Default')),
  type: fc.constantFrom(ValueType.NONE, ValueType.SZ, ValueType.EXPAND_SZ, ValueType.DWORD, ValueType.DWORD_BIG_ENDIAN, ValueType.QWORD, ValueType.BINARY, ValueType.MULTI_SZ, ValueType.LINK, ValueType.MUI_SZ, 0x1234),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ minLength: 4, maxLength: 4 }),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    // Well-formed strings and string lists, and lists with an empty member.
    fc.array(nameArbitrary, { minLength: 0, maxLength: 3 }).map((items) => stringData(items.map((item) => item + '\0').join('') + '\0')),
    nameArbitrary.map((text) => stringData(text + '\0')),
  ),
  flags: fc.constantFrom(0, 2, 255),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: nameArbitrary,
    flags: fc.constantFrom(0, 0x4602),
    values: fc.array(valueArbitrary, { maxLength: 3 }),
    subkeys: fc.oneof({ maxDepth: 4, depthIdentifier: 'json-bytes' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
const treeArbitrary: fc.Arbitrary<HiveTree> = fc.record({ 1: fc.array(keyArbitrary, { maxLength: 2 }), 2: fc.array(keyArbitrary, { maxLength: 3 }) }).map((roots) => ({ roots }));

/** The dump's JSON for `hive` as the renderer writes it. */
function rendered(hive: Hive, contentOnly: boolean, key?: string): string {
  const pieces: Buffer[] = [];
  const utf8 = new Utf8Writer((bytes) => pieces.push(Buffer.from(bytes)));
  const sink = { utf8, write: (text: string) => utf8.text(text), writeBytes: () => undefined, close: () => undefined, abort: () => undefined };
  const visitor = jsonVisitor(hiveHeader(hive, 'x.hv'), sink, contentOnly);
  walkForDump(dumpStarts(hive, key), visitor);
  visitor.finish();
  utf8.flush();
  return Buffer.concat(pieces).toString('utf8');
}

/** The same document made with JSON.stringify, record by record. */
function expected(hive: Hive, contentOnly: boolean, start?: string): string {
  const head = contentOnly ? { kind: hive.kind } : { file: 'x.hv', kind: hive.kind, fileLength: hive.length, romSignature: Buffer.from(hive.header.romSignature).toString('hex') };
  const keys: string[] = [];
  const visit = {
    key(key: { name: string; id: number; offset: number; source: string; flags: number }, path: string) {
      const object = contentOnly ? { path, name: key.name, flags: key.flags } : { path, name: key.name, id: key.id, offset: key.offset, source: key.source, flags: key.flags };
      keys.push(JSON.stringify(object).slice(0, -1) + ',"values":[');
    },
    value(value: { name: string; type: number; flags: number; data: Uint8Array; id: number; offset: number; source: string }) {
      const content = jsonValue(value.name, value.type, value.flags, value.data);
      const object = contentOnly ? content : { ...content, id: value.id, offset: value.offset, source: value.source };
      const last = keys.length - 1;
      keys[last] += (keys[last]!.endsWith('[') ? '' : ',') + JSON.stringify(object);
    },
  };
  if (start === undefined) {
    for (const root of hive.roots()) walkTree(root, root.name, visit);
  } else {
    const found = hive.lookup(start);
    if (found.found) walkTree(found.node, found.path, visit, { includeStart: true });
  }
  const body = keys.map((key, i) => (i === 0 ? '\n' : ',\n') + key + ']}').join('');
  return terminalSafeJson(JSON.stringify(head).slice(0, -1) + ',"keys":[' + body + '\n],"unresolvedLinks":[]}');
}

describe('JSON dump from a hive’s bytes', () => {
  test('is the text JSON.stringify gives for the same records, with and without --content-only', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.boolean(), (tree, contentOnly) => {
        const hive = openHive(encodeHive(tree));
        const text = rendered(hive, contentOnly);
        expect(text).toBe(expected(hive, contentOnly));
        JSON.parse(text);
      }),
      { seed: 41, numRuns: runs(300) },
    );
  });

  test('a subtree (--key) starts its paths at the key', () => {
    const hive = openHive(encodeHive({ roots: { 2: [{ name: 'Soft"ware', subkeys: [{ name: 'Ven\\dor', values: [{ name: 'x', type: ValueType.SZ, data: stringData('a\u0001\0') }] }] }] } }));
    const text = rendered(hive, false, 'HKLM\\Soft"ware');
    expect(text).toBe(expected(hive, false, 'HKLM\\Soft"ware'));
    const paths = JSON.parse(text).hives === undefined ? JSON.parse(text).keys.map((key: { path: string }) => key.path) : [];
    expect(paths).toEqual(['HKEY_LOCAL_MACHINE\\Soft"ware', 'HKEY_LOCAL_MACHINE\\Soft"ware\\Ven\\dor']);
  });
});
