/**
 * The Parquet encoder of `-f parquet` (packages/cli/src/table/parquet/), piece by piece:
 * the Thrift compact protocol and the RLE/bit-packed hybrid decoded by hyparquet's own
 * decoders and checked against bytes worked out by hand from the specifications, snappy
 * round trips through hyparquet's decompressor, DELTA_BINARY_PACKED and DELTA_BYTE_ARRAY
 * decoded by hyparquet's decoders, key paths built from the names' bytes by depth, the UTF-8 written straight from UTF-16LE
 * against TextEncoder, and whole files (nulls, an empty table, row group boundaries) read
 * back by hyparquet and by DuckDB.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { deltaBinaryUnpack, deltaByteArray } from 'hyparquet/src/delta.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { snappyUncompress } from 'hyparquet/src/snappy.js';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { REPO_ROOT } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';
import type * as BytesModule from '../packages/cli/dist/table/parquet/bytes.js';
import type * as ThriftModule from '../packages/cli/dist/table/parquet/thrift.js';
import type * as RleModule from '../packages/cli/dist/table/parquet/rle.js';
import type * as DeltaModule from '../packages/cli/dist/table/parquet/delta.js';
import type * as SnappyModule from '../packages/cli/dist/table/parquet/snappy.js';
import type * as ColumnsModule from '../packages/cli/dist/table/parquet/columns.js';
import type * as TextModule from '../packages/cli/dist/table/parquet/text.js';
import type * as ParquetModule from '../packages/cli/dist/table/parquet.js';
import type * as RowsModule from '../packages/cli/dist/table/rows.js';

const dist = (path: string): Promise<unknown> => import(join(REPO_ROOT, 'packages/cli/dist/table', path));
const { ByteBuffer, putString } = (await dist('parquet/bytes.js')) as typeof BytesModule;
const { CompactType, CompactWriter } = (await dist('parquet/thrift.js')) as typeof ThriftModule;
const { bitWidth, encodeHybrid } = (await dist('parquet/rle.js')) as typeof RleModule;
const { encodeDeltaBinaryPacked } = (await dist('parquet/delta.js')) as typeof DeltaModule;
const { snappyCompress } = (await dist('parquet/snappy.js')) as typeof SnappyModule;
const { putUtf16AsUtf8 } = (await dist('parquet/columns.js')) as typeof ColumnsModule;
const { maxDataTextBytes, putDataText } = (await dist('parquet/text.js')) as typeof TextModule;
const { ParquetRows, PARQUET_GROUP_ROWS } = (await dist('parquet.js')) as typeof ParquetModule;
const { dataText, keyRow, storedValueRow, valueRow } = (await dist('rows.js')) as typeof RowsModule;
type TableRow = RowsModule.TableRow;
type StoredValue = RowsModule.StoredValue;

const scratch = scratchDirectory('hivetool-parquet-');
const encoder = new TextEncoder();
const reader = (bytes: Uint8Array, offset = 0) => ({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A Parquet file made by ParquetRows from rows (as `row`) or stored values (as `value`). */
function parquetOf(add: (sink: InstanceType<typeof ParquetRows>) => void): Uint8Array {
  const chunks: Uint8Array[] = [];
  const sink = {
    write: (): void => {
      throw new Error('the Parquet writer writes bytes only');
    },
    writeBytes: (bytes: Uint8Array): void => void chunks.push(bytes.slice()),
    utf8: undefined as never,
    close: (): void => undefined,
    abort: (): void => undefined,
  };
  const rows = new ParquetRows(sink);
  add(rows);
  rows.finish();
  return new Uint8Array(Buffer.concat(chunks));
}

const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** A row as UTF-8 holds it: an unpaired surrogate of a name or data text is U+FFFD. */
function asUtf8(row: TableRow): TableRow {
  const utf8 = (text: string | null): string | null => (text === null ? null : new TextDecoder().decode(encoder.encode(text)));
  return { ...row, key_path: utf8(row.key_path)!, value_name: utf8(row.value_name), data: utf8(row.data) };
}

async function readBack(bytes: Uint8Array): Promise<TableRow[]> {
  const rows = (await parquetReadObjects({ file: arrayBuffer(bytes) })) as Array<Record<string, unknown>>;
  return rows.map((row) => ({ ...row, record_offset: typeof row['record_offset'] === 'bigint' ? Number(row['record_offset']) : row['record_offset'] }) as TableRow);
}

