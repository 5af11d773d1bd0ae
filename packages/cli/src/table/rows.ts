/**
 * The flat table of `dump` and `find` (`-f csv|jsonl|parquet`): one row per value, the
 * same columns in every format (docs/tables.md, docs/schemas/table-row.schema.json).
 */
import { decodeUtf16, jsonDecoded, terminalSafeJson, toHex, valueTypeName } from '@hivetool/registry';
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

/** Where rows go: text rows into a sink (CSV, JSON Lines), or a Parquet writer. */
export interface RowSink {
  row(row: TableRow): void;
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
  return format === 'csv' ? { row: (row) => sink.write(csvLine(row)) } : { row: (row) => sink.write(jsonLine(row)) };
}
