/**
 * Column chunks of a Parquet row group, built as rows come: values in PLAIN encoding (or
 * as dictionary indices), definition levels for the nullable columns, cut into data pages
 * (v1) of about PAGE_BYTES, each page snappy-compressed as soon as it is full, so that a
 * row group is held compressed but for its last page. The Parquet format:
 * https://github.com/apache/parquet-format (README.md, Encodings.md, parquet.thrift).
 */
import { putCodePoint } from '@hivetool/registry';
import { ByteBuffer, compareBytes, copyOf } from './bytes.js';
import { bitWidth, encodeHybrid, rleRun } from './rle.js';
import { snappyCompress } from './snappy.js';
import { CompactWriter } from './thrift.js';
import { encodeDeltaBinaryPacked } from './delta.js';
import { putHex } from '../rows.js';

/** Physical types (parquet.thrift `Type`). */
export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;
/** Encodings (parquet.thrift `Encoding`). */
export const Encoding = { PLAIN: 0, RLE: 3, DELTA_BINARY_PACKED: 5, DELTA_BYTE_ARRAY: 7, RLE_DICTIONARY: 8 } as const;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;

/** Bytes of values in a data page before it is cut (pages of about 1 MiB). */
export const PAGE_BYTES = 1 << 20;
/** Rows in a data page before it is cut (pages of small values). */
export const PAGE_ROWS = 1 << 17;

// Scratch buffers shared by every column: one page is encoded at a time.
const pageBody = new ByteBuffer(PAGE_BYTES + (1 << 16));
const compressed = new ByteBuffer(PAGE_BYTES + (1 << 17));
const header = new ByteBuffer(64);
let levelScratch = new Uint8Array(1 << 12);

/** What a column chunk's footer entry says of it. */
export interface ChunkSummary {
  encodings: number[];
  numValues: number;
  uncompressedSize: number;
  compressedSize: number;
  /** Offsets within the chunk's bytes. */
  dataPageOffset: number;
  dictionaryPageOffset: number | undefined;
  statistics: ChunkStatistics | undefined;
}

export interface ChunkStatistics {
  nullCount: number;
  /** Absent when every value is null. */
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
}

/** A finished column chunk: its bytes (pages with their headers) and what the footer says of them. */
export interface Chunk {
  parts: Uint8Array[];
  summary: ChunkSummary;
}

/**
 * What every column shares: definition levels of the page being filled (optional columns),
 * the finished pages of the chunk, their sizes.
 */
abstract class Column {
  /** Finished data pages of the chunk: header and compressed body each. */
  protected pages = new ByteBuffer(1 << 12);
  private readonly dictionaryPage = new ByteBuffer(1 << 12);
  protected uncompressed = 0;
  /** Rows of the page being filled, and which of them are null (optional columns). */
  protected pageRows = 0;
  protected pageNulls = 0;
  private nullRows: Int32Array<ArrayBuffer> = new Int32Array(1 << 10);
  protected chunkRows = 0;
  protected chunkNulls = 0;
  /** The encoding of the data pages' values (the footer's list of encodings). */
  protected valueEncoding: number = Encoding.PLAIN;

  constructor(
    readonly name: string,
    readonly optional: boolean,
    readonly statistics: boolean,
  ) {}

  /** Appends the page's values (in the page's encoding) to `out` and starts an empty page. */
  protected abstract takeValues(out: ByteBuffer): number;
  /** The chunk's dictionary page and statistics, and the state of a new chunk. */
  protected abstract finishChunk(): { dictionary: Uint8Array | undefined; statistics: ChunkStatistics | undefined; dictionaryEncoded: boolean };

  /** A null in this (optional) column. */
  addNull(): void {
    if (!this.optional) throw new TypeError(`parquet: column ${this.name} is required and cannot take a null`);
    if (this.pageNulls === this.nullRows.length) {
      const grown = new Int32Array(2 * this.nullRows.length);
      grown.set(this.nullRows);
      this.nullRows = grown;
    }
    this.nullRows[this.pageNulls++] = this.pageRows++;
    if (this.pageRows >= PAGE_ROWS) this.cutPage();
  }

  /** The definition levels of the page (1 defined, 0 null), for the hybrid encoding. */
  private levels(): Uint8Array {
    if (levelScratch.length < this.pageRows) levelScratch = new Uint8Array(Math.max(this.pageRows, 2 * levelScratch.length));
    const levels = levelScratch.subarray(0, this.pageRows);
    levels.fill(1);
    for (let i = 0; i < this.pageNulls; i++) levels[this.nullRows[i]!] = 0;
    return levels;
  }