describe('Thrift compact protocol', () => {
  test('bytes worked out by hand from the specification', () => {
    const w = new CompactWriter();
    w.i32(1, 5); // field 1 (delta 1), type i32 (5): 0x15; zigzag(5) = 10
    w.i32(2, -1); // delta 1: 0x15; zigzag(-1) = 1
    w.bool(3, true); // delta 1, type TRUE (1): 0x11
    w.bool(4, false); // 0x12
    w.string(20, 'ab'); // delta 16 > 15: type byte 0x08, then the zigzag id 40 (0x28); length 2, 'a' 'b'
    w.i64(21, 300); // delta 1, i64 (6): 0x16; zigzag(300) = 600 = 0xd8 0x04
    w.list(22, CompactType.I32, 3); // 0x19; size 3 in the high nibble, i32: 0x35
    w.elementI32(0);
    w.elementI32(1);
    w.elementI32(-2);
    w.struct(23); // 0x1c
    w.i32(1, 7); // 0x15 0x0e
    w.end(); // 0x00
    w.end(); // the top struct's stop: 0x00
    expect(hex(w.out.view())).toBe('150a15011112082802616216d8041935000203' + '1c' + '150e' + '00' + '00');
  });

  test("hyparquet's decoder reads back nested structs, long lists and large numbers", () => {
    const w = new CompactWriter();
    w.i32(1, -123456);
    w.i64(2, 2 ** 40 + 3);
    w.binary(3, Uint8Array.of(0, 255, 7));
    w.list(4, CompactType.STRUCT, 20);
    for (let i = 0; i < 20; i++) {
      w.element();
      w.string(1, `column ${i}`);
      w.i64(2, i * 1000);
      w.end();
    }
    w.struct(17);
    w.struct(1);
    w.end();
    w.bool(2, false);
    w.end();
    w.list(18, CompactType.I32, 16);
    for (let i = 0; i < 16; i++) w.elementI32(i - 8);
    w.end();
    const bytes = w.out.copy();
    const r = reader(bytes);
    const decoded = deserializeTCompactProtocol(r);
    expect(r.offset).toBe(bytes.length);
    expect(decoded['field_1']).toBe(-123456);
    expect(decoded['field_2']).toBe(BigInt(2 ** 40 + 3));
    expect([...(decoded['field_3'] as Uint8Array)]).toEqual([0, 255, 7]);
    const list = decoded['field_4'] as Array<Record<string, unknown>>;
    expect(list).toHaveLength(20);
    expect(new TextDecoder().decode(list[19]!['field_1'] as Uint8Array)).toBe('column 19');
    expect(list[19]!['field_2']).toBe(19000n);
    expect(decoded['field_17']).toEqual({ field_1: {}, field_2: false });
    expect(decoded['field_18']).toEqual(Array.from({ length: 16 }, (_, i) => i - 8));
  });
});

describe('RLE/bit-packed hybrid', () => {
  test('the examples of the specification (Encodings.md)', () => {
    // Bit-packing 0..7 at width 3: one group of 8, header (1 << 1) | 1, bits 10001000 11000110 11111010.
    const packed = new ByteBuffer();
    encodeHybrid(packed, [0, 1, 2, 3, 4, 5, 6, 7], 8, 3);
    expect(hex(packed.view())).toBe('0388c6fa');
    // A run of 10 times 5 at width 3: header 10 << 1, the value in one byte.
    const run = new ByteBuffer();
    encodeHybrid(run, new Array<number>(10).fill(5), 10, 3);
    expect(hex(run.view())).toBe('1405');
    // Width 9 takes two bytes for an RLE value, little-endian.
    const wide = new ByteBuffer();
    encodeHybrid(wide, new Array<number>(8).fill(0x1ff), 8, 9);
    expect(hex(wide.view())).toBe('10ff01');
    expect([bitWidth(0), bitWidth(1), bitWidth(2), bitWidth(255), bitWidth(256), bitWidth(32767)]).toEqual([1, 1, 2, 8, 9, 15]);
  });

  test("hyparquet's decoder reads back runs, packed groups and their mixtures at every width", () => {
    const values = fc.integer({ min: 1, max: 20 }).chain((width) =>
      fc.tuple(
        fc.constant(width),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** width - 1 }), fc.integer({ min: 1, max: 40 })), { maxLength: 60 }).map((runs) => runs.flatMap(([value, count]) => new Array<number>(count).fill(value))),
      ),
    );
    fc.assert(
      fc.property(values, ([width, list]) => {
        const out = new ByteBuffer();
        encodeHybrid(out, list, list.length, width);
        const decoded = new Array<number>(list.length);
        const r = reader(out.view());
        readRleBitPackedHybrid(r, width, decoded, out.length);
        expect(decoded).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });
});

