/**
 * The Parquet footer: FileMetaData (parquet.thrift) in the Thrift compact protocol, then
 * its length (4 bytes, little-endian) and the magic `PAR1`.
 */
import { ByteBuffer } from './bytes.js';
import type { ChunkSummary } from './columns.js';
import { CompactType, CompactWriter } from './thrift.js';

export const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // PAR1

/** A leaf column of the (flat) schema. */
export interface ColumnSchema {
  name: string;
  /** parquet.thrift `Type`. */
  type: number;
  optional: boolean;
  /** parquet.thrift `ConvertedType` (UTF8 = 0), if any. */
  convertedType?: number;
}

/** A column chunk as the footer records it: where it starts in the file, and its summary. */
export interface ChunkPlace {
  offset: number;
  summary: ChunkSummary;
}

export interface RowGroupMeta {
  rows: number;
  offset: number;
  chunks: ChunkPlace[];
}

export interface FooterInput {
  schema: readonly ColumnSchema[];
  groups: readonly RowGroupMeta[];
  rows: number;
  keyValues: ReadonlyArray<{ key: string; value: string }>;
  createdBy: string;
}

const CODEC_SNAPPY = 1;
const REQUIRED = 0;
const OPTIONAL = 1;

/** The footer's bytes: FileMetaData, its length and `PAR1`. */
export function encodeFooter(input: FooterInput): Uint8Array {
  const out = new ByteBuffer(1 << 12);
  const w = new CompactWriter(out);
  w.i32(1, 2); // version
  w.list(2, CompactType.STRUCT, input.schema.length + 1);
  w.element();
  w.string(4, 'root');
  w.i32(5, input.schema.length);
  w.end();
  for (const column of input.schema) {
    w.element();
    w.i32(1, column.type);
    w.i32(3, column.optional ? OPTIONAL : REQUIRED);
    w.string(4, column.name);
    if (column.convertedType !== undefined) w.i32(6, column.convertedType);
    w.end();
  }
  w.i64(3, input.rows);
  w.list(4, CompactType.STRUCT, input.groups.length);
  for (const group of input.groups) {
    w.element();
    w.list(1, CompactType.STRUCT, group.chunks.length);
    let uncompressed = 0;
    let compressed = 0;
    group.chunks.forEach((chunk, i) => {
      const column = input.schema[i]!;
      const s = chunk.summary;
      uncompressed += s.uncompressedSize;
      compressed += s.compressedSize;
      w.element();
      w.i64(2, chunk.offset); // file_offset: where the chunk starts
      w.struct(3);
      w.i32(1, column.type);
      w.list(2, CompactType.I32, s.encodings.length);
      for (const encoding of s.encodings) w.elementI32(encoding);
      w.list(3, CompactType.BINARY, 1);
      w.elementString(column.name);
      w.i32(4, CODEC_SNAPPY);
      w.i64(5, s.numValues);
      w.i64(6, s.uncompressedSize);
      w.i64(7, s.compressedSize);
      w.i64(9, chunk.offset + s.dataPageOffset);
      if (s.dictionaryPageOffset !== undefined) w.i64(11, chunk.offset + s.dictionaryPageOffset);
      if (s.statistics !== undefined) {
        const st = s.statistics;
        w.struct(12);
        w.i64(3, st.nullCount);
        if (st.max !== undefined && st.min !== undefined) {
          w.binary(5, st.max);
          w.binary(6, st.min);
          w.bool(7, true);
          w.bool(8, true);
        }
        w.end();
      }
      w.end(); // ColumnMetaData
      w.end(); // ColumnChunk
    });
    w.i64(2, uncompressed);
    w.i64(3, group.rows);
    w.i64(5, group.offset);
    w.i64(6, compressed);
    w.end();
  }
  if (input.keyValues.length > 0) {
    w.list(5, CompactType.STRUCT, input.keyValues.length);
    for (const { key, value } of input.keyValues) {
      w.element();
      w.string(1, key);
      w.string(2, value);
      w.end();
    }
  }
  w.string(6, input.createdBy);
  // column_orders: TYPE_ORDER for every column, so that readers take min_value/max_value as written.
  w.list(7, CompactType.STRUCT, input.schema.length);
  for (let i = 0; i < input.schema.length; i++) {
    w.element();
    w.struct(1);
    w.end();
    w.end();
  }
  w.end(); // FileMetaData
  const length = out.length;
  out.uint32(length);
  out.put(MAGIC);
  return out.copy();
}
