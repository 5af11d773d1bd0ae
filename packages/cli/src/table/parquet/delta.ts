/**
 * Parquet's DELTA_BINARY_PACKED encoding (Parquet format, Encodings.md "Delta Encoding"):
 * a header (block size, miniblocks per block, value count, first value as a zigzag
 * varint), then blocks of 128 deltas, each its smallest delta (zigzag varint), the bit
 * widths of its 4 miniblocks and the miniblocks' deltas less the smallest, bit-packed
 * least significant bit first, 32 to a miniblock. Miniblocks after the last value are
 * left out (their widths are 0). Used by DELTA_BYTE_ARRAY for the prefix and suffix
 * lengths of the key paths.
 */
import type { ByteBuffer } from './bytes.js';

const BLOCK = 128;
const MINIBLOCKS = 4;
const MINIBLOCK = BLOCK / MINIBLOCKS;

/** Zigzag of an integer within ±2^52 (0, -1, 1, -2 … → 0, 1, 2, 3 …). */
function zigzag(value: number): number {
  return value >= 0 ? 2 * value : -2 * value - 1;
}

/** The block's deltas less its smallest (each within 0..2^32 - 1). */
const deltas = new Float64Array(BLOCK);

/**
 * Appends values[0..count) (integers within 0..2^31 - 1: lengths) in DELTA_BINARY_PACKED
 * to `out`. Every delta and its difference from the block's smallest fit in 32 bits.
 */
export function encodeDeltaBinaryPacked(out: ByteBuffer, values: ArrayLike<number>, count: number): void {
  out.varint(BLOCK);
  out.varint(MINIBLOCKS);
  out.varint(count);
  out.varint(zigzag(count === 0 ? 0 : values[0]!));
  const widths = [0, 0, 0, 0];
  for (let start = 1; start < count; start += BLOCK) {
    const n = Math.min(BLOCK, count - start);
    let min = Infinity;
    for (let k = 0; k < n; k++) {
      const delta = values[start + k]! - values[start + k - 1]!;
      deltas[k] = delta;
      if (delta < min) min = delta;
    }
    out.varint(zigzag(min));
    for (let k = 0; k < n; k++) deltas[k]! -= min;
    const used = Math.ceil(n / MINIBLOCK);
    for (let m = 0; m < MINIBLOCKS; m++) {
      let max = 0;
      if (m < used) for (let k = m * MINIBLOCK, e = Math.min(k + MINIBLOCK, n); k < e; k++) if (deltas[k]! > max) max = deltas[k]!;
      const width = 32 - Math.clz32(max);
      widths[m] = width;
      out.byte(width);
    }
    for (let m = 0; m < used; m++) {
      const width = widths[m]!;
      if (width === 0) continue;
      // A miniblock is 32 values of `width` bits: 4 * width bytes, padded with zeros.
      out.room(4 * width);
      const bytes = out.bytes;
      let p = out.length;
      let acc = 0;
      let bits = 0;
      const first = m * MINIBLOCK;
      if (width <= 24) {
        // `acc` holds fewer than 8 bits: with the value, at most 31.
        for (let k = first; k < first + MINIBLOCK; k++) {
          acc |= (k < n ? deltas[k]! : 0) << bits;
          bits += width;
          while (bits >= 8) {
            bytes[p++] = acc & 0xff;
            acc >>>= 8;
            bits -= 8;
          }
        }
      } else {
        // Up to 39 bits: kept exact as a number.
        for (let k = first; k < first + MINIBLOCK; k++) {
          acc += (k < n ? deltas[k]! : 0) * 2 ** bits;
          bits += width;
          while (bits >= 8) {
            bytes[p++] = acc & 0xff;
            acc = Math.floor(acc / 256);
            bits -= 8;
          }
        }
      }
      out.length = p;
    }
  }
}