describe('DELTA_BINARY_PACKED and DELTA_BYTE_ARRAY', () => {
  const deltaOf = (values: number[]): Uint8Array => {
    const out = new ByteBuffer();
    encodeDeltaBinaryPacked(out, values, values.length);
    return out.copy();
  };
  const unpack = (bytes: Uint8Array, count: number): number[] => {
    const output = new Int32Array(count);
    const r = reader(bytes);
    deltaBinaryUnpack(r, count, output);
    return [...output];
  };

  test('bytes worked out by hand from the specification (Encodings.md)', () => {
    // Header: block size 128 (0x80 0x01), 4 miniblocks, the count, the first value (zigzag).
    expect(hex(deltaOf([]))).toBe('8001040000');
    expect(hex(deltaOf([0]))).toBe('8001040100');
    expect(hex(deltaOf([5]))).toBe('800104010a');
    // The specification's example 1..5: deltas all 1, min delta 1 (zigzag 2), widths 0, no miniblock bodies.
    expect(hex(deltaOf([1, 2, 3, 4, 5]))).toBe('800104050202' + '00000000');
    // 7, 5, 3, 1, 2, 3, 4, 5: min delta -2 (zigzag 3); deltas less it 0 0 0 3 3 3 3 (width 2),
    // the first miniblock's 32 values packed in 8 bytes (0b11000000, 0b00111111, zeros);
    // the unused miniblocks' widths 0 and no bodies.
    expect(hex(deltaOf([7, 5, 3, 1, 2, 3, 4, 5]))).toBe('800104080e' + '03' + '02000000' + 'c03f' + '000000000000');
  });

  test("hyparquet's decoder reads back blocks and miniblocks at their boundaries, negative deltas, 0 and 1 values", () => {
    const cases: number[][] = [[0], [1], [0, 0], [2 ** 31 - 1, 0, 2 ** 31 - 1], [0, 2 ** 31 - 1, 5, 5, 5]];
    for (const count of [31, 32, 33, 64, 127, 128, 129, 130, 256, 257, 1000]) {
      cases.push(Array.from({ length: count }, (_, i) => (i * 7919) % 601));
      cases.push(Array.from({ length: count }, (_, i) => 5000 - i * 3));
      cases.push(Array.from({ length: count }, () => 42));
    }
    for (const values of cases) expect(unpack(deltaOf(values), values.length)).toEqual(values);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 700 }), (values) => {
        expect(unpack(deltaOf(values), values.length)).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });

  test("hyparquet's DELTA_BYTE_ARRAY decoder reads the prefix lengths, the suffix lengths and the suffixes", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 400 }), (texts) => {
        const values = texts.map((text, i) => encoder.encode(`HKLM\\${texts.slice(0, i % 5).join('\\')}\\${text}`));
        const prefixes = values.map((value, i) => {
          if (i === 0) return 0;
          const before = values[i - 1]!;
          let n = 0;
          while (n < value.length && n < before.length && value[n] === before[n]) n++;
          // A true common prefix, not always the longest.
          return i % 3 === 0 ? Math.floor(n / 2) : n;
        });
        const out = new ByteBuffer();
        encodeDeltaBinaryPacked(out, prefixes, values.length);
        encodeDeltaBinaryPacked(
          out,
          values.map((value, i) => value.length - prefixes[i]!),
          values.length,
        );
        values.forEach((value, i) => out.put(value.subarray(prefixes[i])));
        const decoded: Uint8Array[] = new Array<Uint8Array>(values.length);
        const r = reader(out.view());
        deltaByteArray(r, values.length, decoded);
        expect(r.offset).toBe(out.length);
        expect(decoded.map((value) => hex(value))).toEqual(values.map((value) => hex(value)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('snappy', () => {
  function roundTrip(input: Uint8Array): number {
    const out = new ByteBuffer();
    snappyCompress(out, input);
    const decoded = new Uint8Array(input.length);
    snappyUncompress(out.view(), decoded);
    expect(Buffer.from(decoded).equals(Buffer.from(input))).toBe(true);
    return out.length;
  }

  test('round trips through hyparquet’s decompressor: empty, short, random, repetitive, across 64 KiB blocks', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Uint8Array.of(1, 2, 3));
    roundTrip(encoder.encode('0123456789abcdef0'));
    let seed = 7;
    const random = new Uint8Array(300_000).map(() => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
    roundTrip(random);
    const text = encoder.encode('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\'.repeat(10_000));
    const size = roundTrip(text);
    expect(size).toBeLessThan(text.length / 10); // long copies
    // Repetitive text with random bytes between, longer than several 64 KiB blocks.
    const mixed = new Uint8Array(200_000).map((_, i) => (i % 1000 < 900 ? 65 + (i % 7) : random[i]!));
    roundTrip(mixed);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 8 }), (bytes, repeat) => void roundTrip(new Uint8Array(Buffer.concat(new Array(repeat).fill(bytes))))), { numRuns: 200 });
  });

  test('a slice of a larger array is compressed from its start', () => {
    const bytes = encoder.encode('xxxxHello, hello, hello, hello, hello!yyyy');
    const out = new ByteBuffer();
    snappyCompress(out, bytes, 4, bytes.length - 4);
    const decoded = new Uint8Array(bytes.length - 8);
    snappyUncompress(out.view(), decoded);
    expect(new TextDecoder().decode(decoded)).toBe('Hello, hello, hello, hello, hello!');
  });
});

