/**
 * The flat table of `dump` and `find` (`-f csv|jsonl|parquet`): one row per value, the
 * same columns in every format (docs/tables.md, docs/schemas/table-row.schema.json).
 */
import { decodeUtf16, jsonDecoded, terminalSafeJson, toHex, valueTypeName, type Utf8Writer } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { UNVERIFIED_ROM } from '../rom.js';

/** One row. Value columns are null on a row of a key (a key path `find` matched). */
export interface TableRow {
  file: string;
  hive_kind: string;
  key_path: string;
  value_name: string | null;
  type: string | null;
  type_number: number | null;
  data: string | null;
  data_hex: string | null;
  size: number | null;
  record_offset: number | null;
  source: string;
  unverified: boolean;
  deleted: boolean;
}

/** The columns, in order: the CSV header, the JSONL member order and the Parquet schema. */
export const TABLE_COLUMNS = ['file', 'hive_kind', 'key_path', 'value_name', 'type', 'type_number', 'data', 'data_hex', 'size', 'record_offset', 'source', 'unverified', 'deleted'] as const satisfies ReadonlyArray<keyof TableRow>;

export type TableFormat = 'csv' | 'jsonl' | 'parquet';

export function isTableFormat(format: string): format is TableFormat {
  return format === 'csv' || format === 'jsonl' || format === 'parquet';
}

/**
 * A value's data as text: a string type's string, REG_MULTI_SZ's strings one per line,
 * a DWORD in decimal, a QWORD in decimal; null for data that is not text (data_hex has it).
 */
export function dataText(type: number, data: Uint8Array): string | null {
  const decoded = jsonDecoded(type, data);
  if (decoded === null) return null;
  if (typeof decoded === 'string') return decoded;
  if (typeof decoded === 'number') return String(decoded);
  return decoded.join('\n');
}

/** `file` and `rom` as stored; a record read through a ROM hive that failed the ROM check is `rom`, unverified. */
export function sourceColumns(source: string): { source: string; unverified: boolean } {
  return source === UNVERIFIED_ROM ? { source: 'rom', unverified: true } : { source, unverified: false };
}

/** A value's row. */
export function valueRow(file: string, hiveKind: string, keyPath: string, name: string, type: number, data: Uint8Array, offset: number | null, source: string, deleted = false): TableRow {
  return {
    file,
    hive_kind: hiveKind,
    key_path: keyPath,
    value_name: name,
    type: valueTypeName(type),
    type_number: type,
    data: dataText(type, data),
    data_hex: toHex(data),
    size: data.length,
    record_offset: offset,
    ...sourceColumns(source),
    deleted,
  };
}

/** A row of a key alone (a key path `find` matched): its value columns are null. */
export function keyRow(file: string, hiveKind: string, keyPath: string, offset: number | null, source: string, deleted = false): TableRow {
  return { file, hive_kind: hiveKind, key_path: keyPath, value_name: null, type: null, type_number: null, data: null, data_hex: null, size: null, record_offset: offset, ...sourceColumns(source), deleted };
}

/** A value's name, decoded from where the record stores it. */
export function storedName(bytes: Uint8Array, nameOffset: number, units: number): string {
  return decodeUtf16(bytes, nameOffset, units);
}

/**
 * A value's row as a dump finds it: the name as UTF-16LE units at `nameOffset` of `bytes`,
 * the data as `dataLength` bytes at `dataOffset` of `bytes` (for a hive's record, the file
 * itself), so that a fast sink writes them without making a row object or a hex string.
 */
export interface StoredValue {
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

/** Where rows go: text rows into a sink (CSV, JSON Lines), or a Parquet writer. */
export interface RowSink {
  row(row: TableRow): void;
  /** The row of a stored value (same columns as `row(valueRow(…))`); a sink without it is given rows. */
  value?(value: StoredValue): void;
}

/** A stored value's row, for sinks that take rows. */
export function storedValueRow(v: StoredValue): TableRow {
  const data = v.bytes.subarray(v.dataOffset, v.dataOffset + v.dataLength);
  return valueRow(v.file, v.hiveKind, v.keyPath, decodeUtf16(v.bytes, v.nameOffset, v.nameUnits), v.type, data, v.offset, v.source);
}

/** ASCII codes of the two lowercase hex digits of each byte (`HEX_CODES[2 * byte]`, `[2 * byte + 1]`). */
const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const pair = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = pair.charCodeAt(0);
  HEX_CODES[2 * i + 1] = pair.charCodeAt(1);
}

/** Writes `length` bytes at `offset` of `bytes` as lowercase hex digits into `target` at `at`; returns the end. */
export function putHex(target: Uint8Array, at: number, bytes: Uint8Array, offset: number, length: number): number {
  let p = at;
  for (let i = offset, end = offset + length; i < end; i++) {
    const b = bytes[i]! << 1;
    target[p++] = HEX_CODES[b]!;
    target[p++] = HEX_CODES[b + 1]!;
  }
  return p;
}