  /** Encodes and compresses the page being filled into the chunk's pages. */
  protected cutPage(): void {
    if (this.pageRows === 0) return;
    const body = pageBody;
    body.clear();
    if (this.optional) {
      // Levels in a v1 page: their byte length (4 bytes, little-endian), then the hybrid encoding.
      const at = body.length;
      body.uint32(0);
      if (this.pageNulls === 0) rleRun(body, 1, this.pageRows, 1);
      else if (this.pageNulls === this.pageRows) rleRun(body, 0, this.pageRows, 1);
      else encodeHybrid(body, this.levels(), this.pageRows, 1);
      const length = body.length - at - 4;
      body.bytes[at] = length;
      body.bytes[at + 1] = length >>> 8;
      body.bytes[at + 2] = length >>> 16;
      body.bytes[at + 3] = length >>> 24;
    }
    const encoding = this.takeValues(body);
    writePage(this.pages, body.view(), (h) => {
      h.i32(1, PAGE_DATA);
      h.i32(2, body.length);
      h.i32(3, compressed.length);
      h.struct(5);
      h.i32(1, this.pageRows);
      h.i32(2, encoding);
      h.i32(3, Encoding.RLE);
      h.i32(4, Encoding.RLE);
      h.end();
    });
    this.uncompressed += header.length + body.length;
    this.chunkRows += this.pageRows;
    this.chunkNulls += this.pageNulls;
    this.pageRows = 0;
    this.pageNulls = 0;
  }

  /**
   * The chunk: dictionary page (if any) and data pages, and its footer entry; the column
   * starts a new chunk. The bytes are views of the column's buffers, valid until `release`.
   */
  finish(): Chunk {
    this.cutPage();
    const entries = this.dictionaryCount();
    const { dictionary, statistics, dictionaryEncoded } = this.finishChunk();
    const parts: Uint8Array[] = [];
    let dictionaryBytes = 0;
    let uncompressed = this.uncompressed;
    if (dictionary !== undefined) {
      const out = this.dictionaryPage;
      writePage(out, dictionary, (h) => {
        h.i32(1, PAGE_DICTIONARY);
        h.i32(2, dictionary.length);
        h.i32(3, compressed.length);
        h.struct(7);
        h.i32(1, entries);
        h.i32(2, Encoding.PLAIN);
        h.end();
      });
      uncompressed += header.length + dictionary.length;
      dictionaryBytes = out.length;
      parts.push(out.view());
    }
    parts.push(this.pages.view());
    const pagesLength = this.pages.length;
    const encodings: number[] = [this.valueEncoding];
    if (this.optional) encodings.push(Encoding.RLE);
    if (dictionaryEncoded) encodings.push(Encoding.RLE_DICTIONARY);
    const summary: ChunkSummary = {
      encodings,
      numValues: this.chunkRows,
      uncompressedSize: uncompressed,
      compressedSize: dictionaryBytes + pagesLength,
      dataPageOffset: dictionaryBytes,
      dictionaryPageOffset: dictionary === undefined ? undefined : 0,
      statistics: this.statistics ? statistics : undefined,
    };
    this.uncompressed = 0;
    this.chunkRows = 0;
    this.chunkNulls = 0;
    return { parts, summary };
  }

  protected dictionaryCount(): number {
    return 0;
  }

  /** Once the chunk's bytes are written: its buffers are reused for the next chunk. */
  release(): void {
    this.pages.clear();
    this.dictionaryPage.clear();
  }
}

/** Compresses `body` and appends its page header and the compressed bytes to `out`. */
function writePage(out: ByteBuffer, body: Uint8Array, fields: (h: CompactWriter) => void): void {
  compressed.clear();
  snappyCompress(compressed, body);
  header.clear();
  const h = new CompactWriter(header);
  fields(h);
  h.end();
  out.put(header.view());
  out.put(compressed.view());
}

/** A BYTE_ARRAY column in PLAIN encoding (each value its 4-byte length, then its bytes). */
export class PlainBytesColumn extends Column {
  private values = new ByteBuffer(PAGE_BYTES + (1 << 12));
  /** UTF-8 bytes of values added to this column since the row group started. */
  bytesAdded = 0;

