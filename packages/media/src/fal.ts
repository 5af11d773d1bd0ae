/**
 * The Flash Abstraction Layer's logical sector space, rebuilt from a raw NAND dump (pages
 * with their spare areas), flash guide §2–§4. One pass over the image in large chunks
 * reads each page's `SectorInfo` into typed arrays (a few bytes per page, never the page
 * data); the logical space is then a `MediaSource` whose reads go to the mapped pages.
 *
 * Rules (flash guide §2): a page is mapped when its data status has `DIRTY_SECTOR` still
 * set and `SECTOR_WRITE_COMPLETED` cleared; stale when both are cleared (a newer copy
 * exists, or the sector was freed); a write that began and never completed is reported
 * and not mapped. Two mapped pages claiming one logical sector: the later physical page
 * wins, as `FileSysFal::BuildupMappingInfo` does, and the earlier is kept as stale. Bad
 * blocks (`bBadBlock` ≠ 0xFF on page 0 or 1) and reserved blocks (`OEM_BLOCK_RESERVED`
 * cleared) are skipped; a read-only block (`OEM_BLOCK_READONLY` cleared) is mapped whole
 * from page 0's logical sector. Data is read as stored: no ECC correction. The flash
 * MDD/PDD model of CE 6 R2 and later is out of scope (its metadata is unpublished), and
 * XIP regions (no `SectorInfo`) are not mapped.
 */
import { FindingList, type MediaFinding } from './errors.js';
import type { MediaSource } from './source.js';
import { SPARE_LAYOUTS, SPARE_LAYOUT_NAMES, describeLayout, isSpareLayoutName, layoutExtent, type SpareLayout, type SpareLayoutName } from './spareLayouts.js';

/** Bits of `wReserved2`, active low (falmain.h; em-works falblock.cpp 24–28). */
export const DIRTY_SECTOR = 0x0001;
export const SECTOR_WRITE_IN_PROGRESS = 0x0002;
export const SECTOR_WRITE_COMPLETED = 0x0004;
/** Bits of `bOEMReserved`, active low. */
export const OEM_BLOCK_RESERVED = 0x01;
export const OEM_BLOCK_READONLY = 0x02;

/** The status words the FAL's three write steps leave (flash guide §2, inferred there). */
export const STATUS_MAPPED = 0xfff9;
export const STATUS_STALE = 0xfff8;
export const STATUS_INTERRUPTED = 0xfffd;
export const STATUS_FREE = 0xffff;

export interface FalOptions {
  /** Data bytes of a page (a FAL sector is one page). */
  pageSize: number;
  /** Spare bytes after each page's data. */
  spareSize: number;
  /** Pages per erase block (default 32 for 512-byte pages, 64 for larger ones). */
  pagesPerBlock?: number;
  /** A preset's name, explicit offsets, or `auto` (default): detected from the data. */
  layout?: 'auto' | SpareLayoutName | SpareLayout;
  /** Called as the pass goes, with bytes read and the image's size. */
  onProgress?: (scanned: number, total: number) => void;
  /** Bytes read from the image at a time (default 8 MiB, rounded to whole blocks). */
  chunkSize?: number;
}

/** How one candidate layout fits the sampled pages. */
export interface LayoutCandidate {
  layout: string;
  /** Sampled pages written under this layout (their status or sector field not erased), in blocks it calls good. */
  written: number;
  /** Of those, pages whose status word is one the FAL writes and whose logical sector fits the chip. */
  fitting: number;
  /** Of those, pages whose spare bytes the layout leaves unused are erased (0xFF). */
  unusedErased: number;
  /** fitting / written (0 when nothing was written). */
  score: number;
  /** Sampled blocks this layout's bad-block mark calls bad. */
  badBlocks: number;
}

export interface LayoutDecision {
  /** The layout used, or null when it could not be decided (nothing was mapped). */
  layout: SpareLayout | null;
  how: 'given' | 'detected' | 'undecided';
  /** Why this layout (or why none), in words. */
  evidence: string;
  candidates: LayoutCandidate[];
}

