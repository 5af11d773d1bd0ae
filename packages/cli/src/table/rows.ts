/**
 * The flat table of `dump` and `find` (`-f csv|jsonl|parquet`): one row per value, the
 * same columns in every format (docs/tables.md, docs/schemas/table-row.schema.json).
 */
import { decodeUtf16, escapeJsonUtf16, jsonDecoded, putDecimal, terminalSafeJson, toHex, valueTypeName, type Utf8Writer } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { UNVERIFIED_ROM } from '../rom.js';
import { csvSpecial, dataTextRoom, putCsvBody, putCsvData, putCsvText, putJsonData } from './textBytes.js';

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
  /**
   * For a sink that builds the key path itself (the text sinks): the path of a walk's
   * first key, then each key the walk reaches, at its depth below it, with its name as
   * UTF-16LE units at `offset` of `bytes` (depth 0: the first key itself). A `value` that
   * follows is under the last key given; the walk then makes no path strings (the
   * value's `keyPath` is not kept up to date).
   */
  startPath?(path: string): void;
  keyName?(depth: number, bytes: Uint8Array, offset: number, units: number): void;
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

/**
 * The two hex digits of each byte as one 16-bit word as the platform stores it (the first
 * digit at the lower address), for `putHexWords`.
 */
const HEX_WORDS = new Uint16Array(256);
{
  const pair = new Uint8Array(HEX_WORDS.buffer);
  pair.set(HEX_CODES);
}

/**
 * As `putHex`, two digits at a time into `words` (a 16-bit view of `target` from its
 * start) when `at` is even; byte by byte otherwise.
 */
function putHexWords(target: Uint8Array, words: Uint16Array, at: number, bytes: Uint8Array, offset: number, length: number): number {
  if ((at & 1) !== 0) return putHex(target, at, bytes, offset, length);
  let w = at >> 1;
  for (let i = offset, end = offset + length; i < end; i++) words[w++] = HEX_WORDS[bytes[i]!]!;
  return w << 1;
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
  return format === 'csv' ? new CsvRows(sink.utf8) : new JsonlRows(sink.utf8);
}

const encoder = new TextEncoder();

/**
 * Text rows written straight into the output's UTF-8 buffer. A stored value's line is made
 * of pieces encoded once and reused (the columns before the key path per file, the type
 * columns per type, the columns after the offset per source); the key path is built from
 * bytes, each key's name transcoded from the file's UTF-16LE after its parent's path
 * (`startPath`, `keyName`); the value name and data text are transcoded too (textBytes.ts),
 * numbers and hex digits written as bytes: no string or object per value or key. Rows
 * given as objects (`find`, `--deleted`) are written from their strings, with the same text.
 */
abstract class ByteRows implements RowSink {
  private prefixFile: string | null = null;
  private prefixKind = '';
  protected prefix = new Uint8Array(0);
  protected type: Uint8Array = new Uint8Array(0);
  protected suffix: Uint8Array = new Uint8Array(0);
  private typeNumber = -1;
  private suffixSource: string | null = null;
  private readonly types = new Map<number, Uint8Array>();
  private readonly suffixes = new Map<string, Uint8Array>();
  // The key path as the inside of its field (CSV: quotes doubled; JSON: escaped) in
  // `path[0 … pathEnd]`; `pathQuoted`: the CSV field needs its quotes. `ends` and `quoted`
  // hold the same for each depth of the walk, so a key's path is its parent's plus its name.
  private path = new Uint8Array(4096);
  private pathEnd = 0;
  private pathQuoted = false;
  private readonly ends: number[] = [];
  private readonly quoted: boolean[] = [];
  private byteKeys = false;
  private pathKey: string | null = null;
  // The line up to the value name (the prefix, the key path's field and what follows it):
  // `headSize` bytes, written from its pieces for a key's first value, then copied from
  // where the output buffer still holds it (`headView` of `headBytes` while the writer's
  // `rounds` is `headRound`): one copy per value, from bytes just written.
  protected headSize = 0;
  private headOpen: Uint8Array = new Uint8Array(0);
  private headClose: Uint8Array = new Uint8Array(0);
  private headView: Uint8Array = new Uint8Array(0);
  private headRound = -1;
  private headBytes: Uint8Array | null = null;
  private headStale = true;