  /** A string value, as UTF-8. */
  addString(text: string): void {
    const values = this.values;
    values.room(4 + 3 * text.length);
    const at = values.length;
    const end = values.string(at + 4, text);
    this.put(at, end);
  }

  /** A value as UTF-8 from `units` UTF-16LE code units at `offset` of `bytes` (what TextEncoder makes of the decoded string). */
  addUtf16(bytes: Uint8Array, offset: number, units: number): void {
    const values = this.values;
    values.room(4 + 3 * units);
    const at = values.length;
    this.put(at, putUtf16AsUtf8(values.bytes, at + 4, bytes, offset, units));
  }

  /** A value as the lowercase hex digits of `length` bytes at `offset` of `bytes`. */
  addHex(bytes: Uint8Array, offset: number, length: number): void {
    const values = this.values;
    values.room(4 + 2 * length);
    const at = values.length;
    this.put(at, putHex(values.bytes, at + 4, bytes, offset, length));
  }

  /**
   * Room for a value of at most `maxBytes` bytes, written by the caller into `bytes` from
   * the returned offset; `commit` it with its end (or leave it for a null).
   */
  reserve(maxBytes: number): number {
    this.values.room(4 + maxBytes);
    return this.values.length + 4;
  }

  get bytes(): Uint8Array {
    return this.values.bytes;
  }

  /** The value written after `reserve`, ending at `end`. */
  commit(end: number): void {
    this.put(this.values.length, end);
  }

  /** The value whose bytes were written at `at + 4` up to `end`: its length, then the page's count. */
  private put(at: number, end: number): void {
    const values = this.values;
    const length = end - at - 4;
    const bytes = values.bytes;
    bytes[at] = length;
    bytes[at + 1] = length >>> 8;
    bytes[at + 2] = length >>> 16;
    bytes[at + 3] = length >>> 24;
    values.length = end;
    this.bytesAdded += length;
    if (++this.pageRows >= PAGE_ROWS || end >= PAGE_BYTES) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    out.put(this.values.view());
    this.values.clear();
    return Encoding.PLAIN;
  }

  protected finishChunk(): { dictionary: undefined; statistics: undefined; dictionaryEncoded: false } {
    this.bytesAdded = 0;
    return { dictionary: undefined, statistics: undefined, dictionaryEncoded: false };
  }
}

/**
 * A BYTE_ARRAY column in DELTA_BYTE_ARRAY encoding (incremental encoding, "front
 * compression"): each value as the length of a prefix it shares with the value before, then
 * the rest. The page holds the prefix lengths and the suffix lengths (DELTA_BINARY_PACKED
 * each), then the suffixes' bytes. For key paths: a key's values share its whole path, and
 * a key's path its parent's with the row before (the walk is pre-order), so that the caller
 * knows the prefix without comparing bytes.
 */
export class DeltaByteArrayColumn extends Column {
  private suffixes = new ByteBuffer(PAGE_BYTES + (1 << 12));
  private prefixLengths: Int32Array<ArrayBuffer> = new Int32Array(1 << 12);
  private suffixLengths: Int32Array<ArrayBuffer> = new Int32Array(1 << 12);
  /** Bytes of the suffixes (what the column holds) since the row group started. */
  bytesAdded = 0;

  constructor(name: string, optional: boolean) {
    super(name, optional, false);
    this.valueEncoding = Encoding.DELTA_BYTE_ARRAY;
  }

  /**
   * The value bytes[start..end), whose first `prefix` bytes are those of the value added
   * before (a true common prefix, not necessarily the longest); the first value of a page
   * is written whole.
   */
  add(bytes: Uint8Array, start: number, end: number, prefix: number): void {
    const row = this.pageRows - this.pageNulls;
    if (row === this.prefixLengths.length) {
      const size = 2 * row;
      const prefixes = new Int32Array(size);
      prefixes.set(this.prefixLengths);
      this.prefixLengths = prefixes;
      const lengths = new Int32Array(size);
      lengths.set(this.suffixLengths);
      this.suffixLengths = lengths;
    }
    if (row === 0) prefix = 0;
    const length = end - start;
    if (prefix > length || prefix < 0) throw new RangeError(`parquet: column ${this.name}: a prefix of ${prefix} bytes in a value of ${length}`);
    this.prefixLengths[row] = prefix;
    this.suffixLengths[row] = length - prefix;
    if (length > prefix) this.suffixes.put(bytes.subarray(start + prefix, end));
    this.bytesAdded += length - prefix;
    if (++this.pageRows >= PAGE_ROWS || this.suffixes.length >= PAGE_BYTES) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    const count = this.pageRows - this.pageNulls;
    encodeDeltaBinaryPacked(out, this.prefixLengths, count);
    encodeDeltaBinaryPacked(out, this.suffixLengths, count);
    out.put(this.suffixes.view());
    this.suffixes.clear();
    return Encoding.DELTA_BYTE_ARRAY;
  }