export interface FalGeometry {
  pageSize: number;
  spareSize: number;
  pagesPerBlock: number;
  /** Whole pages in the image, and the blocks they fill (the last one may be cut). */
  pages: number;
  blocks: number;
  /** Bytes after the last whole page (a cut image). */
  trailingBytes: number;
  badBlocks: number;
  reservedBlocks: number;
  readOnlyBlocks: number;
  /** Bad blocks' numbers (the first 1000). */
  badBlockList: number[];
}

export interface FalCounts {
  /** Pages that hold their logical sector's current copy. */
  mapped: number;
  /** Stale copies (dirty pages, and the earlier page of each duplicate pair). */
  stale: number;
  free: number;
  /** Pages whose write began and never completed (not mapped). */
  incomplete: number;
  duplicates: number;
  /** Pages with a status word the FAL does not write, or a logical sector past the chip. */
  unreadable: number;
  /** Logical sectors mapped. */
  logicalSectors: number;
}

/** One stale copy of a logical sector: an earlier version of its bytes. */
export interface StaleCopy {
  logicalSector: number;
  block: number;
  pageInBlock: number;
  physicalPage: number;
  /** `dirty`: the FAL marked it stale; `duplicate`: a later physical page claims the same sector. */
  why: 'dirty' | 'duplicate';
}

/** The stale copies, in the order the pass met them (typed arrays behind; objects made on request). */
export interface StaleCopies extends Iterable<StaleCopy> {
  readonly length: number;
  get(index: number): StaleCopy;
  /** The copy's data bytes (one page). */
  read(index: number): Uint8Array;
}

/** `MSFLSH50` (flash guide §4; fls.h): reserved block ranges and regions, unknown fields raw. */
export interface FlashLayoutSector {
  /** Physical page it was read from. */
  physicalPage: number;
  reserved: { name: string; startBlock: number; blocks: number }[];
  regions: { regionType: number; regionTypeName: string; startPhysBlock: number; physBlocks: number; logicalBlocks: number; sectorsPerBlock: number; bytesPerBlock: number; compactBlocks: number }[];
  /** Bytes after the entries the counts describe, up to the end of the page's first 512 bytes that are not erased, hex. */
  trailingRaw: string;
}

export interface FalVolume {
  /** The logical sector space: page-size sectors by logical number; unmapped sectors read as zeros. */
  logical: MediaSource;
  layout: LayoutDecision;
  geometry: FalGeometry;
  counts: FalCounts;
  findings: MediaFinding[];
  /** Findings left out once a code reached its cap. */
  omittedFindings: number;
  stale: StaleCopies;
  msflsh50: FlashLayoutSector | null;
  /** The physical page mapped to a logical sector, or -1. */
  physicalPageOf(logicalSector: number): number;
  /** A physical page's data bytes. */
  readPage(physicalPage: number): Uint8Array;
  /** A physical page's spare bytes. */
  readSpare(physicalPage: number): Uint8Array;
}

const REGION_TYPES = ['XIP', 'READONLY_FILESYS', 'FILESYS'];

/** What is wrong with a geometry, or undefined. */
export function checkFalGeometry(pageSize: number, spareSize: number, pagesPerBlock: number): string | undefined {
  const pow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(pageSize) || pageSize < 256 || pageSize > 65536) return `page size ${pageSize} is not a power of two from 256 to 65536`;
  if (!Number.isInteger(spareSize) || spareSize < 8 || spareSize > 4096) return `spare size ${spareSize} is not 8 to 4096 bytes`;
  if (!pow2(pagesPerBlock) || pagesPerBlock > 4096) return `pages per block ${pagesPerBlock} is not a power of two up to 4096`;
  return undefined;
}

export function defaultPagesPerBlock(pageSize: number): number {
  return pageSize <= 512 ? 32 : 64;
}

/** A growable array of 32-bit integers. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

const u32 = (bytes: Uint8Array, at: number): number => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
const u16 = (bytes: Uint8Array, at: number): number => bytes[at]! | (bytes[at + 1]! << 8);
const hexOf = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/** A status word the FAL's write steps can leave. */
function knownStatus(status: number): boolean {
  return status === STATUS_MAPPED || status === STATUS_STALE || status === STATUS_INTERRUPTED || status === (STATUS_INTERRUPTED & ~DIRTY_SECTOR);
}

function isBad(spare: Uint8Array, at: number, layout: SpareLayout): boolean {
  for (const offset of layout.bad) if (spare[at + offset] !== 0xff) return true;
  return false;
}

