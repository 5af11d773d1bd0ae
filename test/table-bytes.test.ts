/**
 * The CSV and JSON Lines tables of a dump are written from the hive's bytes: key paths,
 * value names and data text transcoded from UTF-16LE into the output buffer, CSV quoting
 * decided on the way (packages/cli/src/table/textBytes.ts). For any tree, names and data
 * with quotes, commas, line breaks, controls and lone surrogates included, the text must be
 * the one the rows' strings give (`dataText`, `csvLine`, `jsonLine`: the string path).
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { join } from 'node:path';
import { encodeHive, openHive, type Hive, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/hive';
import { Utf8Writer, ValueType, terminalSafeJson } from '@hivetool/registry';
import { REPO_ROOT, runs } from '@hivetool/test-support';

interface TableRow {
  [column: string]: unknown;
}
interface StoredValue {
  file: string;
  hiveKind: string;
  keyPath: string;
  bytes: Uint8Array;
  nameOffset: number;
  nameUnits: number;
  type: number;
  dataOffset: number;
  dataLength: number;
  offset: number | null;
  source: string;
}
interface RowSink {
  row(row: TableRow): void;
  value?(value: StoredValue): void;
}
type Rows = new (out: Utf8Writer) => RowSink;
const { CsvRows, JsonlRows, csvLine, jsonLine, dataText, storedValueRow } = (await import(join(REPO_ROOT, 'packages/cli/dist/table/rows.js'))) as {
  CsvRows: Rows;
  JsonlRows: Rows;
  csvLine(row: TableRow): string;
  jsonLine(row: TableRow): string;
  dataText(type: number, data: Uint8Array): string | null;
  storedValueRow(value: StoredValue): TableRow;
};
const { putCsvData, putJsonData, dataTextRoom } = (await import(join(REPO_ROOT, 'packages/cli/dist/table/textBytes.js'))) as {
  putCsvData(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number;
  putJsonData(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number;
  dataTextRoom(length: number): number;
};
const { tableVisitor } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/table.js'))) as {
  tableVisitor(header: unknown, rows: RowSink): unknown;
};
const { hiveHeader, walkForDump, dumpStarts } = (await import(join(REPO_ROOT, 'packages/cli/dist/dump/tree.js'))) as {
  hiveHeader(hive: Hive, file: string): unknown;
  walkForDump(starts: unknown, visitor: unknown): void;
  dumpStarts(hive: Hive, key: string | undefined): unknown;
};

// Text mixing plain characters with what CSV quotes and JSON escapes, and lone surrogates.
const textArbitrary = fc
  .array(fc.constantFrom('a', 'Key', 'é', '名', '😀', '\\', '"', ',', '\n', '\r', '\t', '\u0001', '\u007f', '\u0085', '\u2028', '\u202e', '\ufeff', '\ud800', '\udc00', ' '), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));
const utf16 = (text: string): Uint8Array => {
  const bytes = new Uint8Array(2 * text.length);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  return bytes;
};
const TYPES = [ValueType.NONE, ValueType.SZ, ValueType.EXPAND_SZ, ValueType.BINARY, ValueType.DWORD, ValueType.DWORD_BIG_ENDIAN, ValueType.LINK, ValueType.MULTI_SZ, ValueType.QWORD, ValueType.MUI_SZ, 0x1234];
// Data of every shape the data text tells apart: random bytes, numbers' lengths (QWORDs
// above 2^53 included), strings and string lists well formed or not (an empty string in
// the list, a missing terminator, an odd length).
const dataArbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 8, maxLength: 8 }),
  fc.constant(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00])),
  fc.constant(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x20, 0x00])),
  fc.array(fc.oneof(textArbitrary, fc.constant('')), { minLength: 0, maxLength: 3 }).map((items) => utf16(items.map((item) => item + '\0').join('') + '\0')),
  textArbitrary.map((text) => utf16(text + '\0')),
  fc.oneof(fc.constant(''), textArbitrary).map((text) => utf16(text)),
  textArbitrary.map((text) => utf16(text + '\0').subarray(1)),
);

// ignoreBOM: a U+FEFF that starts a text is part of it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** `text` as its UTF-8 bytes read back: lone surrogates become U+FFFD, as in the output. */
const asUtf8 = (text: string): string => decoder.decode(new TextEncoder().encode(text));