  protected finishChunk(): { dictionary: undefined; statistics: undefined; dictionaryEncoded: false } {
    this.bytesAdded = 0;
    return { dictionary: undefined, statistics: undefined, dictionaryEncoded: false };
  }
}

/**
 * A BYTE_ARRAY column of strings that repeat, dictionary-encoded: each distinct string once
 * in the chunk's dictionary page (PLAIN), the rows as indices into it (RLE_DICTIONARY).
 */
export class DictionaryColumn extends Column {
  private map = new Map<string, number>();
  private entries = new ByteBuffer(1 << 12);
  private starts: number[] = [];
  private indices: Int32Array<ArrayBuffer> = new Int32Array(1 << 12);
  private count = 0;
  private last: string | undefined;
  private lastIndex = 0;
  /** UTF-8 bytes of the dictionary since the row group started. */
  bytesAdded = 0;

  add(text: string): void {
    let index: number;
    if (text === this.last) index = this.lastIndex;
    else {
      const known = this.map.get(text);
      if (known !== undefined) index = known;
      else {
        index = this.starts.length;
        this.map.set(text, index);
        const entries = this.entries;
        entries.room(4 + 3 * text.length);
        const at = entries.length;
        const end = entries.string(at + 4, text);
        const length = end - at - 4;
        const bytes = entries.bytes;
        bytes[at] = length;
        bytes[at + 1] = length >>> 8;
        bytes[at + 2] = length >>> 16;
        bytes[at + 3] = length >>> 24;
        entries.length = end;
        this.starts.push(at);
        this.bytesAdded += length;
      }
      this.last = text;
      this.lastIndex = index;
    }
    if (this.count === this.indices.length) {
      const grown = new Int32Array(2 * this.indices.length);
      grown.set(this.indices);
      this.indices = grown;
    }
    this.indices[this.count++] = index;
    if (++this.pageRows >= PAGE_ROWS) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    const entries = this.starts.length;
    if (entries === 0) {
      // Every value of the chunk is null: no dictionary, no values.
      return Encoding.PLAIN;
    }
    const width = bitWidth(entries - 1);
    out.byte(width);
    encodeHybrid(out, this.indices, this.count, width);
    this.count = 0;
    return Encoding.RLE_DICTIONARY;
  }

  protected override dictionaryCount(): number {
    return this.starts.length;
  }

  override release(): void {
    super.release();
    this.entries.clear();
  }

  protected finishChunk(): { dictionary: Uint8Array | undefined; statistics: ChunkStatistics; dictionaryEncoded: boolean } {
    const entries = this.entries;
    const starts = this.starts;
    const n = starts.length;
    let statistics: ChunkStatistics = { nullCount: this.chunkNulls, min: undefined, max: undefined };
    if (this.statistics && n > 0) {
      let min = 0;
      let max = 0;
      const bytes = entries.bytes;
      const end = (i: number): number => (i + 1 < n ? starts[i + 1]! : entries.length);
      for (let i = 1; i < n; i++) {
        if (compareBytes(bytes, starts[i]! + 4, end(i), bytes, starts[min]! + 4, end(min)) < 0) min = i;
        if (compareBytes(bytes, starts[i]! + 4, end(i), bytes, starts[max]! + 4, end(max)) > 0) max = i;
      }
      statistics = { nullCount: this.chunkNulls, min: copyOf(bytes, starts[min]! + 4, end(min)), max: copyOf(bytes, starts[max]! + 4, end(max)) };
    }
    // Compressed into the dictionary page from this buffer, which `release` clears.
    const dictionary = n === 0 ? undefined : entries.view();
    this.map = new Map();
    this.starts = [];
    this.last = undefined;
    this.bytesAdded = 0;
    return { dictionary, statistics, dictionaryEncoded: n > 0 };
  }
}

/** An INT32 column in PLAIN encoding (4 bytes little-endian each), with min/max. */
export class Int32Column extends Column {
  private values = new ByteBuffer(1 << 12);
  private min = 0;
  private max = 0;
  private any = false;

