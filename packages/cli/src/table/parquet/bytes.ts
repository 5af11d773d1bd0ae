/**
 * A growable byte buffer: what the Parquet encoder writes its pages, headers and footer
 * into. `bytes` is replaced when it grows; take views of it only once writing is done.
 * It is a Node Buffer, so that long strings are written into it by `Buffer.write`
 * (which reads a string made by concatenation without flattening it first).
 */
export class ByteBuffer {
  bytes: Buffer;
  length = 0;

  constructor(capacity = 1 << 12) {
    this.bytes = Buffer.alloc(capacity);
  }

  /** Makes room for `size` more bytes. */
  room(size: number): void {
    const need = this.length + size;
    if (need <= this.bytes.length) return;
    const grown = Buffer.alloc(Math.max(need, 2 * this.bytes.length));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
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

  /**
   * The bytes written, as a view (valid until the next write). A plain Uint8Array, not a
   * Buffer: whoever keeps it takes a copy with `slice`, which on a Buffer would be a view.
   */
  view(): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.length);
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

/** A copy of bytes[start..end) of its own (a Buffer's `slice` is a view, not a copy). */
export function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}