describe('table text from a value’s bytes', () => {
  test('the data column is the field and the JSON string of dataText', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), dataArbitrary, fc.nat(3), (type, data, at) => {
        // The data inside a larger buffer, as in a hive file.
        const bytes = new Uint8Array(at + data.length + 3).fill(0x41);
        bytes.set(data, at);
        const target = new Uint8Array(dataTextRoom(data.length) + 8);
        const text = dataText(type, data);
        const csv = decoder.decode(target.subarray(0, putCsvData(target, 0, type, bytes, at, data.length)));
        // The data field of a line whose other columns hold no special character.
        const line = csvLine({ file: 'f', hive_kind: 'k', key_path: 'p', value_name: 'n', type: 't', type_number: 1, data: text, data_hex: 'ab', size: 1, record_offset: null, source: 's', unverified: false, deleted: false });
        expect('f,k,p,n,t,1,' + csv + ',ab,1,,s,false,false\r\n').toBe(asUtf8(line));
        const json = decoder.decode(target.subarray(0, putJsonData(target, 0, type, bytes, at, data.length)));
        expect(json).toBe(terminalSafeJson(JSON.stringify(text)));
      }),
      { seed: 25, numRuns: runs(2000) },
    );
  });

  test('a stored value’s line is the line of its row, without a walk', () => {
    fc.assert(
      fc.property(textArbitrary, textArbitrary, fc.oneof(fc.constant(''), textArbitrary), fc.constantFrom(...TYPES), dataArbitrary, fc.option(fc.nat()), fc.constantFrom('file', 'rom', 'rom-unverified'), (file, keyPath, name, type, data, offset, source) => {
        const nameBytes = utf16(name);
        const bytes = new Uint8Array(nameBytes.length + data.length + 1);
        bytes.set(nameBytes, 1);
        bytes.set(data, 1 + nameBytes.length);
        const value: StoredValue = { file, hiveKind: 'persistent', keyPath, bytes, nameOffset: 1, nameUnits: name.length, type, dataOffset: 1 + nameBytes.length, dataLength: data.length, offset, source };
        for (const [Sink, line] of [
          [CsvRows, csvLine],
          [JsonlRows, jsonLine],
        ] as const) {
          expect(written(Sink, (rows) => rows.value!(value))).toBe(asUtf8(line(storedValueRow(value))));
        }
      }),
      { seed: 26, numRuns: runs(1000) },
    );
  });
});

const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: fc.oneof(textArbitrary, fc.constant('Default')),
  type: fc.constantFrom(...TYPES),
  data: dataArbitrary,
  flags: fc.constant(0),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: textArbitrary,
    flags: fc.constant(0),
    values: fc.array(valueArbitrary, { maxLength: 3 }),
    subkeys: fc.oneof({ maxDepth: 4, depthIdentifier: 'table-bytes' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
const treeArbitrary: fc.Arbitrary<HiveTree> = fc.record({ 1: fc.array(keyArbitrary, { maxLength: 2 }), 2: fc.array(keyArbitrary, { maxLength: 3 }) }).map((roots) => ({ roots }));

/** What `write` puts into a sink of `Sink`, as text. */
function written(Sink: Rows, write: (rows: RowSink) => void): string {
  const pieces: Uint8Array[] = [];
  // A small buffer: lines cross the pieces' ends.
  const out = new Utf8Writer((bytes) => pieces.push(bytes.slice()), 64);
  write(new Sink(out));
  out.flush();
  return decoder.decode(Buffer.concat(pieces));
}

/** A dump's table of `hive` through the byte sink, and through the rows' strings. */
function both(hive: Hive, Sink: Rows, line: (row: TableRow) => string, file: string, key?: string): [string, string] {
  const bytes = written(Sink, (rows) => walkForDump(dumpStarts(hive, key), tableVisitor(hiveHeader(hive, file), rows)));
  const lines: string[] = [];
  // A sink with neither `value` nor `keyName`: row objects, made from strings.
  walkForDump(dumpStarts(hive, key), tableVisitor(hiveHeader(hive, file), { row: (row) => lines.push(line(row)) }));
  return [bytes, asUtf8(lines.join(''))];
}

describe('a dump’s table from a hive’s bytes', () => {
  test('is the text of the rows’ strings, CSV and JSON Lines, for any tree', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.constantFrom('x.hv', 'a,"b".hv'), (tree, file) => {
        const hive = openHive(encodeHive(tree));
        for (const [Sink, line] of [
          [CsvRows, csvLine],
          [JsonlRows, jsonLine],
        ] as const) {
          const [bytes, strings] = both(hive, Sink, line, file);
          expect(bytes).toBe(strings);
        }
      }),
      { seed: 27, numRuns: runs(300) },
    );
  });

  test('a subtree (--key) starts its paths at the key; a quote or comma in a parent quotes every path under it', () => {
    const data = utf16('a,b\0');
    const hive = openHive(encodeHive({ roots: { 2: [{ name: 'Soft"ware', subkeys: [{ name: 'Ven\\dor', values: [{ name: 'x', type: ValueType.SZ, data }], subkeys: [{ name: 'Plain', values: [{ name: '', type: ValueType.DWORD, data: new Uint8Array([1, 0, 0, 0]) }] }] }] }, { name: 'Plain', values: [{ name: 'n', type: ValueType.MULTI_SZ, data: utf16('a\0b\0\0') }] }] } }));
    for (const [Sink, line] of [
      [CsvRows, csvLine],
      [JsonlRows, jsonLine],
    ] as const) {
      const [bytes, strings] = both(hive, Sink, line, 'x.hv', 'HKLM\\Soft"ware');
      expect(bytes).toBe(strings);
    }
    const [csv] = both(hive, CsvRows, csvLine, 'x.hv');
    // The record offsets aside, the lines as RFC 4180 writes them.
    expect(csv.replace(/,\d+,file,/g, ',OFFSET,file,')).toBe(
      'x.hv,rom,"HKEY_LOCAL_MACHINE\\Soft""ware\\Ven\\dor",x,REG_SZ,1,"a,b",61002c0062000000,8,OFFSET,file,false,false\r\n' +
        'x.hv,rom,"HKEY_LOCAL_MACHINE\\Soft""ware\\Ven\\dor\\Plain","",REG_DWORD,4,1,01000000,4,OFFSET,file,false,false\r\n' +
        'x.hv,rom,HKEY_LOCAL_MACHINE\\Plain,n,REG_MULTI_SZ,7,"a\nb",61000000620000000000,10,OFFSET,file,false,false\r\n',
    );
  });
});
