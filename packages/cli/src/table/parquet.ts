/**
 * Parquet rows (`-f parquet`), written with hyparquet-writer a row group at a time: rows are
 * gathered into columns until a group is full (by rows or by bytes of text), the group is
 * encoded and its bytes go to the sink at once, so memory holds one row group, never the
 * table. Row groups are written in the order rows come (file order).
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { TextSink } from '../output.js';
import { decodeUtf16, valueTypeName } from '@hivetool/registry';
import { TABLE_COLUMNS, dataText, putHex, sourceColumns, type RowSink, type StoredValue, type TableRow } from './rows.js';

/** Rows in a row group: a few MB of encoded columns; memory holds one group (and its encoding). */
export const PARQUET_GROUP_ROWS = 32_768;
/** Characters of text gathered before a row group is written whatever its rows (long data). */
export const PARQUET_GROUP_CHARS = 32 * 1024 * 1024;
/** Bytes of each piece of a row group's hex digits. */
const ARENA_BYTES = 1 << 20;
const encoder = new TextEncoder();

/** Encoded bytes kept before they go to the sink. */
const DRAIN_BYTES = 1 << 20;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

const text = (name: string, required: boolean): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required ? 'REQUIRED' : 'OPTIONAL' });

/** The Parquet schema of the table (docs/tables.md). */
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: TABLE_COLUMNS.length },
  text('file', true),
  text('hive_kind', true),
  text('key_path', true),
  text('value_name', false),
  text('type', false),
  { name: 'type_number', type: 'INT32', repetition_type: 'OPTIONAL' },
  text('data', false),
  text('data_hex', false),
  { name: 'size', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'record_offset', type: 'INT64', repetition_type: 'OPTIONAL' },
  text('source', true),
  { name: 'unverified', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
  { name: 'deleted', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
];

/** hyparquet-writer's byte writer, its bytes passed to `sink` as they are made. */
class SinkWriter extends ByteWriter {
  constructor(private readonly sink: TextSink) {
    super(DRAIN_BYTES * 2);
  }
  override ensure(size: number): void {
    if (this.index > DRAIN_BYTES) this.drain();
    super.ensure(size);
  }
  drain(): void {
    if (this.index === 0) return;
    // A copy: the buffer is written over next, and a sink may keep what it is given.
    this.sink.writeBytes(new Uint8Array(this.buffer, 0, this.index).slice());
    this.index = 0;
  }
  flush(): void {
    this.drain();
  }
  override finish(): void {
    this.drain();
  }
}

/** A Parquet file written into `sink` row group by row group; `finish` writes the footer. */
export class ParquetRows implements RowSink {
  private readonly writer: ParquetWriter;
  private readonly byteWriter: SinkWriter;
  private columns = emptyColumns();
  private rows = 0;
  private chars = 0;
  // Hex digits of the group's data, in pieces of ARENA_BYTES; written over only once the group is written.
  private arena = new Uint8Array(0);
  private arenaUsed = 0;

  constructor(sink: TextSink) {
    this.byteWriter = new SinkWriter(sink);
    this.writer = new ParquetWriter({ writer: this.byteWriter, schema: PARQUET_SCHEMA, createdBy: 'hivetool', kvMetadata: [{ key: 'hivetool.table', value: 'one row per value (docs/tables.md)' }] });
  }

  row(row: TableRow): void {
    const c = this.columns;
    c.file.push(row.file);
    c.hive_kind.push(row.hive_kind);
    c.key_path.push(row.key_path);
    c.value_name.push(row.value_name);
    c.type.push(row.type);
    c.type_number.push(row.type_number);
    c.data.push(row.data);
    c.data_hex.push(row.data_hex);
    c.size.push(row.size);
    c.record_offset.push(row.record_offset === null ? null : BigInt(row.record_offset));
    c.source.push(row.source);
    c.unverified.push(row.unverified);
    c.deleted.push(row.deleted);
    this.rows++;
    this.chars += row.key_path.length + (row.data?.length ?? 0) + (row.data_hex?.length ?? 0) + (row.value_name?.length ?? 0);
    if (this.rows >= PARQUET_GROUP_ROWS || this.chars >= PARQUET_GROUP_CHARS) this.writeGroup();
  }

  /**
   * A stored value's row: its hex digits go into the group's byte arena as bytes (a UTF8
   * column takes them as they are), not through a string encoded again by the writer.
   */
  value(v: StoredValue): void {
    const c = this.columns;
    const name = decodeUtf16(v.bytes, v.nameOffset, v.nameUnits);
    const data = dataText(v.type, v.bytes.subarray(v.dataOffset, v.dataOffset + v.dataLength));
    const { source, unverified } = sourceColumns(v.source);
    c.file.push(v.file);
    c.hive_kind.push(v.hiveKind);
    c.key_path.push(v.keyPath);
    c.value_name.push(this.utf8(name));
    c.type.push(valueTypeName(v.type));
    c.type_number.push(v.type);
    c.data.push(data === null ? null : this.utf8(data));
    c.data_hex.push(this.hex(v.bytes, v.dataOffset, v.dataLength));
    c.size.push(v.dataLength);
    c.record_offset.push(v.offset === null ? null : BigInt(v.offset));
    c.source.push(source);
    c.unverified.push(unverified);
    c.deleted.push(false);
    this.rows++;
    this.chars += v.keyPath.length + (data?.length ?? 0) + 2 * v.dataLength + name.length;
    if (this.rows >= PARQUET_GROUP_ROWS || this.chars >= PARQUET_GROUP_CHARS) this.writeGroup();
  }

  /** `text` as UTF-8, a view of the arena (the writer takes a UTF8 column's bytes as they are). */
  private utf8(text: string): Uint8Array {
    this.room(3 * text.length);
    const start = this.arenaUsed;
    this.arenaUsed += encoder.encodeInto(text, this.arena.subarray(start)).written;
    return this.arena.subarray(start, this.arenaUsed);
  }

  private room(size: number): void {
    if (this.arenaUsed + size > this.arena.length) {
      this.arena = new Uint8Array(Math.max(ARENA_BYTES, size));
      this.arenaUsed = 0;
    }
  }

  /** `length` bytes at `offset` as hex digits, a view of the arena (a new piece when it is full). */
  private hex(bytes: Uint8Array, offset: number, length: number): Uint8Array {
    this.room(2 * length);
    const start = this.arenaUsed;
    this.arenaUsed = putHex(this.arena, start, bytes, offset, length);
    return this.arena.subarray(start, this.arenaUsed);
  }

  /** Writes what is gathered, then the footer. */
  finish(): void {
    this.writeGroup();
    void this.writer.finish();
  }

  private writeGroup(): void {
    if (this.rows === 0) return;
    const columns = this.columns;
    this.columns = emptyColumns();
    const rows = this.rows;
    this.rows = 0;
    this.chars = 0;
    this.arena = new Uint8Array(0);
    this.arenaUsed = 0;
    // No min/max statistics for the data columns: a reader prunes row groups by file, key
    // path or type, never by a range of data, and they cost a fifth of the writing time.
    void this.writer.write({ columnData: TABLE_COLUMNS.map((name) => ({ name, data: columns[name], ...COLUMN_OPTIONS[name] })), rowGroupSize: rows });
    this.byteWriter.drain();
  }
}

/**
 * Per column: min/max statistics only where a reader prunes by them (file, key path, type);
 * plain encoding for columns whose values rarely repeat, so no dictionary is tried.
 */
const COLUMN_OPTIONS: { [K in keyof TableRow]?: { statistics?: boolean; encoding?: 'PLAIN' } } = {
  key_path: { statistics: false },
  value_name: { statistics: false, encoding: 'PLAIN' },
  data: { statistics: false, encoding: 'PLAIN' },
  data_hex: { statistics: false, encoding: 'PLAIN' },
  size: { statistics: false },
  record_offset: { statistics: false, encoding: 'PLAIN' },
};

type Columns = { [K in keyof TableRow]: unknown[] };

function emptyColumns(): Columns {
  return { file: [], hive_kind: [], key_path: [], value_name: [], type: [], type_number: [], data: [], data_hex: [], size: [], record_offset: [], source: [], unverified: [], deleted: [] };
}
