/**
 * Raw images for the forensic commands' tests and examples, built from real hives: hives
 * at random 4-aligned offsets in random or zero bytes, back to back, one cut by the end of
 * the image, an object store header (format guide §10), a NAND layout with spare bytes
 * after every page, and a RAM capture holding a hive region at a physical address. Each
 * image comes with the list of what was placed where, so a test can check that `carve`
 * finds exactly that, byte for byte. Seeded: the same options give the same image.
 */
import { createHash } from 'node:crypto';
import { HIVE_MAGIC, HIVE_VERSION } from '@hivetool/hive/layout';
import { prng } from './random.js';

export interface PlacedHive {
  /** A label for the hive (e.g. the corpus file it came from). */
  name: string;
  /** Offset of its header in the image (in the data bytes, for a NAND layout). */
  offset: number;
  /** Bytes of it in the image (less than the hive for the one cut by the end). */
  length: number;
  /** SHA-256 of the bytes placed. */
  sha256: string;
  truncated: boolean;
}

export interface GeneratedImage {
  bytes: Uint8Array;
  hives: PlacedHive[];
  /** Offsets of the object store headers placed. */
  objectStores: number[];
}

export interface ImageOptions {
  seed: number;
  /** The hives to place, in order. */
  hives: ReadonlyArray<{ name: string; bytes: Uint8Array }>;
  /** `scattered`: random gaps (up to `maxGap` bytes, 4-aligned) between them; `back-to-back`: none. */
  layout: 'scattered' | 'back-to-back';
  /** What fills the gaps. */
  fill: 'random' | 'zero';
  maxGap?: number;
  /** Cut the image in the middle of the last hive. */
  truncateLast?: boolean;
  /** Place an object store header before the hives. */
  objectStore?: boolean;
  /** Bytes after the last hive (default: a random gap). */
  tail?: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Fills `bytes` from a seeded generator, four bytes at a time. */
export function fillRandom(bytes: Uint8Array, seed: number): void {
  const random = prng(seed);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) view.setUint32(i, (random() * 0x100000000) >>> 0, true);
  for (; i < bytes.length; i++) bytes[i] = (random() * 256) | 0;
}

/**
 * The first pages of a RAM object store as this project models it: the shared `fslog_t`
 * header (version 0x400, "EKIM") whose union at 0x00C–0x0D3 holds memory-block
 * descriptors `{u32 start, u32 length}` instead of a GUID and signature, then store
 * contents that are not a hive heap.
 */
export function objectStoreHeader(seed: number, length = 0x8000): Uint8Array {
  const bytes = new Uint8Array(length);
  fillRandom(bytes, seed);
  const view = new DataView(bytes.buffer);
  view.setUint32(0x000, HIVE_VERSION, true);
  view.setUint32(0x004, 0, true);
  view.setUint32(0x008, HIVE_MAGIC, true);
  for (let at = 0x00c, block = 0; at + 8 <= 0x0d4; at += 8, block++) {
    view.setUint32(at, 0x80100000 + block * 0x10000, true);
    view.setUint32(at + 4, 0x10000, true);
  }
  return bytes;
}

