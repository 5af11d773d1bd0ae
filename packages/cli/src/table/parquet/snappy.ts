/**
 * Snappy compression (the block format of https://github.com/google/snappy/blob/main/format_description.txt),
 * as Parquet's SNAPPY codec uses it: the input cut into blocks of 64 KiB, each compressed
 * on its own with a hash table of 4-byte sequences (the reference's and Go's algorithm:
 * literals and copies, lookups spaced further apart while nothing matches).
 */
import type { ByteBuffer } from './bytes.js';

const BLOCK = 1 << 16;
const TABLE_BITS = 14;
const INPUT_MARGIN = 15;
/** Shorter blocks are written as one literal. */
const MIN_BLOCK = 1 + 1 + INPUT_MARGIN;
const table = new Uint16Array(1 << TABLE_BITS);

/** The most bytes snappy writes for `length` bytes of input (the reference's bound). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/** Appends the snappy compression of `input[start..end)` to `out`. */
export function snappyCompress(out: ByteBuffer, input: Uint8Array, start = 0, end = input.length): void {
  const length = end - start;
  out.varint(length);
  out.room(maxCompressedLength(length));
  let p = out.length;
  for (let block = start; block < end; block += BLOCK) {
    const blockEnd = Math.min(block + BLOCK, end);
    p = blockEnd - block < MIN_BLOCK ? emitLiteral(out.bytes, p, input, block, blockEnd) : compressBlock(out.bytes, p, input, block, blockEnd);
  }
  out.length = p;
}

/** Compresses input[start..end) (at most 64 KiB) into `dst` at `p`; returns the end. */
function compressBlock(dst: Uint8Array, p: number, src: Uint8Array, start: number, end: number): number {
  const view = viewOf(src);
  const length = end - start;
  let tableSize = 1 << 8;
  let shift = 32 - 8;
  while (tableSize < table.length && tableSize < length) {
    tableSize *= 2;
    shift--;
  }
  table.fill(0, 0, tableSize);
  const sLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let s = start + 1;
  let nextHash = Math.imul(view.getInt32(s, true), 0x1e35a7bd) >>> shift;
  for (;;) {
    let skip = 32;
    let nextS = s;
    let candidate = 0;
    for (;;) {
      s = nextS;
      const between = skip >> 5;
      nextS = s + between;
      skip += between;
      if (nextS > sLimit) return nextEmit < end ? emitLiteral(dst, p, src, nextEmit, end) : p;
      candidate = start + table[nextHash]!;
      table[nextHash] = s - start;
      nextHash = Math.imul(view.getInt32(nextS, true), 0x1e35a7bd) >>> shift;
      if (view.getInt32(s, true) === view.getInt32(candidate, true)) break;
    }
    p = emitLiteral(dst, p, src, nextEmit, s);
    for (;;) {
      const base = s;
      s += 4;
      s = matchEnd(view, src, candidate + 4, s, end);
      p = emitCopy(dst, p, base - candidate, s - base);
      nextEmit = s;
      if (s >= sLimit) return nextEmit < end ? emitLiteral(dst, p, src, nextEmit, end) : p;
      table[Math.imul(view.getInt32(s - 1, true), 0x1e35a7bd) >>> shift] = s - 1 - start;
      const current = view.getInt32(s, true);
      const hash = Math.imul(current, 0x1e35a7bd) >>> shift;
      candidate = start + table[hash]!;
      table[hash] = s - start;
      if (current !== view.getInt32(candidate, true)) {
        nextHash = Math.imul(view.getInt32(s + 1, true), 0x1e35a7bd) >>> shift;
        s++;
        break;
      }
    }
  }
}

let lastArray: Uint8Array | undefined;
let lastView: DataView | undefined;

function viewOf(src: Uint8Array): DataView {
  if (src !== lastArray || lastView === undefined) {
    lastArray = src;
    lastView = new DataView(src.buffer, src.byteOffset, src.byteLength);
  }
  return lastView;
}

/** Where the match of src[s..] with src[i..] ends (before `end`), compared 4 bytes at a time. */
function matchEnd(view: DataView, src: Uint8Array, i: number, s: number, end: number): number {
  while (s + 4 <= end && view.getUint32(i, true) === view.getUint32(s, true)) {
    i += 4;
    s += 4;
  }
  while (s < end && src[i] === src[s]) {
    i++;
    s++;
  }
  return s;
}

/** A literal of src[start..end) (at most 64 KiB, not empty) into `dst` at `p`. */
function emitLiteral(dst: Uint8Array, p: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 0) return p;
  if (n < 60) dst[p++] = n << 2;
  else if (n < 0x100) {
    dst[p++] = 60 << 2;
    dst[p++] = n;
  } else {
    dst[p++] = 61 << 2;
    dst[p++] = n & 0xff;
    dst[p++] = n >>> 8;
  }
  if (end - start < 16) for (let i = start; i < end; i++) dst[p++] = src[i]!;
  else {
    dst.set(src.subarray(start, end), p);
    p += end - start;
  }
  return p;
}

/** A copy of `length` bytes from `offset` back (offset below 64 KiB). */
function emitCopy(dst: Uint8Array, p: number, offset: number, length: number): number {
  while (length >= 68) {
    dst[p++] = (63 << 2) | 2;
    dst[p++] = offset & 0xff;
    dst[p++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    dst[p++] = (59 << 2) | 2;
    dst[p++] = offset & 0xff;
    dst[p++] = offset >>> 8;
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) {
    dst[p++] = ((length - 1) << 2) | 2;
    dst[p++] = offset & 0xff;
    dst[p++] = offset >>> 8;
    return p;
  }
  dst[p++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
  dst[p++] = offset & 0xff;
  return p;
}
