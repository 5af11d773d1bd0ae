/**
 * Parquet rows (`-f parquet`), written by an encoder for the table's fixed schema
 * (`parquet/`): rows are added to the column chunks of a row group as they come, each
 * column's pages compressed as they fill; when the group is full (by rows or by bytes of
 * text) its chunks go to the sink, so memory holds one row group, never the table. Row
 * groups are written in the order rows come (file order); the footer at `finish`.
 */
import type { TextSink } from '../output.js';
import { valueTypeName } from '@hivetool/registry';
import { sourceColumns, type RowSink, type StoredValue, type TableRow } from './rows.js';
import { BooleanColumn, DeltaByteArrayColumn, DictionaryColumn, Int32Column, Int64Column, PAGE_ROWS, PhysicalType, PlainBytesColumn, putUtf16AsUtf8, type Chunk } from './parquet/columns.js';
import { maxDataTextBytes, putDataText } from './parquet/text.js';
import { MAGIC, encodeFooter, type ColumnSchema, type RowGroupMeta } from './parquet/footer.js';

/** Rows in a row group: a few MB of encoded columns; memory holds one group (and its encoding). */
export const PARQUET_GROUP_ROWS = 32_768;
/** Bytes of text (UTF-8) gathered before a row group is written whatever its rows (long data). */
export const PARQUET_GROUP_BYTES = 64 * 1024 * 1024;

if (PARQUET_GROUP_ROWS > PAGE_ROWS) throw new RangeError('parquet: a row group must fit in one page of dictionary indices');

const UTF8 = 0;
const text = (name: string, optional: boolean): ColumnSchema => ({ name, type: PhysicalType.BYTE_ARRAY, optional, convertedType: UTF8 });

/** The Parquet schema of the table (docs/tables.md), in column order. */
export const PARQUET_SCHEMA: readonly ColumnSchema[] = [
  text('file', false),
  text('hive_kind', false),
  text('key_path', false),
  text('value_name', true),
  text('type', true),
  { name: 'type_number', type: PhysicalType.INT32, optional: true },
  text('data', true),
  text('data_hex', true),
  { name: 'size', type: PhysicalType.INT32, optional: true },
  { name: 'record_offset', type: PhysicalType.INT64, optional: true },
  text('source', false),
  { name: 'unverified', type: PhysicalType.BOOLEAN, optional: false },
  { name: 'deleted', type: PhysicalType.BOOLEAN, optional: false },
];

const KEY_VALUES = [{ key: 'hivetool.table', value: 'one row per value (docs/tables.md)' }];

const encoder = new TextEncoder();

/**
 * A Parquet file written into `sink` row group by row group; `finish` writes the footer.
 * The columns that repeat (file, hive kind, type, source) are dictionary-encoded, the key
 * path in DELTA_BYTE_ARRAY: built from the names' bytes as the walk goes (`startPath`,
 * `keyName`), each path's prefix shared with the row before known from the depths; min/max statistics are kept for the columns readers prune by (file, hive kind, type,
 * type number, source, the flags).
 */