/** Builds an image as `options` say; see the module comment. */
export function buildImage(options: ImageOptions): GeneratedImage {
  const random = prng(options.seed ^ 0x5eed);
  const maxGap = options.maxGap ?? 256 * 1024;
  const gap = (): number => (options.layout === 'back-to-back' ? 0 : Math.floor(random() * (maxGap / 4)) * 4);
  const parts: Array<{ offset: number; bytes: Uint8Array; kind: 'hive' | 'store'; name: string }> = [];
  let at = options.layout === 'back-to-back' ? 0 : gap() + 4;
  if (options.objectStore === true) {
    const store = objectStoreHeader(options.seed + 1);
    parts.push({ offset: at, bytes: store, kind: 'store', name: 'object-store' });
    at += store.length + (options.layout === 'back-to-back' ? 0 : gap());
  }
  options.hives.forEach((hive, index) => {
    parts.push({ offset: at, bytes: hive.bytes, kind: 'hive', name: hive.name });
    at += hive.bytes.length;
    if (index < options.hives.length - 1) at += gap();
  });
  let length = at + (options.tail ?? gap());
  const last = parts[parts.length - 1];
  if (options.truncateLast === true && last !== undefined) length = last.offset + Math.floor((last.bytes.length * 0.6) / 4) * 4;
  const bytes = new Uint8Array(length);
  if (options.fill === 'random') fillRandom(bytes, options.seed);
  const hives: PlacedHive[] = [];
  const objectStores: number[] = [];
  for (const part of parts) {
    const placed = part.bytes.subarray(0, Math.max(0, Math.min(part.bytes.length, length - part.offset)));
    bytes.set(placed, part.offset);
    if (part.kind === 'store') objectStores.push(part.offset);
    else hives.push({ name: part.name, offset: part.offset, length: placed.length, sha256: sha256Hex(placed), truncated: placed.length < part.bytes.length });
  }
  return { bytes, hives, objectStores };
}

/**
 * A raw NAND dump of `data`: after every `pageSize` bytes, `spareSize` spare bytes (ECC and
 * bad-block marks on a real part; random here). The last page is padded with 0xFF, as erased flash reads.
 */
export function addSpareAreas(data: Uint8Array, pageSize: number, spareSize: number, seed: number): Uint8Array {
  const pages = Math.ceil(data.length / pageSize);
  const out = new Uint8Array(pages * (pageSize + spareSize)).fill(0xff);
  const spare = new Uint8Array(spareSize);
  for (let page = 0; page < pages; page++) {
    const at = page * (pageSize + spareSize);
    out.set(data.subarray(page * pageSize, Math.min(data.length, (page + 1) * pageSize)), at);
    fillRandom(spare, seed + page);
    out.set(spare, at + pageSize);
  }
  return out;
}

export interface RamCapture {
  bytes: Uint8Array;
  /** The `--ram-region` argument that names the region: `START:LENGTH@BASE`, hex. */
  region: string;
  /** Offset of the region (and of the hive at its start) in the capture. */
  offset: number;
}

/**
 * A RAM capture of `size` random bytes whose first byte is physical address `base`,
 * holding `hive` at the start of a region of `regionLength` bytes at physical address
 * `regionStart` (a `HiveRAMInfo` region, format guide §10).
 */
export function ramCapture(hive: Uint8Array, options: { seed: number; size: number; base: number; regionStart: number; regionLength: number }): RamCapture {
  const bytes = new Uint8Array(options.size);
  fillRandom(bytes, options.seed);
  const offset = options.regionStart - options.base;
  bytes.set(hive, offset);
  const hex = (n: number): string => `0x${n.toString(16)}`;
  return { bytes, region: `${hex(options.regionStart)}:${hex(options.regionLength)}@${hex(options.base)}`, offset };
}

/**
 * A hostile image for `carve`: random bytes with a header candidate (version 0x400 at +0,
 * "EKIM" at +8, format guide §3) every `period` bytes, up to `tail` bytes before the end.
 * With a period dividing 0x5000, every candidate's heap start is another candidate's
 * header, so none is a hive: those with their heap in the image are object-store headers
 * (their header union is not zero), those cut short by the end claim a heap end
 * (`restoreStart` at +0x20, another header's version 0x400) that no hive can have.
 * Returns the bytes and the number of candidates.
 */
export function headerFlood(size: number, seed: number, period = 16, tail = 48): { bytes: Uint8Array; candidates: number } {
  const bytes = new Uint8Array(size);
  fillRandom(bytes, seed);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let candidates = 0;
  for (let at = 0; at + tail <= size; at += period) {
    view.setUint32(at, 0x400, true);
    view.setUint32(at + 8, 0x4d494b45, true);
    candidates++;
  }
  return { bytes, candidates };
}