/**
 * Which layout explains the sampled pages: the FAL's status words and logical sectors that
 * fit the chip, on nearly every written page; among layouts with the same `SectorInfo`
 * offsets, the one whose unused spare bytes are erased. Says so when none fits, when two
 * different ones fit, or when nothing is written.
 */
function detectLayout(source: MediaSource, pageSize: number, spareSize: number, pagesPerBlock: number, pages: number): LayoutDecision {
  const physical = pageSize + spareSize;
  const candidates = SPARE_LAYOUT_NAMES.map((name) => SPARE_LAYOUTS[name]).filter((layout) => layoutExtent(layout) <= spareSize && Math.max(0, ...layout.unused) < spareSize);
  const stats: LayoutCandidate[] = candidates.map((layout) => ({ layout: layout.name, written: 0, fitting: 0, unusedErased: 0, score: 0, badBlocks: 0 }));
  const blocks = Math.ceil(pages / pagesPerBlock);
  const sampleBlocks = Math.min(blocks, 64);
  const pagesPerSample = Math.min(pagesPerBlock, Math.max(1, Math.floor(8192 / sampleBlocks)));
  for (let i = 0; i < sampleBlocks; i++) {
    const block = Math.floor((i * blocks) / sampleBlocks);
    const first = block * pagesPerBlock;
    const count = Math.min(pagesPerSample, pages - first);
    if (count <= 0) continue;
    const bytes = source.read(first * physical, count * physical);
    candidates.forEach((layout, c) => {
      const stat = stats[c]!;
      if (isBad(bytes, pageSize, layout) || (count > 1 && bytes.length >= 2 * physical && isBad(bytes, physical + pageSize, layout))) {
        stat.badBlocks++;
        return;
      }
      for (let p = 0; p < count && (p + 1) * physical <= bytes.length; p++) {
        const at = p * physical + pageSize;
        const status = u16(bytes, at + layout.status);
        const sector = u32(bytes, at + layout.sector);
        if (status === STATUS_FREE && sector === 0xffffffff) continue;
        stat.written++;
        if (knownStatus(status) && sector < pages) stat.fitting++;
        if (layout.unused.every((offset) => bytes[at + offset] === 0xff)) stat.unusedErased++;
      }
    });
  }
  for (const stat of stats) stat.score = stat.written === 0 ? 0 : stat.fitting / stat.written;
  const percent = (n: number): string => `${Math.floor(n * 1000) / 10}%`;
  const written = Math.max(0, ...stats.map((stat) => stat.written));
  if (written === 0) {
    const evidence = stats.every((stat) => stat.badBlocks === 0)
      ? `every page sampled (${sampleBlocks} blocks) is erased: nothing tells the layout`
      : `no written page is left in a block any layout calls good (${stats.map((stat) => `${stat.layout}: ${stat.badBlocks} of ${sampleBlocks} sampled blocks bad`).join(', ')}; the rest erased)`;
    return { layout: null, how: 'undecided', evidence, candidates: stats };
  }
  const fits = stats.filter((stat) => stat.written >= 4 && stat.score >= 0.9);
  if (fits.length === 0) {
    const best = [...stats].sort((a, b) => b.score - a.score)[0]!;
    return { layout: null, how: 'undecided', evidence: `no layout explains the spare areas: the best, ${best.layout}, fits ${percent(best.score)} of ${best.written} written pages sampled (a FAL status word and a logical sector within the chip); ${stats.map((stat) => `${stat.layout} ${percent(stat.score)}`).join(', ')}`, candidates: stats };
  }
  // Layouts with the same SectorInfo offsets read the same: tell them apart by their unused bytes.
  const key = (name: string): string => {
    const layout = SPARE_LAYOUTS[name as SpareLayoutName];
    return `${layout.sector}/${layout.status}/${layout.oem}/${layout.bad.join('+')}`;
  };
  const groups = new Map<string, typeof fits>();
  for (const stat of fits) groups.set(key(stat.layout), [...(groups.get(key(stat.layout)) ?? []), stat]);
  if (groups.size > 1) {
    return { layout: null, how: 'undecided', evidence: `more than one layout fits: ${fits.map((stat) => `${stat.layout} ${percent(stat.score)} of ${stat.written} pages`).join(', ')}`, candidates: stats };
  }
  const group = [...groups.values()][0]!;
  // The most specific layout whose unused bytes are erased on (nearly) every written page; else the one with none.
  const specific = group
    .filter((stat) => SPARE_LAYOUTS[stat.layout as SpareLayoutName].unused.length === 0 || stat.unusedErased >= stat.written * 0.99)
    .sort((a, b) => SPARE_LAYOUTS[b.layout as SpareLayoutName].unused.length - SPARE_LAYOUTS[a.layout as SpareLayoutName].unused.length);
  const chosen = specific[0] ?? group[0]!;
  const layout = SPARE_LAYOUTS[chosen.layout as SpareLayoutName];
  const others = group.filter((stat) => stat !== chosen).map((stat) => stat.layout);
  let evidence = `${chosen.layout}: ${percent(chosen.score)} of ${chosen.written} written pages sampled carry a FAL status word and a logical sector within the chip at its offsets (${describeLayout(layout)})`;
  const rest = stats.filter((stat) => !group.includes(stat));
  if (rest.length > 0) evidence += `; ${rest.map((stat) => `${stat.layout} ${percent(stat.score)}`).join(', ')}`;
  if (others.length > 0) {
    evidence += layout.unused.length > 0 ? `; ${others.join(', ')} has the same SectorInfo offsets, but bytes ${layout.unused[0]}–${layout.unused[layout.unused.length - 1]} are erased on ${chosen.unusedErased} of ${chosen.written} pages as ${chosen.layout} leaves them` : `; ${others.join(', ')} has the same SectorInfo offsets, but its unused bytes are written (ECC)`;
  }
  return { layout, how: 'detected', evidence, candidates: stats };
}