export class ParquetRows implements RowSink {
  // Required dictionary columns with min/max: file, hive kind, source.
  private readonly file = new DictionaryColumn('file', false, true);
  private readonly hiveKind = new DictionaryColumn('hive_kind', false, true);
  private readonly keyPath = new DeltaByteArrayColumn('key_path', false);
  private readonly valueName = new PlainBytesColumn('value_name', true, false);
  private readonly type = new DictionaryColumn('type', true, true);
  private readonly typeNumber = new Int32Column('type_number', true, true);
  private readonly data = new PlainBytesColumn('data', true, false);
  private readonly dataHex = new PlainBytesColumn('data_hex', true, false);
  private readonly size = new Int32Column('size', true, false);
  private readonly recordOffset = new Int64Column('record_offset', true, false);
  private readonly source = new DictionaryColumn('source', false, true);
  private readonly unverified = new BooleanColumn('unverified', false, true);
  private readonly deleted = new BooleanColumn('deleted', false, true);
  private readonly columns = [this.file, this.hiveKind, this.keyPath, this.valueName, this.type, this.typeNumber, this.data, this.dataHex, this.size, this.recordOffset, this.source, this.unverified, this.deleted];
  private readonly sources = new Map<string, { source: string; unverified: boolean }>();
  private readonly groups: RowGroupMeta[] = [];
  private offset = 0;
  private rows = 0;
  private totalRows = 0;
  // The key path as UTF-8 in `path[0 … pathEnd]`, built by the walk: `ends[d]` is where the
  // path of the key at depth d ends, so that a key's path is its parent's, `\`, its name.
  private path = new Uint8Array(4096);
  private pathEnd = 0;
  private readonly ends: number[] = [];
  private byteKeys = false;
  /** Bytes of the current path known equal to the last row's key path (a true common prefix). */
  private shared = 0;
  /** The last row's key path as UTF-8 in `last[0 … lastEnd]`, copied when the key changes. */
  private last = new Uint8Array(4096);
  private lastEnd = 0;
  /** A key path given as text, as UTF-8. */
  private text = new Uint8Array(1024);

  constructor(private readonly sink: TextSink) {
    this.emit(MAGIC.slice());
  }

  row(row: TableRow): void {
    this.file.add(row.file);
    this.hiveKind.add(row.hive_kind);
    this.addTextPath(row.key_path);
    if (row.value_name === null) this.valueName.addNull();
    else this.valueName.addString(row.value_name);
    if (row.type === null) this.type.addNull();
    else this.type.add(row.type);
    if (row.type_number === null) this.typeNumber.addNull();
    else this.typeNumber.add(row.type_number);
    if (row.data === null) this.data.addNull();
    else this.data.addString(row.data);
    if (row.data_hex === null) this.dataHex.addNull();
    else this.dataHex.addString(row.data_hex);
    if (row.size === null) this.size.addNull();
    else this.size.add(row.size);
    if (row.record_offset === null) this.recordOffset.addNull();
    else this.recordOffset.add(row.record_offset);
    this.source.add(row.source);
    this.unverified.add(row.unverified);
    this.deleted.add(row.deleted);
    this.endRow();
  }

  /** A stored value's row: its name and hex digits go into the columns as bytes, straight from the file. */
  value(v: StoredValue): void {
    this.file.add(v.file);
    this.hiveKind.add(v.hiveKind);
    if (this.byteKeys) {
      this.addPath(this.path, this.pathEnd, this.shared);
      this.shared = this.pathEnd;
    } else this.addTextPath(v.keyPath);
    this.valueName.addUtf16(v.bytes, v.nameOffset, v.nameUnits);
    this.type.add(valueTypeName(v.type));
    this.typeNumber.add(v.type);
    const at = this.data.reserve(maxDataTextBytes(v.dataLength));
    const end = putDataText(this.data.bytes, at, v.type, v.bytes, v.dataOffset, v.dataLength);
    if (end < 0) this.data.addNull();
    else this.data.commit(end);
    this.dataHex.addHex(v.bytes, v.dataOffset, v.dataLength);
    this.size.add(v.dataLength);
    if (v.offset === null) this.recordOffset.addNull();
    else this.recordOffset.add(v.offset);
    let source = this.sources.get(v.source);
    if (source === undefined) {
      source = sourceColumns(v.source);
      this.sources.set(v.source, source);
    }
    this.source.add(source.source);
    this.unverified.add(source.unverified);
    this.deleted.add(false);
    this.endRow();
  }

  /** The path of a walk's first key (depth 0): its values and its keys' follow (`keyName`). */
  startPath(path: string): void {
    this.byteKeys = true;
    if (3 * path.length > this.path.length) this.path = new Uint8Array(Math.max(3 * path.length, 2 * this.path.length));
    this.pathEnd = encoder.encodeInto(path, this.path).written;
    this.ends.length = 0;
    this.ends[0] = this.pathEnd;
    this.shared = 0;
  }

