import { ForensicsError } from './errors.js';

/**
 * Random access to an image that may be far larger than memory. The caller (the CLI, over
 * a file descriptor) owns the file; the scanner asks only for the ranges it needs.
 */
export interface ByteSource {
  /** Bytes in the image. */
  readonly length: number;
  /**
   * The bytes of `[offset, offset + length)`, shorter where the image ends. The array is
   * the caller's to keep (the scanner holds candidate hives while it reports them).
   */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory (views, no copies). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    length: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
  };
}

/** The part `[start, start + length)` of `source`, clamped to its end, as a source of its own. */
export function sliceSource(source: ByteSource, start: number, length: number): ByteSource {
  const begin = Math.min(start, source.length);
  const size = Math.max(0, Math.min(length, source.length - begin));
  return {
    length: size,
    read: (offset, count) => (offset >= size ? new Uint8Array(0) : source.read(begin + offset, Math.min(count, size - offset))),
  };
}

/**
 * The data of a raw NAND dump without its spare (out-of-band) bytes: the dump holds
 * `pageSize` data bytes then `spareSize` spare bytes per page (e.g. 2048+64, 4096+128), and
 * hives are laid out in the data bytes only. A last partial page keeps its data part.
 *
 * @throws {ForensicsError} `BAD_PAGE_LAYOUT` for a page size that is not a positive multiple of 4.
 */
export function stripSpareAreas(source: ByteSource, pageSize: number, spareSize: number): ByteSource {
  if (!Number.isInteger(pageSize) || pageSize < 4 || pageSize % 4 !== 0 || !Number.isInteger(spareSize) || spareSize < 0) {
    throw new ForensicsError('BAD_PAGE_LAYOUT', { what: 'NAND page layout', offset: 0, expected: 'a page size that is a positive multiple of 4 and a spare size ≥ 0', actual: `${pageSize}+${spareSize}` });
  }
  const stride = pageSize + spareSize;
  const whole = Math.floor(source.length / stride);
  const rest = Math.min(pageSize, source.length - whole * stride);
  const length = whole * pageSize + rest;
  return {
    length,
    read(offset, count) {
      const start = Math.min(offset, length);
      const end = Math.min(offset + count, length);
      const out = new Uint8Array(end - start);
      let at = start;
      // One read of the physical pages that hold the range, then their data parts copied out.
      const firstPage = Math.floor(start / pageSize);
      const lastPage = Math.floor(Math.max(start, end - 1) / pageSize);
      if (end <= start) return out;
      const physical = source.read(firstPage * stride, (lastPage - firstPage + 1) * stride);
      while (at < end) {
        const page = Math.floor(at / pageSize);
        const within = at - page * pageSize;
        const take = Math.min(pageSize - within, end - at);
        const from = (page - firstPage) * stride + within;
        out.set(physical.subarray(from, from + take), at - start);
        at += take;
      }
      return out;
    },
  };
}

/** A RAM region a `HiveRAMInfo` names (format guide §10), located in a capture. */
export interface RamRegion {
  /** Physical address of the region's first byte (`lpStart`). */
  start: number;
  /** Bytes in the region (`dwLength`). */
  length: number;
  /** Physical address of the capture's first byte. */
  base: number;
}

function parseNumber(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
  return Number.isSafeInteger(value) ? value : NaN;
}

/**
 * Parses `START:LENGTH[@BASE]` (numbers decimal or `0x` hex; BASE 0 when left out).
 *
 * @throws {ForensicsError} `BAD_RAM_REGION`
 */
export function parseRamRegion(text: string): RamRegion {
  const match = /^([^:@]+):([^:@]+)(?:@([^:@]+))?$/.exec(text.trim());
  const start = parseNumber(match?.[1] ?? '');
  const length = parseNumber(match?.[2] ?? '');
  const base = match?.[3] === undefined ? 0 : parseNumber(match[3]);
  // HiveRAMInfo holds 32-bit physical addresses and a 32-bit length (format guide §10).
  const outside32 = start > 0xffffffff || length > 0xffffffff || base > 0xffffffff;
  if (match === null || Number.isNaN(start) || Number.isNaN(length) || Number.isNaN(base) || length <= 0 || outside32) {
    throw new ForensicsError('BAD_RAM_REGION', { what: 'RAM region', offset: 0, expected: 'START:LENGTH[@BASE] as 32-bit numbers, e.g. 0x80100000:0x40000@0x80000000', actual: JSON.stringify(text) });
  }
  return { start, length, base };
}

/**
 * Where a RAM region lies in a capture: `[start - base, … + length)`. The region must
 * start inside the capture; a region running past its end is cut there (and whatever hive
 * it holds is then reported as truncated).
 *
 * @throws {ForensicsError} `BAD_RAM_REGION` when the region starts outside the capture.
 */
export function ramRegionOffset(region: RamRegion, captureLength: number): number {
  const offset = region.start - region.base;
  if (offset < 0 || offset >= captureLength) {
    throw new ForensicsError('BAD_RAM_REGION', {
      what: 'RAM region start',
      offset: 0,
      expected: `a physical address inside the capture (0x${region.base.toString(16)}–0x${(region.base + captureLength).toString(16)})`,
      actual: `0x${region.start.toString(16)}`,
    });
  }
  return offset;
}
