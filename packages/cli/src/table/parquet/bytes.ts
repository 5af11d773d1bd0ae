import { putCodePoint } from '@hivetool/registry';

/**
 * A growable byte buffer: what the Parquet encoder writes its pages, headers and footer
 * into. `bytes` is replaced when it grows; take views of it only once writing is done.
 */
export class ByteBuffer {
  bytes: Uint8Array<ArrayBuffer>;
  length = 0;
  /** A Node Buffer over `bytes`, for `string`. */
  private node: Buffer | undefined;

  constructor(capacity = 1 << 12) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `size` more bytes. */
  room(size: number): void {
    const need = this.length + size;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, 2 * this.bytes.length));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.node = undefined;
  }

  /**
   * Writes `text` as UTF-8 at `at` (room for 3 bytes a unit made by the caller); returns
   * the end. Short strings by a loop; long ones by `Buffer.write`, which reads a string made
   * by concatenation (a key path) without flattening it first. The bytes are TextEncoder's.
   */
  string(at: number, text: string): number {
    if (text.length <= SHORT_STRING) return putString(this.bytes, at, text);
    this.node ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    return at + this.node.write(text, at);
  }

  byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  put(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A little-endian unsigned 32-bit integer. */
  uint32(value: number): void {
    this.room(4);
    const b = this.bytes;
    let p = this.length;
    b[p++] = value;
    b[p++] = value >>> 8;
    b[p++] = value >>> 16;
    b[p++] = value >>> 24;
    this.length = p;
  }

  /** An unsigned LEB128 varint of a non-negative integer up to 2^53. */
  varint(value: number): void {
    this.room(8);
    const b = this.bytes;
    let p = this.length;
    while (value >= 0x80) {
      b[p++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    b[p++] = value;
    this.length = p;
  }

  /** The bytes written, as a view (valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** The bytes written, as a copy of their own. */
  copy(): Uint8Array {
    return copyOf(this.bytes, 0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/** Unsigned byte-wise comparison: the order of UTF-8 strings by code point (Parquet's for UTF8). */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** A copy of bytes[start..end) of its own. */
export function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

const encoder = new TextEncoder();

/** Strings up to this length are written to UTF-8 by a loop; longer ones by TextEncoder or Buffer.write. */
const SHORT_STRING = 48;

/**
 * Writes `text` as UTF-8 into `target` at `at` (room for 3 bytes a unit); returns the end.
 * The bytes are TextEncoder's (an unpaired surrogate is U+FFFD).
 */
export function putString(target: Uint8Array, at: number, text: string): number {
  const n = text.length;
  if (n > SHORT_STRING) return at + encoder.encodeInto(text, target.subarray(at)).written;
  let p = at;
  for (let i = 0; i < n; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) target[p++] = unit;
    else if (unit < 0x800) {
      target[p++] = 0xc0 | (unit >>> 6);
      target[p++] = 0x80 | (unit & 0x3f);
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        p = putCodePoint(target, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
        i++;
      } else {
        p = putCodePoint(target, p, 0xfffd);
      }
    } else {
      p = putCodePoint(target, p, unit);
    }
  }
  return p;
}