/** MSFLSH50 on page 0–2 of the first blocks, read where present. */
function readLayoutSector(source: MediaSource, pageSize: number, spareSize: number, pagesPerBlock: number, pages: number, findings: FindingList): FlashLayoutSector | null {
  const physical = pageSize + spareSize;
  const signature = [0x4d, 0x53, 0x46, 0x4c, 0x53, 0x48, 0x35, 0x30];
  for (let block = 0; block < 8; block++) {
    for (let page = 0; page < 3; page++) {
      const index = block * pagesPerBlock + page;
      if (index >= pages) return null;
      const data = source.read(index * physical, pageSize);
      if (data.length < 16 || !signature.every((byte, i) => data[i] === byte)) continue;
      const reservedBytes = u32(data, 8);
      const regionBytes = u32(data, 12);
      const result: FlashLayoutSector = { physicalPage: index, reserved: [], regions: [], trailingRaw: '' };
      let at = 16;
      if (reservedBytes % 16 !== 0 || regionBytes % 28 !== 0 || 16 + reservedBytes + regionBytes > data.length) {
        findings.add('FAL_LAYOUT_SECTOR_BAD', index * physical, `MSFLSH50: ${reservedBytes} bytes of reserved entries and ${regionBytes} of regions do not fit whole 16- and 28-byte entries in the ${data.length}-byte page: read as far as they do`);
      }
      for (let n = 0; n < Math.floor(reservedBytes / 16) && at + 16 <= data.length; n++, at += 16) {
        let name = '';
        for (const byte of data.subarray(at, at + 8)) if (byte !== 0) name += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
        result.reserved.push({ name, startBlock: u32(data, at + 8), blocks: u32(data, at + 12) });
      }
      at = 16 + Math.min(reservedBytes, data.length);
      for (let n = 0; n < Math.floor(regionBytes / 28) && at + 28 <= data.length; n++, at += 28) {
        const regionType = u32(data, at);
        result.regions.push({ regionType, regionTypeName: REGION_TYPES[regionType] ?? `unknown (${regionType})`, startPhysBlock: u32(data, at + 4), physBlocks: u32(data, at + 8), logicalBlocks: u32(data, at + 12), sectorsPerBlock: u32(data, at + 16), bytesPerBlock: u32(data, at + 20), compactBlocks: u32(data, at + 24) });
      }
      let end = Math.min(data.length, 512);
      while (end > at && data[end - 1] === 0xff) end--;
      result.trailingRaw = at < end ? hexOf(data.subarray(at, end)) : '';
      return result;
    }
  }
  return null;
}