  add(value: number): void {
    this.values.uint32(value);
    if (!this.any) {
      this.min = this.max = value;
      this.any = true;
    } else if (value < this.min) this.min = value;
    else if (value > this.max) this.max = value;
    if (++this.pageRows >= PAGE_ROWS || this.values.length >= PAGE_BYTES) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    out.put(this.values.view());
    this.values.clear();
    return Encoding.PLAIN;
  }

  protected finishChunk(): { dictionary: undefined; statistics: ChunkStatistics; dictionaryEncoded: false } {
    const int32 = (value: number): Uint8Array => {
      const b = new ByteBuffer(4);
      b.uint32(value);
      return b.copy();
    };
    const statistics = { nullCount: this.chunkNulls, min: this.any ? int32(this.min) : undefined, max: this.any ? int32(this.max) : undefined };
    this.any = false;
    return { dictionary: undefined, statistics, dictionaryEncoded: false };
  }
}

/** An INT64 column in PLAIN encoding (8 bytes little-endian each), from safe integers. */
export class Int64Column extends Column {
  private values = new ByteBuffer(1 << 12);

  add(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`parquet: column ${this.name}: ${value} is not a safe integer`);
    const values = this.values;
    if (value >= 0 && value <= 0xffff_ffff) {
      values.uint32(value);
      values.uint32(0);
    } else {
      values.uint32(value % 0x1_0000_0000 >>> 0);
      values.uint32(Math.floor(value / 0x1_0000_0000) >>> 0);
    }
    if (++this.pageRows >= PAGE_ROWS || values.length >= PAGE_BYTES) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    out.put(this.values.view());
    this.values.clear();
    return Encoding.PLAIN;
  }

  protected finishChunk(): { dictionary: undefined; statistics: undefined; dictionaryEncoded: false } {
    return { dictionary: undefined, statistics: undefined, dictionaryEncoded: false };
  }
}

/** A BOOLEAN column in PLAIN encoding (bit-packed, least significant bit first), with min/max. */
export class BooleanColumn extends Column {
  private values: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 12);
  private seen = 0; // bit 0: false seen, bit 1: true seen

  add(value: boolean): void {
    const row = this.pageRows;
    if (row >>> 3 === this.values.length) {
      const grown = new Uint8Array(2 * this.values.length);
      grown.set(this.values);
      this.values = grown;
    }
    if ((row & 7) === 0) this.values[row >>> 3] = 0;
    if (value) {
      this.values[row >>> 3]! |= 1 << (row & 7);
      this.seen |= 2;
    } else this.seen |= 1;
    if (++this.pageRows >= PAGE_ROWS) this.cutPage();
  }

  protected takeValues(out: ByteBuffer): number {
    out.put(this.values.subarray(0, (this.pageRows + 7) >>> 3));
    return Encoding.PLAIN;
  }

  protected finishChunk(): { dictionary: undefined; statistics: ChunkStatistics; dictionaryEncoded: false } {
    const seen = this.seen;
    this.seen = 0;
    const statistics = { nullCount: this.chunkNulls, min: seen === 0 ? undefined : Uint8Array.of(seen & 1 ? 0 : 1), max: seen === 0 ? undefined : Uint8Array.of(seen & 2 ? 1 : 0) };
    return { dictionary: undefined, statistics, dictionaryEncoded: false };
  }
}

/**
 * Writes `units` UTF-16LE code units at `offset` of `bytes` as UTF-8 into `target` at `at`
 * (room for 3 bytes a unit); returns the end. An unpaired surrogate becomes U+FFFD, as
 * TextEncoder writes it, so the bytes are those of the decoded string encoded.
 */
export function putUtf16AsUtf8(target: Uint8Array, at: number, bytes: Uint8Array, offset: number, units: number): number {
  let p = at;
  for (let i = 0, q = offset; i < units; i++, q += 2) {
    const unit = bytes[q]! | (bytes[q + 1]! << 8);
    if (unit < 0x80) target[p++] = unit;
    else if (unit < 0x800) {
      target[p++] = 0xc0 | (unit >>> 6);
      target[p++] = 0x80 | (unit & 0x3f);
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < units ? bytes[q + 2]! | (bytes[q + 3]! << 8) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        p = putCodePoint(target, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
        i++;
        q += 2;
      } else {
        p = putCodePoint(target, p, 0xfffd);
      }
    } else {
      p = putCodePoint(target, p, unit);
    }
  }
  return p;
}