describe('UTF-8 written straight from UTF-16LE', () => {
  const units = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 120 });

  test('the bytes of TextEncoder over the decoded string, unpaired surrogates included', () => {
    fc.assert(
      fc.property(units, (codes) => {
        const text = String.fromCharCode(...codes);
        const bytes = encodeUtf16(text);
        const expected = encoder.encode(text);
        const target = new Uint8Array(3 * codes.length + 8);
        expect(hex(target.subarray(0, putUtf16AsUtf8(target, 0, bytes, 0, codes.length)))).toBe(hex(expected));
        // Strings: by the loop (short), by TextEncoder and by Buffer.write (long).
        const into = new Uint8Array(3 * codes.length + 8);
        expect(hex(into.subarray(2, putString(into, 2, text)))).toBe(hex(expected));
        const buffer = new ByteBuffer(3 * codes.length + 8);
        expect(hex(buffer.bytes.subarray(2, buffer.string(2, text)))).toBe(hex(expected));
      }),
      { numRuns: 500 },
    );
  });

  test('the data column: the bytes of dataText encoded, for every type and malformed data', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      units.map((codes) => encodeUtf16(String.fromCharCode(...codes) + '\0')),
      fc.array(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }), { maxLength: 4 }).map((strings) => encodeUtf16(strings.map((s) => String.fromCharCode(...s)).join('\0') + '\0\0')),
    );
    const type = fc.constantFrom(...Object.values(ValueType), 0x1f);
    fc.assert(
      fc.property(type, data, (t, bytes) => {
        const padded = new Uint8Array(bytes.length + 6);
        padded.set(bytes, 3);
        const target = new Uint8Array(maxDataTextBytes(bytes.length));
        const end = putDataText(target, 0, t, padded, 3, bytes.length);
        const text = dataText(t, bytes);
        if (text === null) expect(end).toBe(-1);
        else expect(hex(target.subarray(0, end))).toBe(hex(encoder.encode(text)));
      }),
      { numRuns: 2000 },
    );
    // QWORDs above 2^53, DWORDs at the top of their range.
    const target = new Uint8Array(64);
    const qword = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(new TextDecoder().decode(target.subarray(0, putDataText(target, 0, ValueType.QWORD, qword, 0, 8)))).toBe('18446744073709551615');
    const dword = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
    expect(new TextDecoder().decode(target.subarray(0, putDataText(target, 0, ValueType.DWORD, dword, 0, 4)))).toBe('4294967295');
  });
});