/**
 * Rebuilds the FAL's logical sector space from a NAND dump (see the file comment). Never
 * throws on damaged bytes: what is wrong is in `findings`. Throws a RangeError for a
 * geometry `checkFalGeometry` rejects.
 */
export function openFal(source: MediaSource, options: FalOptions): FalVolume {
  const { pageSize, spareSize } = options;
  const pagesPerBlock = options.pagesPerBlock ?? defaultPagesPerBlock(pageSize);
  const problem = checkFalGeometry(pageSize, spareSize, pagesPerBlock);
  if (problem !== undefined) throw new RangeError(problem);
  const list = new FindingList();
  const physical = pageSize + spareSize;
  const pages = Math.floor(source.size / physical);
  const blocks = Math.ceil(pages / pagesPerBlock);
  const trailingBytes = source.size - pages * physical;
  if (trailingBytes > 0) list.add('IMAGE_CUT', pages * physical, `the image ends ${trailingBytes} bytes into a page of ${physical} (${pageSize} + ${spareSize} spare): that page is not read`);
  if (pages % pagesPerBlock !== 0) list.add('IMAGE_CUT', pages * physical, `the image ends ${pages % pagesPerBlock} pages into block ${blocks - 1} of ${pagesPerBlock} pages`);

  let decision: LayoutDecision;
  const asked = options.layout ?? 'auto';
  if (asked === 'auto') decision = detectLayout(source, pageSize, spareSize, pagesPerBlock, pages);
  else {
    const layout = typeof asked === 'string' ? (isSpareLayoutName(asked) ? SPARE_LAYOUTS[asked] : undefined) : asked;
    if (layout === undefined) throw new RangeError(`unknown spare layout ${String(asked)}`);
    if (layoutExtent(layout) > spareSize) throw new RangeError(`the spare layout ${describeLayout(layout)} reads ${layoutExtent(layout)} spare bytes; the spare area has ${spareSize}`);
    decision = { layout, how: 'given', evidence: `given: ${describeLayout(layout)}, ${layout.source}`, candidates: [] };
  }
  const geometry: FalGeometry = { pageSize, spareSize, pagesPerBlock, pages, blocks, trailingBytes, badBlocks: 0, reservedBlocks: 0, readOnlyBlocks: 0, badBlockList: [] };
  const counts: FalCounts = { mapped: 0, stale: 0, free: 0, incomplete: 0, duplicates: 0, unreadable: 0, logicalSectors: 0 };
  const map = new Int32Array(decision.layout === null ? 0 : pages).fill(-1);
  const staleList = new IntList();
  const staleWhy = new IntList();
  const sectorOfStale = new IntList();
  let msflsh50: FlashLayoutSector | null = null;
  let logicalCount = 0;
  const layout = decision.layout;
  if (layout === null) {
    list.add('FAL_LAYOUT_UNDECIDED', 0, `the spare-area layout could not be decided: ${decision.evidence}`);
  } else {
    msflsh50 = readLayoutSector(source, pageSize, spareSize, pagesPerBlock, pages, list);
    const reservedByLayout = new Uint8Array(blocks);
    for (const entry of msflsh50?.reserved ?? []) for (let b = entry.startBlock; b < Math.min(blocks, entry.startBlock + entry.blocks); b++) reservedByLayout[b] = 1;
    const blockBytes = physical * pagesPerBlock;
    const chunkBlocks = Math.max(1, Math.floor((options.chunkSize ?? 8 * 1024 * 1024) / blockBytes));
    const { sector: sectorAt, status: statusAt, oem: oemAt } = layout;
    let maxMapped = -1;
    const mapPage = (sector: number, page: number): void => {
      const previous = map[sector]!;
      if (previous >= 0) {
        // The FAL keeps the later physical page and marks the earlier dirty (BuildupMappingInfo).
        counts.duplicates++;
        counts.stale++;
        counts.mapped--;
        staleList.push(previous);
        staleWhy.push(1);
        sectorOfStale.push(sector);
        list.add('FAL_DUPLICATE', page * physical, `logical sector ${sector} is held by physical pages ${previous} and ${page} (a write cut before the old copy was marked dirty): page ${page}, the later, is mapped, as the FAL does; page ${previous} is kept as a stale copy`);
      }
      map[sector] = page;
      counts.mapped++;
      if (sector > maxMapped) maxMapped = sector;
    };
    for (let firstBlock = 0; firstBlock < blocks; firstBlock += chunkBlocks) {
      const firstPage = firstBlock * pagesPerBlock;
      const chunkPages = Math.min(pages - firstPage, chunkBlocks * pagesPerBlock);
      const bytes = source.read(firstPage * physical, chunkPages * physical);
      const readPages = Math.min(chunkPages, Math.floor(bytes.length / physical));
      for (let b = 0; b * pagesPerBlock < readPages; b++) {
        const block = firstBlock + b;
        const base = b * pagesPerBlock;
        const inBlock = Math.min(pagesPerBlock, readPages - base);
        const spare0 = base * physical + pageSize;
        if (isBad(bytes, spare0, layout) || (inBlock > 1 && isBad(bytes, spare0 + physical, layout))) {
          geometry.badBlocks++;
          if (geometry.badBlockList.length < 1000) geometry.badBlockList.push(block);
          continue;
        }
        const oem = bytes[spare0 + oemAt]!;
        if ((oem & OEM_BLOCK_RESERVED) === 0 || reservedByLayout[block] === 1) {
          geometry.reservedBlocks++;
          continue;
        }
        if ((oem & OEM_BLOCK_READONLY) === 0) {
          geometry.readOnlyBlocks++;
          const first = u32(bytes, spare0 + sectorAt);
          if (first === 0xffffffff) continue;
          for (let p = 0; p < inBlock; p++) {
            const sector = first + p;
            if (sector >= pages) {
              counts.unreadable++;
              list.add('FAL_SECTOR_OUT_OF_RANGE', (firstPage + base + p) * physical, `read-only block ${block} maps from logical sector ${first}: sector ${sector} is past the ${pages} pages of the chip, not mapped`);
              break;
            }
            mapPage(sector, firstPage + base + p);
          }
          continue;
        }
        for (let p = 0; p < inBlock; p++) {
          const at = (base + p) * physical + pageSize;
          const status = bytes[at + statusAt]! | (bytes[at + statusAt + 1]! << 8);
          const sector = (bytes[at + sectorAt]! | (bytes[at + sectorAt + 1]! << 8) | (bytes[at + sectorAt + 2]! << 16) | (bytes[at + sectorAt + 3]! << 24)) >>> 0;
          const page = firstPage + base + p;
          if (status === STATUS_FREE) {
            if (sector === 0xffffffff) counts.free++;
            else {
              counts.unreadable++;
              list.add('FAL_STATUS_UNKNOWN', page * physical, `physical page ${page} names logical sector ${sector} with a free status word (0xffff): not mapped`);
            }
          } else if ((status & SECTOR_WRITE_COMPLETED) === 0) {
            if (sector >= pages) {
              counts.unreadable++;
              list.add('FAL_SECTOR_OUT_OF_RANGE', page * physical, `physical page ${page} claims logical sector ${sector}, past the ${pages} pages of the chip: not mapped`);
            } else if ((status & DIRTY_SECTOR) === 0) {
              counts.stale++;
              staleList.push(page);
              staleWhy.push(0);
              sectorOfStale.push(sector);
            } else mapPage(sector, page);
          } else if ((status & SECTOR_WRITE_IN_PROGRESS) === 0) {
            counts.incomplete++;
            if ((status & DIRTY_SECTOR) !== 0) list.add('FAL_WRITE_INCOMPLETE', page * physical, `physical page ${page}: a write of logical sector ${sector} began and never completed (status 0x${status.toString(16)}): not mapped`);
          } else {
            counts.unreadable++;
            list.add('FAL_STATUS_UNKNOWN', page * physical, `physical page ${page}: status word 0x${status.toString(16)} is none the FAL writes: not mapped`);
          }
        }
      }
      options.onProgress?.(Math.min(source.size, (firstPage + chunkPages) * physical), source.size);
    }
    counts.logicalSectors = 0;
    for (let s = 0; s <= maxMapped; s++) if (map[s]! >= 0) counts.logicalSectors++;
    logicalCount = maxMapped + 1;
    // The regions' logical size, where the layout sector gives one that fits the chip.
    if (msflsh50 !== null) {
      let fromRegions = 0;
      for (const region of msflsh50.regions) fromRegions += region.logicalBlocks * region.sectorsPerBlock;
      if (fromRegions > logicalCount && fromRegions <= pages) logicalCount = fromRegions;
    }
  }
  const size = logicalCount * pageSize;
  const logical: MediaSource = {
    size,
    read(offset, length) {
      const start = Math.max(0, Math.min(offset, size));
      const end = Math.max(start, Math.min(size, offset + Math.max(0, length)));
      const out = new Uint8Array(end - start);
      if (end === start) return out;
      // The mapped pages of the sectors asked for, sorted by page: pages near each other on
      // the chip (one block written in order, or the few open blocks a FAL spreads its
      // writes over) are read in one request of at most 512 pages, skipping up to 8 pages
      // between two. Sectors in batches of 65,536 (the key: page × 65,536 + place in batch).
      const firstSector = Math.floor(start / pageSize);
      const lastSector = Math.floor((end - 1) / pageSize);
      const batch = Math.min(65536, lastSector - firstSector + 1);
      const keys = new Float64Array(batch);
      for (let batchStart = firstSector; batchStart <= lastSector; batchStart += 65536) {
        const batchEnd = Math.min(lastSector, batchStart + 65535);
        let n = 0;
        for (let sector = batchStart; sector <= batchEnd; sector++) {
          const page = map[sector] ?? -1;
          if (page >= 0) keys[n++] = page * 65536 + (sector - batchStart);
        }
        const sorted = keys.subarray(0, n).sort();
        const copy = (bytes: Uint8Array, key: number, firstByte: number): void => {
          const sector = batchStart + (key % 65536);
          const sectorStart = sector * pageSize;
          const from = Math.max(sectorStart, start);
          const to = Math.min(sectorStart + pageSize, end);
          const at = firstByte + from - sectorStart;
          if (at < bytes.length) out.set(bytes.subarray(at, Math.min(bytes.length, at + to - from)), from - start);
        };
        for (let i = 0; i < n; ) {
          const firstPage = Math.floor(sorted[i]! / 65536);
          let lastPage = firstPage;
          let j = i + 1;
          for (; j < n; j++) {
            const page = Math.floor(sorted[j]! / 65536);
            if (page - lastPage > 8 || page - firstPage >= 512) break;
            lastPage = page;
          }
          if (j === i + 1) {
            // One page: only the part of it asked for.
            const sectorStart = (batchStart + (sorted[i]! % 65536)) * pageSize;
            const within = Math.max(0, start - sectorStart);
            const take = Math.min(sectorStart + pageSize, end) - (sectorStart + within);
            out.set(source.read(firstPage * physical + within, take).subarray(0, take), sectorStart + within - start);
          } else {
            const bytes = source.read(firstPage * physical, (lastPage - firstPage + 1) * physical);
            for (let k = i; k < j; k++) copy(bytes, sorted[k]!, (Math.floor(sorted[k]! / 65536) - firstPage) * physical);
          }
          i = j;
        }
      }
      return out;
    },
  };
  const staleCount = staleList.length;
  const stale: StaleCopies = {
    length: staleCount,
    get(index) {
      if (index < 0 || index >= staleCount) throw new RangeError(`stale copy ${index} of ${staleCount}`);
      const physicalPage = staleList.data[index]!;
      return { logicalSector: sectorOfStale.data[index]! >>> 0, block: Math.floor(physicalPage / pagesPerBlock), pageInBlock: physicalPage % pagesPerBlock, physicalPage, why: staleWhy.data[index] === 1 ? 'duplicate' : 'dirty' };
    },
    read(index) {
      return source.read(stale.get(index).physicalPage * physical, pageSize);
    },
    *[Symbol.iterator]() {
      for (let i = 0; i < staleCount; i++) yield stale.get(i);
    },
  };
  return {
    logical,
    layout: decision,
    geometry,
    counts,
    findings: list.findings,
    omittedFindings: list.omitted,
    stale,
    msflsh50,
    physicalPageOf: (sector) => (Number.isInteger(sector) && sector >= 0 && sector < map.length ? map[sector]! : -1),
    readPage: (page) => source.read(page * physical, pageSize),
    readSpare: (page) => source.read(page * physical + pageSize, spareSize),
  };
}