  constructor(protected readonly out: Utf8Writer) {}

  abstract row(row: TableRow): void;
  abstract value(v: StoredValue): void;
  /** The text before the key path's column (`file` and `hive_kind`). */
  protected abstract prefixText(file: string, hiveKind: string): string;
  /** The inside of the key path's field for a path given as text. */
  protected abstract pathBody(keyPath: string): string;
  /** Whether the CSV field of a path given as text needs quotes. */
  protected abstract pathNeedsQuotes(keyPath: string): boolean;
  /** A key's name after its parent's path at `p` of `target` (the separator, then the name as `pathBody` writes it); returns the end. Room: 2 + 6 per unit. */
  protected abstract putName(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number;
  /** Whether a key's name makes the CSV field of its path need quotes. */
  protected abstract nameNeedsQuotes(bytes: Uint8Array, offset: number, units: number): boolean;
  /** What stands before the key path's inside (`quoted`: the CSV field needs quotes). */
  protected abstract pathOpen(quoted: boolean): Uint8Array;
  /** What stands after the key path's inside, up to the value name. */
  protected abstract pathClose(quoted: boolean): Uint8Array;
  /** The type columns, with what stands between the name and them and between them and the data text. */
  protected abstract typeText(type: number): string;
  /** The columns after the record offset, to the line end. */
  protected abstract suffixText(source: string): string;

  /** The path of the walk's first key (depth 0): the values that follow are under it until `keyName`. */
  startPath(path: string): void {
    this.byteKeys = true;
    this.setPath(path);
  }

  /**
   * The key the walk reached, at `depth` below the start: its name as `units` UTF-16LE
   * units at `offset` of `bytes`. Depth 0 is the start's own key (its path is startPath's).
   */
  keyName(depth: number, bytes: Uint8Array, offset: number, units: number): void {
    if (depth === 0) {
      this.pathEnd = this.ends[0] ?? 0;
      this.pathQuoted = this.quoted[0] ?? false;
      this.headStale = true;
      return;
    }
    const start = this.ends[depth - 1];
    if (start === undefined) throw new RangeError(`table rows: a key at depth ${depth} follows no key at depth ${depth - 1}`);
    const room = start + 2 + 6 * units;
    if (room > this.path.length) {
      const grown = new Uint8Array(Math.max(room, 2 * this.path.length));
      grown.set(this.path.subarray(0, start));
      this.path = grown;
    }
    this.pathEnd = this.ends[depth] = this.putName(this.path, start, bytes, offset, units);
    this.pathQuoted = this.quoted[depth] = this.quoted[depth - 1]! || this.nameNeedsQuotes(bytes, offset, units);
    this.headStale = true;
  }

  private setPath(keyPath: string): void {
    const text = this.pathBody(keyPath);
    if (3 * text.length > this.path.length) this.path = new Uint8Array(Math.max(3 * text.length, 2 * this.path.length));
    this.pathEnd = this.ends[0] = encoder.encodeInto(text, this.path).written;
    this.pathQuoted = this.quoted[0] = this.pathNeedsQuotes(keyPath);
    this.ends.length = 1;
    this.quoted.length = 1;
    this.headStale = true;
  }

  /** Brings the pieces (prefix, path, type, suffix) up to date with `v`. */
  protected pieces(v: StoredValue): void {
    if (v.file !== this.prefixFile || v.hiveKind !== this.prefixKind) {
      this.prefixFile = v.file;
      this.prefixKind = v.hiveKind;
      this.prefix = encoder.encode(this.prefixText(v.file, v.hiveKind));
      this.headStale = true;
    }
    // Given no keys (a caller that does not walk), the path is the value's, as text.
    if (!this.byteKeys && v.keyPath !== this.pathKey) {
      this.pathKey = v.keyPath;
      this.setPath(v.keyPath);
    }
    // Looked up only when the type or the source differs from the last value's.
    if (v.type !== this.typeNumber) {
      let type = this.types.get(v.type);
      if (type === undefined) {
        type = encoder.encode(this.typeText(v.type));
        this.types.set(v.type, type);
      }
      this.type = type;
      this.typeNumber = v.type;
    }
    if (v.source !== this.suffixSource) {
      let suffix = this.suffixes.get(v.source);
      if (suffix === undefined) {
        suffix = encoder.encode(this.suffixText(v.source));
        this.suffixes.set(v.source, suffix);
      }
      this.suffix = suffix;
      this.suffixSource = v.source;
    }
    if (this.headStale) this.makeHead();
  }

  private makeHead(): void {
    // `""`: an empty path is an empty string, not null.
    const quoted = this.pathQuoted || this.pathEnd === 0;
    this.headOpen = this.pathOpen(quoted);
    this.headClose = this.pathClose(quoted);
    this.headSize = this.prefix.length + this.headOpen.length + this.pathEnd + this.headClose.length;
    this.headBytes = null;
    this.headStale = false;
  }

  /** Writes the head at the output's end (room made for `headSize` bytes); returns its end. */
  protected putHead(): number {
    const out = this.out;
    const target = out.bytes;
    const at = out.length;
    const size = this.headSize;
    if (target === this.headBytes && out.rounds === this.headRound) {
      // Still in the buffer, just before: a native copy of hundreds of bytes in a deep tree.
      target.set(this.headView, at);
      return at + size;
    }
    let p = putBytes(target, putBytes(target, at, this.prefix), this.headOpen);
    target.set(this.path.subarray(0, this.pathEnd), p);
    p = putBytes(target, p + this.pathEnd, this.headClose);
    this.headView = target.subarray(at, p);
    this.headRound = out.rounds;
    this.headBytes = target;
    return p;
  }
}

/** CSV rows (RFC 4180, as `csvLine`). */
export class CsvRows extends ByteRows {
  // A 16-bit view of the output buffer, for the hex digits (made again when the buffer grows).
  private words: Uint16Array | null = null;
  private wordsOf: Uint8Array | null = null;

