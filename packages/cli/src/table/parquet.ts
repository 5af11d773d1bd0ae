/**
 * Parquet rows (`-f parquet`), written with hyparquet-writer a row group at a time: rows are
 * gathered into columns until a group is full (by rows or by bytes of text), the group is
 * encoded and its bytes go to the sink at once, so memory holds one row group, never the
 * table. Row groups are written in the order rows come (file order).
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { TextSink } from '../output.js';
import { TABLE_COLUMNS, type RowSink, type TableRow } from './rows.js';

/** Rows in a row group: a few MB of encoded columns; memory holds one group (and its encoding). */
export const PARQUET_GROUP_ROWS = 32_768;
/** Characters of text gathered before a row group is written whatever its rows (long data). */
export const PARQUET_GROUP_CHARS = 32 * 1024 * 1024;
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
    // No min/max statistics for the data columns: a reader prunes row groups by file, key
    // path or type, never by a range of data, and they cost a fifth of the writing time.
    void this.writer.write({ columnData: TABLE_COLUMNS.map((name) => ({ name, data: columns[name], ...(name === 'data' || name === 'data_hex' ? { statistics: false } : {}) })), rowGroupSize: rows });
    this.byteWriter.drain();
  }
}

type Columns = { [K in keyof TableRow]: unknown[] };

function emptyColumns(): Columns {
  return { file: [], hive_kind: [], key_path: [], value_name: [], type: [], type_number: [], data: [], data_hex: [], size: [], record_offset: [], source: [], unverified: [], deleted: [] };
}
