import type { ByteSource } from '@hivetool/forensics';

/**
 * Random access to one layer's bytes: a raw image, a partition, a volume — and, later, a
 * logical sector space rebuilt from a NAND dump. A layer opened on a source asks only for
 * the ranges it needs, so a multi-GiB image is never held whole, and it never knows what
 * is below it: FAT reads the same from a disk image and from a rebuilt flash.
 */
export interface MediaSource {
  /** Bytes in this layer. */
  readonly size: number;
  /**
   * The bytes of `[offset, offset + length)`, shorter where the layer ends (or the image
   * below it was cut). The array is the caller's to keep.
   */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory (views, no copies). */
export function bytesSource(bytes: Uint8Array): MediaSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + Math.max(0, length), bytes.length)),
  };
}

/**
 * The part `[start, start + length)` of `source` as a layer of its own. The part keeps
 * the size it claims (a partition table says how long a partition is) even where the
 * source ends earlier: reads there come back short, which the layer above reports as a
 * cut image.
 */
export function sliceSource(source: MediaSource, start: number, length: number): MediaSource {
  const size = Math.max(0, length);
  return {
    size,
    read: (offset, count) => (offset >= size || offset < 0 ? new Uint8Array(0) : source.read(start + offset, Math.min(count, size - offset))),
  };
}

/** The same bytes as the forensics codec's `ByteSource` (its scanner is reused over a layer). */
export function asByteSource(source: MediaSource): ByteSource {
  return { length: source.size, read: (offset, length) => source.read(offset, length) };
}