  row(row: TableRow): void {
    this.out.text(csvLine(row));
  }

  protected prefixText(file: string, hiveKind: string): string {
    return csvField(file) + ',' + csvField(hiveKind) + ',';
  }

  protected pathBody(keyPath: string): string {
    return keyPath.replace(/"/g, '""');
  }

  protected pathNeedsQuotes(keyPath: string): boolean {
    return CSV_SPECIAL.test(keyPath);
  }

  protected putName(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number {
    target[p] = 0x5c;
    return putCsvBody(target, p + 1, bytes, offset, units);
  }

  protected nameNeedsQuotes(bytes: Uint8Array, offset: number, units: number): boolean {
    return csvSpecial(bytes, offset, units);
  }

  protected pathOpen(quoted: boolean): Uint8Array {
    return quoted ? QUOTE : NOTHING;
  }

  protected pathClose(quoted: boolean): Uint8Array {
    return quoted ? QUOTE_COMMA : COMMA;
  }

  protected typeText(type: number): string {
    return ',' + csvField(valueTypeName(type)) + ',' + type + ',';
  }

  protected suffixText(source: string): string {
    const columns = sourceColumns(source);
    return ',' + csvField(columns.source) + ',' + columns.unverified + ',false\r\n';
  }

  value(v: StoredValue): void {
    this.pieces(v);
    const { out, type, suffix } = this;
    const length = v.dataLength;
    out.room(this.headSize + 3 * v.nameUnits + 2 + type.length + dataTextRoom(length) + 2 * length + 40 + suffix.length);
    const target = out.bytes;
    let p = this.putHead();
    p = putCsvText(target, p, v.bytes, v.nameOffset, v.nameUnits);
    p = putBytes(target, p, type);
    p = putCsvData(target, p, v.type, v.bytes, v.dataOffset, length);
    target[p++] = 0x2c;
    // Hex digits never need quotes; `""` is the empty hex of empty data.
    if (length === 0) {
      target[p++] = 0x22;
      target[p++] = 0x22;
    } else {
      if (target !== this.wordsOf) {
        this.wordsOf = target;
        // A buffer at an odd byte offset has no 16-bit view: byte by byte then.
        this.words = (target.byteOffset & 1) === 0 ? new Uint16Array(target.buffer, target.byteOffset, target.length >> 1) : null;
      }
      p = this.words === null ? putHex(target, p, v.bytes, v.dataOffset, length) : putHexWords(target, this.words, p, v.bytes, v.dataOffset, length);
    }
    target[p++] = 0x2c;
    p = putDecimal(target, p, length);
    target[p++] = 0x2c;
    if (v.offset !== null) p = putDecimal(target, p, v.offset);
    out.length = putBytes(target, p, suffix);
  }
}

/** JSON Lines rows (as `jsonLine`: JSON.stringify's text, terminal-unsafe characters escaped). */
export class JsonlRows extends ByteRows {
  row(row: TableRow): void {
    this.out.text(jsonLine(row));
  }

  protected prefixText(file: string, hiveKind: string): string {
    return '{"file":' + jsonString(file) + ',"hive_kind":' + jsonString(hiveKind) + ',"key_path":"';
  }

  protected pathBody(keyPath: string): string {
    return jsonString(keyPath).slice(1, -1);
  }

  protected pathNeedsQuotes(): boolean {
    return false;
  }

  protected putName(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number {
    // The separator, escaped as JSON.stringify writes a backslash.
    target[p] = 0x5c;
    target[p + 1] = 0x5c;
    return escapeJsonUtf16(target, p + 2, bytes, offset, units);
  }

  protected nameNeedsQuotes(): boolean {
    return false;
  }

  protected pathOpen(): Uint8Array {
    return NOTHING;
  }

  protected pathClose(): Uint8Array {
    return VALUE_NAME_MEMBER;
  }

  protected typeText(type: number): string {
    return '","type":' + jsonString(valueTypeName(type)) + ',"type_number":' + type + ',"data":';
  }

  protected suffixText(source: string): string {
    const columns = sourceColumns(source);
    return ',"source":' + jsonString(columns.source) + ',"unverified":' + columns.unverified + ',"deleted":false}\n';
  }

  value(v: StoredValue): void {
    this.pieces(v);
    const { out, type, suffix } = this;
    const length = v.dataLength;
    // A JSON escape takes at most 6 bytes per UTF-16 unit.
    out.room(this.headSize + 6 * v.nameUnits + type.length + dataTextRoom(length) + 2 * length + 80 + suffix.length);
    const target = out.bytes;
    let p = this.putHead();
    p = escapeJsonUtf16(target, p, v.bytes, v.nameOffset, v.nameUnits);
    p = putBytes(target, p, type);
    p = putJsonData(target, p, v.type, v.bytes, v.dataOffset, length);
    p = putBytes(target, p, DATA_HEX_MEMBER);
    p = putHex(target, p, v.bytes, v.dataOffset, length);
    p = putBytes(target, p, SIZE_MEMBER);
    p = putDecimal(target, p, length);
    p = putBytes(target, p, OFFSET_MEMBER);
    p = v.offset === null ? putBytes(target, p, NULL) : putDecimal(target, p, v.offset);
    out.length = putBytes(target, p, suffix);
  }
}

/** A string as JSON Lines write it (JSON.stringify, terminal-unsafe characters escaped). */
function jsonString(text: string): string {
  return terminalSafeJson(JSON.stringify(text));
}

const NOTHING = new Uint8Array(0);
const QUOTE = encoder.encode('"');
const QUOTE_COMMA = encoder.encode('",');
const COMMA = encoder.encode(',');
const VALUE_NAME_MEMBER = encoder.encode('","value_name":"');
const DATA_HEX_MEMBER = encoder.encode(',"data_hex":"');
const SIZE_MEMBER = encoder.encode('","size":');
const OFFSET_MEMBER = encoder.encode(',"record_offset":');
const NULL = encoder.encode('null');

/** Copies `bytes` (a short piece) into `target` at `p`; returns the end. */
function putBytes(target: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[p + i] = bytes[i]!;
  return p + bytes.length;
}