/** A stored value laid out in a byte array as a hive holds it: the name (UTF-16LE), then the data. */
function stored(file: string, keyPath: string, name: string, type: number, data: Uint8Array, offset: number | null, source = 'file'): StoredValue {
  const nameBytes = encodeUtf16(name);
  const bytes = new Uint8Array(8 + nameBytes.length + data.length);
  bytes.set(nameBytes, 8);
  bytes.set(data, 8 + nameBytes.length);
  return { file, hiveKind: 'persistent', keyPath, bytes, nameOffset: 8, nameUnits: name.length, type, dataOffset: 8 + nameBytes.length, dataLength: data.length, offset, source };
}

/** Values of every type, strings with characters outside ASCII and unpaired surrogates, over several keys and files. */
function sampleValues(count: number): StoredValue[] {
  const values: StoredValue[] = [];
  const types = [ValueType.SZ, ValueType.DWORD, ValueType.BINARY, ValueType.MULTI_SZ, ValueType.QWORD, ValueType.EXPAND_SZ, 0x1f];
  for (let i = 0; i < count; i++) {
    const type = types[i % types.length]!;
    const file = i < count / 2 ? 'devices/a.hv' : 'devices/b.hv';
    const key = `HKEY_LOCAL_MACHINE\\Drivers\\Key${Math.floor(i / 3)}${i % 11 === 0 ? '\\Größe' : ''}`;
    const name = i % 13 === 0 ? '' : `Value${i}${i % 17 === 0 ? '\ud800x' : ''}`;
    let data: Uint8Array;
    if (type === ValueType.SZ || type === ValueType.EXPAND_SZ) data = encodeUtf16(`text ${i} ünïcødé 😀\0`);
    else if (type === ValueType.MULTI_SZ) data = encodeUtf16(`one ${i}\0two\0\0`);
    else if (type === ValueType.DWORD) data = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0, i % 5 === 0 ? 0x80 : 0);
    else if (type === ValueType.QWORD) data = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, i % 3 === 0 ? 0xff : 0);
    else data = Uint8Array.from({ length: i % 40 }, (_, k) => (k * 31 + i) & 0xff);
    values.push(stored(file, key, name, type, data, i % 9 === 0 ? null : 4096 + 64 * i, i % 7 === 0 ? 'rom' : 'file'));
  }
  return values;
}

