/**
 * Parquet's RLE/bit-packed hybrid encoding (Parquet format, Encodings.md "Run Length
 * Encoding / Bit-Packing Hybrid"): runs of 8 or more equal values as RLE runs, the rest in
 * bit-packed groups of 8 values (the last group padded with zeros). Used for definition
 * levels (bit width 1) and dictionary indices.
 */
import { ByteBuffer } from './bytes.js';

/** A bit-packed run's header takes one byte up to this many groups of 8 (as other writers do). */
const MAX_GROUPS = 63;

/** The bit width of values 0..max (at least 1). */
export function bitWidth(max: number): number {
  let width = 1;
  while (width < 32 && max >= 2 ** width) width++;
  return width;
}

/**
 * Appends values[0..count) (each below 2^width, width 1..24) in the hybrid encoding to
 * `out`, without a length prefix.
 */
export function encodeHybrid(out: ByteBuffer, values: ArrayLike<number>, count: number, width: number): void {
  if (width < 1 || width > 24) throw new RangeError(`RLE/bit-packed hybrid: bit width ${width} is outside 1..24`);
  const valueBytes = (width + 7) >> 3;
  let i = 0;
  while (i < count) {
    const value = values[i]!;
    let run = 1;
    while (i + run < count && values[i + run] === value) run++;
    if (run >= 8) {
      rleRun(out, value, run, valueBytes);
      i += run;
      continue;
    }
    // Bit-packed groups from i, up to a group that starts a run of 8 or more.
    let groups = 1;
    while (groups < MAX_GROUPS && i + 8 * groups < count && !runOf8(values, i + 8 * groups, count)) groups++;
    out.varint(groups * 2 + 1);
    out.room(groups * width);
    const bytes = out.bytes;
    let p = out.length;
    let acc = 0;
    let bits = 0;
    for (let k = i, end = i + 8 * groups; k < end; k++) {
      acc |= (k < count ? values[k]! : 0) << bits;
      bits += width;
      while (bits >= 8) {
        bytes[p++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.length = p;
    i += 8 * groups;
  }
}

/** Appends one RLE run: `count` times `value`. */
export function rleRun(out: ByteBuffer, value: number, count: number, valueBytes: number): void {
  out.varint(count * 2);
  for (let b = 0; b < valueBytes; b++) out.byte((value >>> (8 * b)) & 0xff);
}

function runOf8(values: ArrayLike<number>, at: number, count: number): boolean {
  if (at + 8 > count) return false;
  const value = values[at];
  for (let k = at + 1; k < at + 8; k++) if (values[k] !== value) return false;
  return true;
}