  /** A key the walk reached at `depth` below the start, its name as `units` UTF-16LE units at `offset` of `bytes`. */
  keyName(depth: number, bytes: Uint8Array, offset: number, units: number): void {
    if (depth === 0) {
      this.pathEnd = this.ends[0] ?? 0;
      // The last row's path is this one or one below it.
      if (this.pathEnd < this.shared) this.shared = this.pathEnd;
      return;
    }
    const start = this.ends[depth - 1];
    if (start === undefined) throw new RangeError(`parquet rows: a key at depth ${depth} follows no key at depth ${depth - 1}`);
    // The path up to the parent's end is unchanged, and the separator after it is the one the
    // last row's path had there if it went on (its key was the parent or below it).
    if (start + 1 < this.shared) this.shared = start + 1;
    const room = start + 1 + 3 * units;
    if (room > this.path.length) {
      const grown = new Uint8Array(Math.max(room, 2 * this.path.length));
      grown.set(this.path.subarray(0, start));
      this.path = grown;
    }
    this.path[start] = 0x5c;
    this.pathEnd = this.ends[depth] = putUtf16AsUtf8(this.path, start + 1, bytes, offset, units);
  }

  /** A key path given as text (rows, values without a walk). */
  private addTextPath(keyPath: string): void {
    if (3 * keyPath.length > this.text.length) this.text = new Uint8Array(Math.max(3 * keyPath.length, 2 * this.text.length));
    this.addPath(this.text, encoder.encodeInto(keyPath, this.text).written, 0);
    // A walk's next value knows nothing shared with this row.
    this.shared = 0;
  }

  /**
   * The key path bytes[0 … end], whose first `known` bytes are the last row's: its prefix
   * shared with the last row is the longest (compared from `known` on, so that a key's path
   * compares its new name's bytes only), whether the path came by the walk or as text, so
   * that the file is the same either way (`--jobs` writes rows given as text).
   */
  private addPath(bytes: Uint8Array, end: number, known: number): void {
    const last = this.last;
    const lastEnd = this.lastEnd;
    const n = Math.min(end, lastEnd);
    let prefix = Math.min(known, n);
    while (prefix < n && bytes[prefix] === last[prefix]) prefix++;
    this.keyPath.add(bytes, 0, end, prefix);
    if (prefix === end && end === lastEnd) return;
    if (end > last.length) {
      const grown = new Uint8Array(Math.max(end, 2 * last.length));
      grown.set(last.subarray(0, prefix));
      this.last = grown;
    }
    this.last.set(bytes.subarray(prefix, end), prefix);
    this.lastEnd = end;
  }

  private endRow(): void {
    this.rows++;
    if (this.rows >= PARQUET_GROUP_ROWS) this.writeGroup();
    else if ((this.rows & 0xff) === 0 && this.textBytes() >= PARQUET_GROUP_BYTES) this.writeGroup();
  }

  /** UTF-8 bytes of the group's text so far (the key paths' suffixes, the plain text columns). */
  private textBytes(): number {
    return this.keyPath.bytesAdded + this.valueName.bytesAdded + this.data.bytesAdded + this.dataHex.bytesAdded;
  }

  /** Writes what is gathered, then the footer. */
  finish(): void {
    this.writeGroup();
    this.emit(encodeFooter({ schema: PARQUET_SCHEMA, groups: this.groups, rows: this.totalRows, keyValues: KEY_VALUES, createdBy: 'hivetool' }));
  }

  private writeGroup(): void {
    if (this.rows === 0) return;
    const groupOffset = this.offset;
    const chunks = this.columns.map((column): Chunk => column.finish());
    const places = chunks.map((chunk) => {
      const offset = this.offset;
      for (const part of chunk.parts) this.emit(part);
      return { offset, summary: chunk.summary };
    });
    for (const column of this.columns) column.release();
    this.groups.push({ rows: this.rows, offset: groupOffset, chunks: places });
    this.totalRows += this.rows;
    this.rows = 0;
  }

  /** Bytes to the sink, which writes them (or copies them) before it returns, as every sink does: the encoder reuses its buffers. */
  private emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.sink.writeBytes(bytes);
    this.offset += bytes.length;
  }
}