describe('Parquet files', () => {
  test('stored values and the same rows as row objects make the same bytes, read back as written', async () => {
    const values = sampleValues(5000);
    const fromValues = parquetOf((sink) => values.forEach((v) => sink.value(v)));
    const fromRows = parquetOf((sink) => values.forEach((v) => sink.row(storedValueRow(v))));
    expect(Buffer.from(fromValues).equals(Buffer.from(fromRows))).toBe(true);
    const back = await readBack(fromValues);
    expect(back).toEqual(values.map((v) => asUtf8(storedValueRow(v))));
    // An unpaired surrogate in a name comes back as U+FFFD.
    expect(back[17]!.value_name).toBe('Value17\ufffdx');
  });

  test('the schema: names, types, nullability and order of the columns of docs/tables.md', () => {
    const metadata = parquetMetadata(arrayBuffer(parquetOf((sink) => sampleValues(10).forEach((v) => sink.value(v)))));
    const schema = metadata.schema.map((element) => [element.name, element.type ?? null, element.repetition_type ?? null, element.converted_type ?? null]);
    expect(schema).toEqual([
      ['root', null, null, null],
      ['file', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['hive_kind', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['key_path', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['value_name', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['type', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['type_number', 'INT32', 'OPTIONAL', null],
      ['data', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['data_hex', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['size', 'INT32', 'OPTIONAL', null],
      ['record_offset', 'INT64', 'OPTIONAL', null],
      ['source', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['unverified', 'BOOLEAN', 'REQUIRED', null],
      ['deleted', 'BOOLEAN', 'REQUIRED', null],
    ]);
    expect(metadata.created_by).toBe('hivetool');
    const chunks = metadata.row_groups[0]!.columns.map((chunk) => chunk.meta_data!);
    for (const chunk of chunks) expect(chunk.codec).toBe('SNAPPY');
    // The columns that repeat are dictionary-encoded.
    expect(chunks.filter((chunk) => chunk.encodings.includes('RLE_DICTIONARY')).map((chunk) => chunk.path_in_schema[0])).toEqual(['file', 'hive_kind', 'type', 'source']);
    // The key path, which rarely repeats but for a key's values, in DELTA_BYTE_ARRAY (no statistics).
    expect(chunks[2]!.encodings).toEqual(['DELTA_BYTE_ARRAY']);
    expect(chunks[2]!.statistics).toBeUndefined();
  });

  test('nulls: key rows (every value column null) among value rows, and a column null in a whole row group', async () => {
    const rows: TableRow[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 4 === 0) rows.push(keyRow('x.hv', 'persistent', `HKEY_CURRENT_USER\\K${i}`, i % 8 === 0 ? null : 100 + i, 'file'));
      else rows.push(valueRow('x.hv', 'persistent', `HKEY_CURRENT_USER\\K${i - (i % 4)}`, `N${i}`, i % 3 === 0 ? ValueType.BINARY : ValueType.SZ, encodeUtf16(`v${i}\0`), 200 + i, 'file', i % 5 === 0));
    }
    expect(await readBack(parquetOf((sink) => rows.forEach((row) => sink.row(row))))).toEqual(rows);
    const keysOnly = rows.filter((row) => row.value_name === null);
    const bytes = parquetOf((sink) => keysOnly.forEach((row) => sink.row(row)));
    expect(await readBack(bytes)).toEqual(keysOnly);
    // The type column, null throughout: its null count and no min/max.
    const type = parquetMetadata(arrayBuffer(bytes)).row_groups[0]!.columns[4]!.meta_data!;
    expect(type.statistics?.null_count).toBe(BigInt(keysOnly.length));
    expect(type.statistics?.min_value).toBeUndefined();
  });

  test('an empty table is a valid file with no row group', async () => {
    const bytes = parquetOf(() => undefined);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
    const metadata = parquetMetadata(arrayBuffer(bytes));
    expect(metadata.num_rows).toBe(0n);
    expect(metadata.row_groups).toHaveLength(0);
    expect(await readBack(bytes)).toEqual([]);
  });

  test('row groups: a full group is written when it has PARQUET_GROUP_ROWS rows; min/max per group', async () => {
    const values = sampleValues(PARQUET_GROUP_ROWS + 5);
    const exact = parquetMetadata(arrayBuffer(parquetOf((sink) => values.slice(0, PARQUET_GROUP_ROWS).forEach((v) => sink.value(v)))));
    expect(exact.row_groups.map((group) => group.num_rows)).toEqual([BigInt(PARQUET_GROUP_ROWS)]);
    const bytes = parquetOf((sink) => values.forEach((v) => sink.value(v)));
    const metadata = parquetMetadata(arrayBuffer(bytes));
    expect(metadata.row_groups.map((group) => group.num_rows)).toEqual([BigInt(PARQUET_GROUP_ROWS), 5n]);
    expect(await readBack(bytes)).toEqual(values.map((v) => asUtf8(storedValueRow(v))));
    // Statistics of the file column in each group: the files of its rows.
    const files = metadata.row_groups.map((group) => group.columns[0]!.meta_data!.statistics);
    expect(files.map((s) => [s?.min_value, s?.max_value])).toEqual([
      ['devices/a.hv', 'devices/b.hv'],
      ['devices/b.hv', 'devices/b.hv'],
    ]);
    const types = metadata.row_groups[0]!.columns[5]!.meta_data!.statistics;
    expect([types?.min_value, types?.max_value]).toEqual([1, 0x1f]);
  });

  test('key paths built from the names by depth (startPath, keyName) as the walk goes: the paths as strings, across pages and row groups, the bytes of the rows given as text', async () => {
    // A pre-order walk: up and down the depths, back to the start (depth 0), keys without
    // values, names with non-ASCII and unpaired surrogates, long names that fill pages.
    const names = ['A', 'Größe', 'x\ud800', '😀', 'B'.repeat(700), '', 'C'];
    type Step = { depth: number; name: string; values: number };
    const walk: Step[] = [];
    for (let i = 0; i < 40_000; i++) {
      const depth = i % 97 === 0 ? 0 : 1 + ((i * 7) % 5);
      walk.push({ depth, name: `${names[i % names.length]}${i % 3}`, values: i % 4 === 3 ? 0 : 1 + (i % 3) });
    }
    // Each depth's parent exists: a depth at most one below the deepest so far since depth 0.
    let deepest = 0;
    for (const step of walk) {
      if (step.depth > deepest + 1) step.depth = deepest + 1;
      deepest = step.depth;
    }
    const expected: string[] = [];
    const asText: TableRow[] = [];
    const stack: string[] = [];
    const start = 'HKEY_LOCAL_MACHINE\\Wälder';
    const bytes = parquetOf((sink) => {
      sink.startPath(start);
      stack[0] = start;
      let n = 0;
      walk.forEach((step, i) => {
        const name = encodeUtf16(step.name);
        sink.keyName(step.depth, name, 0, name.length / 2);
        if (step.depth > 0) stack[step.depth] = `${stack[step.depth - 1]!}\\${step.name}`;
        for (let k = 0; k < step.values; k++) {
          const v = stored('a.hv', stack[step.depth]!, `V${n}`, ValueType.DWORD, Uint8Array.of(n & 0xff, 0, 0, 0), 64 * n, 'file');
          sink.value(v);
          asText.push(storedValueRow(v));
          expected.push(stack[step.depth]!);
          n++;
        }
        // A row given as text now and then (a deleted value): its path compared as bytes.
        if (i % 1000 === 999) {
          const row = valueRow('a.hv', 'persistent', `${stack[step.depth]!}\\deleted`, 'D', ValueType.SZ, encodeUtf16('d\0'), null, 'file', true);
          sink.row(row);
          asText.push(row);
          expected.push(`${stack[step.depth]!}\\deleted`);
        }
      });
    });
    const metadata = parquetMetadata(arrayBuffer(bytes));
    expect(metadata.row_groups.length).toBe(2);
    // More than a page (1 MiB) of key path suffixes in the first group.
    expect(metadata.row_groups[0]!.columns[2]!.meta_data!.total_uncompressed_size).toBeGreaterThan(2n ** 20n);
    const back = await readBack(bytes);
    const utf8 = (text: string): string => new TextDecoder().decode(encoder.encode(text));
    expect(back.length).toBe(expected.length);
    const wrong = back.findIndex((row, i) => row.key_path !== utf8(expected[i]!));
    expect(wrong).toBe(-1);
    // The same rows given as text (as `--jobs` gives them) make the same bytes.
    expect(Buffer.from(parquetOf((sink) => asText.forEach((row) => sink.row(row)))).equals(Buffer.from(bytes))).toBe(true);
  });

  test('DuckDB reads a file of several row groups', () => {
    const values = sampleValues(2 * PARQUET_GROUP_ROWS + 100);
    const path = join(scratch.path, 'groups.parquet');
    writeFileSync(path, parquetOf((sink) => values.forEach((v) => sink.value(v))));
    const rows = values.map(storedValueRow);
    const query = `SELECT count(*) AS n, count(DISTINCT key_path) AS keys, count(data) AS texts, sum(size) AS bytes,
      count(*) FILTER (WHERE source = 'rom') AS rom, count(*) FILTER (WHERE value_name = '') AS unnamed,
      max(record_offset) AS last, count(*) FILTER (WHERE key_path LIKE '%Größe') AS umlauts
      FROM read_parquet('${path.replace(/'/g, "''")}')`;
    const script = `const { DuckDBInstance } = require(process.env.DUCKDB);
(async () => {
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const result = await connection.runAndReadAll(process.env.QUERY);
process.stdout.write(JSON.stringify(result.getRowObjectsJson()));
})().catch((error) => { console.error(error); process.exit(1); });`;
    const duckdb = createRequire(join(REPO_ROOT, 'package.json')).resolve('@duckdb/node-api');
    const output = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, QUERY: query, DUCKDB: duckdb }, encoding: 'utf8' })) as Array<Record<string, string>>;
    expect(output).toEqual([
      {
        n: String(rows.length),
        keys: String(new Set(rows.map((row) => row.key_path)).size),
        texts: String(rows.filter((row) => row.data !== null).length),
        bytes: String(rows.reduce((sum, row) => sum + row.size!, 0)),
        rom: String(rows.filter((row) => row.source === 'rom').length),
        unnamed: String(rows.filter((row) => row.value_name === '').length),
        last: String(Math.max(...rows.map((row) => row.record_offset ?? 0))),
        umlauts: String(rows.filter((row) => row.key_path.endsWith('Größe')).length),
      },
    ]);
  });
});