const CSV_SPECIAL = /[",\r\n]/;

/** One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break; null is an empty field, '' is `""`. */
function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  if (value === '') return '""';
  return CSV_SPECIAL.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV header line (RFC 4180 line ends). */
export function csvHeader(): string {
  return TABLE_COLUMNS.join(',') + '\r\n';
}

/** One CSV line. */
export function csvLine(row: TableRow): string {
  return (
    // Hex digits, numbers and booleans never need quotes; `""` is the empty hex of empty data.
    csvField(row.file) + ',' + csvField(row.hive_kind) + ',' + csvField(row.key_path) + ',' + csvField(row.value_name) + ',' + csvField(row.type) + ',' +
    (row.type_number ?? '') + ',' + csvField(row.data) + ',' + (row.data_hex === null ? '' : row.data_hex === '' ? '""' : row.data_hex) + ',' + (row.size ?? '') + ',' + (row.record_offset ?? '') + ',' +
    csvField(row.source) + ',' + row.unverified + ',' + row.deleted + '\r\n'
  );
}

/**
 * One JSON Lines row: the members in column order; control and bidirectional characters
 * escaped as `\u` sequences (the same string once parsed), so a row is one line and safe
 * on a terminal.
 */
export function jsonLine(row: TableRow): string {
  return terminalSafeJson(JSON.stringify(row)) + '\n';
}

/** Rows as CSV lines or JSON lines into `sink` (the CSV header is the caller's: see startTable). */
export function textRows(format: 'csv' | 'jsonl', sink: TextSink): RowSink {
  return format === 'csv' ? new CsvRows(sink.utf8) : { row: (row) => sink.write(jsonLine(row)) };
}

const encoder = new TextEncoder();

/**
 * CSV rows written straight into the output's UTF-8 buffer. A stored value's line is made
 * of pieces encoded once and reused: `file,hive_kind,` per file, the quoted key path per
 * key, `type,type_number,` per type, `,source,unverified,deleted` per source; the name
 * and data text go in as strings, the hex digits as bytes from a table.
 */
export class CsvRows implements RowSink {
  private prefixFile: string | null = null;
  private prefixKind = '';
  private prefix = encoder.encode(',,');
  private pathKey: string | null = null;
  private path = new Uint8Array(1024);
  private pathLength = 0;
  private readonly types = new Map<number, Uint8Array>();
  private readonly suffixes = new Map<string, Uint8Array>();

  constructor(private readonly out: Utf8Writer) {}

  row(row: TableRow): void {
    this.out.text(csvLine(row));
  }

  value(v: StoredValue): void {
    const out = this.out;
    if (v.file !== this.prefixFile || v.hiveKind !== this.prefixKind) {
      this.prefixFile = v.file;
      this.prefixKind = v.hiveKind;
      this.prefix = encoder.encode(csvField(v.file) + ',' + csvField(v.hiveKind) + ',');
    }
    if (v.keyPath !== this.pathKey) {
      this.pathKey = v.keyPath;
      // Encoded into the buffer it reuses, grown for a longer path: no array per key.
      const field = csvField(v.keyPath) + ',';
      if (3 * field.length > this.path.length) this.path = new Uint8Array(Math.max(3 * field.length, 2 * this.path.length));
      this.pathLength = encoder.encodeInto(field, this.path).written;
    }
    put(out, this.prefix);
    put(out, this.path, this.pathLength);
    out.text(csvField(decodeUtf16(v.bytes, v.nameOffset, v.nameUnits)) + ',');
    let type = this.types.get(v.type);
    if (type === undefined) {
      type = encoder.encode(csvField(valueTypeName(v.type)) + ',' + v.type + ',');
      this.types.set(v.type, type);
    }
    put(out, type);
    const text = dataText(v.type, v.bytes.subarray(v.dataOffset, v.dataOffset + v.dataLength));
    if (text !== null) out.text(csvField(text));
    // Hex digits never need quotes; `""` is the empty hex of empty data.
    out.room(3 + 2 * v.dataLength);
    const target = out.bytes;
    let p = out.length;
    target[p++] = 0x2c;
    if (v.dataLength === 0) {
      target[p++] = 0x22;
      target[p++] = 0x22;
    } else {
      p = putHex(target, p, v.bytes, v.dataOffset, v.dataLength);
    }
    out.length = p;
    out.text(',' + v.dataLength + ',' + (v.offset ?? ''));
    let suffix = this.suffixes.get(v.source);
    if (suffix === undefined) {
      const { source, unverified } = sourceColumns(v.source);
      suffix = encoder.encode(',' + csvField(source) + ',' + unverified + ',false\r\n');
      this.suffixes.set(v.source, suffix);
    }
    put(out, suffix);
  }
}

/** The first `length` bytes of `bytes` (all by default) into `out`. */
function put(out: Utf8Writer, bytes: Uint8Array, length = bytes.length): void {
  out.room(length);
  out.bytes.set(length === bytes.length ? bytes : bytes.subarray(0, length), out.length);
  out.length += length;
}
