/**
 * Simulated NAND dumps of a Windows CE device's flash, made by following the FAL's rules
 * of the flash guide (§2–§4) exactly, with the ground truth of every page kept:
 *
 * - a sector is written in the FAL's three steps (`FileSysFal::InternalWriteToMedia`):
 *   (1) the spare alone, all 0xFF but the logical sector, write-in-progress cleared
 *   (0xFFFD); (2) the data and the spare, write-completed cleared (0xFFF9); (3) the old
 *   copy's spare rewritten with `DIRTY_SECTOR` cleared (0xFFF8). A write can be cut after
 *   step 1 (an incomplete page) or after step 2 (two valid copies: the FAL keeps the later
 *   physical page);
 * - every write goes to the next free page of one of a few open blocks picked at random
 *   (seeded), fresh blocks opened at random, so pages lie anywhere on the chip while each
 *   block is written in page order;
 * - sectors the file system frees are marked dirty (`IOCTL_DISK_DELETE_SECTORS`);
 * - a bad block (bad-block mark cleared, its pages full of plausible-looking spare bytes),
 *   a reserved region at the start (`OEM_BLOCK_RESERVED` cleared) holding the `MSFLSH50`
 *   layout sector, optionally a read-only block mapped from its page 0;
 * - the spare bytes laid out per preset (`SPARE_LAYOUTS`), ECC bytes filled with a
 *   checksum (not a real ECC: the reader corrects nothing).
 *
 * Nothing is ever erased (no compaction), so every stale copy written is still there, and
 * `checkpoint` records the logical → physical map of each earlier state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPARE_LAYOUTS, type SpareLayout, type SpareLayoutName } from '@hivetool/media';
import { makeFatImage, type FatBits, type FatImage } from './fatImages.js';
import { prng } from './random.js';

/** Page states of the ground truth. */
export const PAGE_FREE = 0;
export const PAGE_MAPPED = 1;
export const PAGE_STALE = 2;
export const PAGE_INCOMPLETE = 3;
export const PAGE_BAD = 4;
export const PAGE_RESERVED = 5;
export const PAGE_READONLY = 6;

/** Spare bytes each preset's FMD fills with ECC (flash guide §3). */
const ECC_BYTES: Record<SpareLayoutName, [number, number]> = {
  ms16: [8, 16],
  'samsung-sb': [8, 12],
  'samsung-lb': [8, 28],
  'ti-bch8': [2, 54],
};

/** Geometry per preset: the page and spare sizes its FMD was written for. */
export const PRESET_GEOMETRY: Record<SpareLayoutName, { pageSize: number; spareSize: number; pagesPerBlock: number }> = {
  ms16: { pageSize: 512, spareSize: 16, pagesPerBlock: 32 },
  'samsung-sb': { pageSize: 512, spareSize: 16, pagesPerBlock: 32 },
  'samsung-lb': { pageSize: 2048, spareSize: 64, pagesPerBlock: 64 },
  'ti-bch8': { pageSize: 2048, spareSize: 64, pagesPerBlock: 64 },
};

export interface NandSimulatorOptions {
  layout: SpareLayoutName | SpareLayout;
  pageSize: number;
  spareSize: number;
  pagesPerBlock: number;
  blocks: number;
  seed: number;
  /** Blocks at the start marked reserved (default 2); block 0 page 1 holds MSFLSH50 when ≥ 1. */
  reservedBlocks?: number;
  /** Blocks marked bad at random (default 1). */
  badBlocks?: number;
  /** The logical sectors the MSFLSH50 region gives (default: the usable pages, in whole blocks). */
  logicalSectors?: number;
}

export interface NandWrite {
  sector: number;
  page: number;
  generation: number;
}

export interface NandState {
  label: string;
  /** Logical sector → physical page (-1 unmapped) in that state. */
  map: Int32Array;
  /** The write generation the state was recorded after. */
  generation: number;
}

export class NandSimulator {
  readonly image: Uint8Array;
  readonly layout: SpareLayout;
  readonly pageSize: number;
  readonly spareSize: number;
  readonly pagesPerBlock: number;
  readonly blocks: number;
  readonly pages: number;
  /** Ground truth per physical page. */
  readonly logicalOf: Int32Array;
  readonly generationOf: Int32Array;
  readonly stateOf: Uint8Array;
  /** The FAL's map (what a reader must rebuild): logical sector → physical page, -1 unmapped. */
  readonly map: Int32Array;
  readonly writes: NandWrite[] = [];
  readonly states: NandState[] = [];
  /** Pairs left by writes cut after step 2, and the page the FAL keeps. */
  readonly duplicates: { sector: number; pages: [number, number]; winner: number }[] = [];
  readonly incomplete: { sector: number; page: number }[] = [];
  readonly badBlockList: number[] = [];
  readonly reservedBlocks: number;
  readonly readOnlyBlocks: number[] = [];
  private readonly physical: number;
  private readonly next: Int32Array;
  /** Blocks never written yet, and the blocks writes go to. */
  private readonly usable: number[] = [];
  private readonly open: number[] = [];
  private readonly random: () => number;
  private generation = 0;
  private readonly eccRange: [number, number] | undefined;

  constructor(options: NandSimulatorOptions) {
    this.layout = typeof options.layout === 'string' ? SPARE_LAYOUTS[options.layout] : options.layout;
    this.eccRange = typeof options.layout === 'string' ? ECC_BYTES[options.layout] : undefined;
    this.pageSize = options.pageSize;
    this.spareSize = options.spareSize;
    this.pagesPerBlock = options.pagesPerBlock;
    this.blocks = options.blocks;
    this.pages = this.blocks * this.pagesPerBlock;
    this.physical = this.pageSize + this.spareSize;
    this.image = new Uint8Array(this.pages * this.physical).fill(0xff);
    this.logicalOf = new Int32Array(this.pages).fill(-1);
    this.generationOf = new Int32Array(this.pages).fill(-1);
    this.stateOf = new Uint8Array(this.pages);
    this.map = new Int32Array(this.pages).fill(-1);
    this.next = new Int32Array(this.blocks);
    this.random = prng(options.seed);
    this.reservedBlocks = options.reservedBlocks ?? 2;
    for (let block = 0; block < this.reservedBlocks; block++) this.markReserved(block);
    const candidates: number[] = [];
    for (let block = this.reservedBlocks; block < this.blocks; block++) candidates.push(block);
    for (let n = 0; n < (options.badBlocks ?? 1) && candidates.length > 0; n++) {
      const block = candidates.splice(Math.floor(this.random() * candidates.length), 1)[0]!;
      this.markBad(block);
    }
    this.usable = candidates;
    if (this.reservedBlocks > 0) {
      this.writeLayoutSector(options.logicalSectors ?? candidates.length * this.pagesPerBlock);
    }
  }

  private spareAt(page: number): number {
    return page * this.physical + this.pageSize;
  }

  private setSector(page: number, sector: number): void {
    const at = this.spareAt(page) + this.layout.sector;
    this.image[at] = sector & 0xff;
    this.image[at + 1] = (sector >>> 8) & 0xff;
    this.image[at + 2] = (sector >>> 16) & 0xff;
    this.image[at + 3] = (sector >>> 24) & 0xff;
  }

  /** NAND programming only clears bits: the status word is ANDed. */
  private clearStatus(page: number, bits: number): void {
    const at = this.spareAt(page) + this.layout.status;
    this.image[at] = this.image[at]! & ~bits & 0xff;
    this.image[at + 1] = this.image[at + 1]! & (~bits >>> 8) & 0xff;
  }

  private fillEcc(page: number): void {
    if (this.eccRange === undefined) return;
    const [from, to] = this.eccRange;
    const data = this.image.subarray(page * this.physical, page * this.physical + this.pageSize);
    const spare = this.spareAt(page);
    for (let i = from; i < to; i++) {
      let sum = (i * 0x9d + page) & 0xff;
      for (let j = i - from; j < data.length; j += to - from) sum = (sum * 31 + data[j]!) & 0xff;
      this.image[spare + i] = sum;
    }
  }

  private markReserved(block: number): void {
    for (let p = 0; p < this.pagesPerBlock; p++) {
      const page = block * this.pagesPerBlock + p;
      // A boot loader's pages: a plausible SectorInfo, which a reader must not map.
      this.setSector(page, p);
      this.clearStatus(page, 0x0006);
      this.image[this.spareAt(page) + this.layout.oem] = 0xff & ~0x01;
      for (let i = 0; i < this.pageSize; i++) this.image[page * this.physical + i] = (i * 7 + p) & 0xff;
      this.stateOf[page] = PAGE_RESERVED;
    }
  }

  private markBad(block: number): void {
    this.badBlockList.push(block);
    for (let p = 0; p < this.pagesPerBlock; p++) {
      const page = block * this.pagesPerBlock + p;
      for (let i = 0; i < this.pageSize; i++) this.image[page * this.physical + i] = Math.floor(this.random() * 256);
      // Pages that look valid and claim low logical sectors: only the bad-block mark says to skip them.
      this.setSector(page, p);
      this.clearStatus(page, 0x0006);
      this.stateOf[page] = PAGE_BAD;
    }
    for (const offset of this.layout.bad) this.image[this.spareAt(block * this.pagesPerBlock) + offset] = 0x00;
  }

  /** MSFLSH50 on block 0 page 1 (page 0 would hold an MBR): the reserved blocks and one FILESYS region. */
  private writeLayoutSector(logicalSectors: number): void {
    const at = 1 * this.physical;
    const view = new DataView(this.image.buffer, this.image.byteOffset + at, this.pageSize);
    this.image.fill(0xff, at, at + this.pageSize);
    new TextEncoder().encode('MSFLSH50').forEach((byte, i) => (this.image[at + i] = byte));
    view.setUint32(8, 16, true);
    view.setUint32(12, 28, true);
    this.image.fill(0, at + 16, at + 24);
    new TextEncoder().encode('BOOT').forEach((byte, i) => (this.image[at + 16 + i] = byte));
    view.setUint32(24, 0, true);
    view.setUint32(28, this.reservedBlocks, true);
    const region = [2, this.reservedBlocks, this.blocks - this.reservedBlocks, Math.ceil(logicalSectors / this.pagesPerBlock), this.pagesPerBlock, this.pagesPerBlock * this.pageSize, 2];
    region.forEach((value, i) => view.setUint32(32 + i * 4, value, true));
  }

  /**
   * The next page of one of a few open blocks, picked at random; a full block is closed
   * and a fresh one, picked at random, opened. Untouched blocks stay erased.
   */
  private allocate(): number {
    while (this.open.length < 4 && this.usable.length > 0) this.open.push(this.usable.splice(Math.floor(this.random() * this.usable.length), 1)[0]!);
    if (this.open.length === 0) throw new Error('the simulated NAND is full (no compaction is simulated): give it more blocks');
    const index = Math.floor(this.random() * this.open.length);
    const block = this.open[index]!;
    const page = block * this.pagesPerBlock + this.next[block]!++;
    if (this.next[block]! >= this.pagesPerBlock) this.open.splice(index, 1);
    return page;
  }

  /**
   * Writes a logical sector in the FAL's three steps; `stopAfter` cuts the write after
   * step 1 or 2. Returns the physical page written.
   */
  writeSector(sector: number, data: Uint8Array, stopAfter?: 1 | 2): number {
    const page = this.allocate();
    this.generation++;
    // Step 1: the spare alone, all 0xFF but the logical sector, write-in-progress cleared.
    this.setSector(page, sector);
    this.clearStatus(page, 0x0002);
    this.logicalOf[page] = sector;
    this.generationOf[page] = this.generation;
    if (stopAfter === 1) {
      this.stateOf[page] = PAGE_INCOMPLETE;
      this.incomplete.push({ sector, page });
      return page;
    }
    // Step 2: the data with the spare, write-completed cleared.
    this.image.set(data.subarray(0, this.pageSize), page * this.physical);
    this.clearStatus(page, 0x0004);
    this.fillEcc(page);
    this.writes.push({ sector, page, generation: this.generation });
    const old = this.map[sector]!;
    if (stopAfter === 2 && old >= 0) {
      // Two valid copies: the FAL keeps the later physical page and marks the other dirty.
      const winner = Math.max(old, page);
      this.duplicates.push({ sector, pages: [old, page], winner });
      this.stateOf[page] = PAGE_MAPPED;
      this.stateOf[Math.min(old, page)] = PAGE_STALE;
      this.map[sector] = winner;
      return page;
    }
    // Step 3: the old copy marked dirty.
    if (old >= 0) this.markDirty(old);
    this.map[sector] = page;
    this.stateOf[page] = PAGE_MAPPED;
    return page;
  }

  private markDirty(page: number): void {
    this.clearStatus(page, 0x0001);
    this.stateOf[page] = PAGE_STALE;
  }

  /** The file system freed the sector: its page is marked dirty, the sector unmapped. */
  freeSector(sector: number): void {
    const page = this.map[sector]!;
    if (page < 0) return;
    this.markDirty(page);
    this.map[sector] = -1;
  }

  /** A whole free block written read-only, mapped from page 0's logical sector. */
  writeReadOnlyBlock(firstSector: number, data: Uint8Array): number {
    const index = this.usable.length - 1;
    if (index < 0) throw new Error('no free block for a read-only block');
    const block = this.usable.splice(index, 1)[0]!;
    this.readOnlyBlocks.push(block);
    for (let p = 0; p < this.pagesPerBlock; p++) {
      const page = block * this.pagesPerBlock + p;
      this.image.set(data.subarray(p * this.pageSize, (p + 1) * this.pageSize), page * this.physical);
      this.setSector(page, firstSector + p);
      this.clearStatus(page, 0x0006);
      this.image[this.spareAt(page) + this.layout.oem] = 0xff & ~0x02;
      this.fillEcc(page);
      this.logicalOf[page] = firstSector + p;
      this.stateOf[page] = PAGE_READONLY;
      this.map[firstSector + p] = page;
    }
    this.next[block] = this.pagesPerBlock;
    return block;
  }

  /** Records the current logical → physical map under a label (an earlier state). */
  checkpoint(label: string): void {
    this.states.push({ label, map: this.map.slice(), generation: this.generation });
  }

  /** The logical bytes of a map (the current one by default): what a reader must rebuild. */
  logicalBytes(map: Int32Array = this.map, sectors = this.highestSector(map) + 1): Uint8Array {
    const out = new Uint8Array(sectors * this.pageSize);
    for (let s = 0; s < sectors; s++) {
      const page = map[s]!;
      if (page >= 0) out.set(this.image.subarray(page * this.physical, page * this.physical + this.pageSize), s * this.pageSize);
    }
    return out;
  }

  private highestSector(map: Int32Array): number {
    for (let s = map.length - 1; s >= 0; s--) if (map[s]! >= 0) return s;
    return -1;
  }

  /** Stale pages (dirty, or a duplicate's loser), in physical order. */
  stalePages(): number[] {
    const out: number[] = [];
    for (let page = 0; page < this.pages; page++) if (this.stateOf[page] === PAGE_STALE) out.push(page);
    return out;
  }
}

/** The boot sector's values the generator needs to tell allocated clusters. */
interface FatFacts {
  bytesPerSector: number;
  clusterBytes: number;
  dataStart: number;
  clusters: number;
  /** A cluster's entry in FAT0 of the image the facts were read from. */
  entry: (cluster: number) => number;
}

function fatFacts(bytes: Uint8Array): FatFacts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bytesPerSector = view.getUint16(0x0b, true);
  const sectorsPerCluster = bytes[0x0d]!;
  const reserved = view.getUint16(0x0e, true);
  const fats = bytes[0x10]! || 2;
  const rootEntries = view.getUint16(0x11, true);
  const sectorsPerFat = view.getUint16(0x16, true) || view.getUint32(0x24, true);
  const totalSectors = view.getUint16(0x13, true) || view.getUint32(0x20, true);
  const dataStart = (reserved + fats * sectorsPerFat + Math.ceil((rootEntries * 32) / bytesPerSector)) * bytesPerSector;
  const clusterBytes = bytesPerSector * sectorsPerCluster;
  const clusters = Math.floor((totalSectors * bytesPerSector - dataStart) / clusterBytes);
  const bits = rootEntries === 0 ? 32 : clusters < 4085 ? 12 : 16;
  const fat = reserved * bytesPerSector;
  const v = view;
  const entry = (cluster: number): number => {
    if (bits === 32) return v.getUint32(fat + cluster * 4, true) & 0x0fffffff;
    if (bits === 16) return v.getUint16(fat + cluster * 2, true);
    const pair = v.getUint16(fat + cluster + (cluster >>> 1), true);
    return cluster & 1 ? pair >>> 4 : pair & 0xfff;
  };
  return { bytesPerSector, clusterBytes, dataStart, clusters, entry };
}

/** For each FAL sector: whether every cluster under it is allocated (1), free (0), or it lies outside the data region (2). */
function allocation(bytes: Uint8Array, pageSize: number): Uint8Array {
  const facts = fatFacts(bytes);
  const sectors = Math.ceil(bytes.length / pageSize);
  const out = new Uint8Array(sectors).fill(2);
  for (let s = 0; s < sectors; s++) {
    const start = s * pageSize;
    if (start < facts.dataStart) continue;
    let any = false;
    for (let at = start; at < start + pageSize && at < bytes.length; at += Math.min(pageSize, facts.clusterBytes)) {
      const cluster = 2 + Math.floor((at - facts.dataStart) / facts.clusterBytes);
      if (cluster - 2 < facts.clusters && facts.entry(cluster) !== 0) any = true;
    }
    out[s] = any ? 1 : 0;
  }
  return out;
}

/** One step of a logical volume's history: its bytes after the step. */
export interface VolumeStep {
  label: string;
  bytes: Uint8Array;
}

export interface NandImage {
  nand: NandSimulator;
  layout: SpareLayoutName;
  pageSize: number;
  spareSize: number;
  pagesPerBlock: number;
  /** The volume's steps as written. */
  steps: string[];
}

export interface LayOptions {
  layout: SpareLayoutName;
  seed: number;
  pageSize?: number;
  spareSize?: number;
  pagesPerBlock?: number;
  /** A cut write after step 1 and one after step 2 at the end (default true). */
  cuts?: boolean;
}

/**
 * Lays a FAT volume's history on a simulated NAND: the first state written whole (a
 * flashed image); then, step by step, the sectors whose clusters the step freed are
 * marked dirty, and the sectors that changed (or were allocated again) rewritten. At the
 * end (with `cuts`): the boot sector rewritten with its boot code changed and the write
 * cut after step 2 (a duplicate pair), and a data sector's rewrite cut after step 1.
 */
export function layVolumeOnNand(history: VolumeStep[], options: LayOptions): NandImage {
  const geometry = { ...PRESET_GEOMETRY[options.layout] };
  if (options.pageSize !== undefined) geometry.pageSize = options.pageSize;
  if (options.spareSize !== undefined) geometry.spareSize = options.spareSize;
  if (options.pagesPerBlock !== undefined) geometry.pagesPerBlock = options.pagesPerBlock;
  const { pageSize, pagesPerBlock } = geometry;
  const first = history[0]!.bytes;
  const sectors = Math.ceil(first.length / pageSize);
  const sectorOf = (bytes: Uint8Array, s: number): Uint8Array => {
    const out = new Uint8Array(pageSize);
    out.set(bytes.subarray(s * pageSize, Math.min(bytes.length, (s + 1) * pageSize)));
    return out;
  };
  const same = (a: Uint8Array, b: Uint8Array, s: number): boolean => Buffer.compare(a.subarray(s * pageSize, (s + 1) * pageSize), b.subarray(s * pageSize, (s + 1) * pageSize)) === 0;
  // Plan first, to size the chip.
  type Op = { kind: 'write'; sector: number; data: Uint8Array } | { kind: 'free'; sector: number } | { kind: 'checkpoint'; label: string };
  const ops: Op[] = [];
  for (let s = 0; s < sectors; s++) ops.push({ kind: 'write', sector: s, data: sectorOf(first, s) });
  ops.push({ kind: 'checkpoint', label: history[0]!.label });
  const mapped = new Uint8Array(sectors).fill(1);
  for (let i = 1; i < history.length; i++) {
    const before = history[i - 1]!.bytes;
    const after = history[i]!.bytes;
    const was = allocation(before, pageSize);
    const now = allocation(after, pageSize);
    for (let s = 0; s < sectors; s++) {
      if (was[s] === 1 && now[s] === 0) {
        if (mapped[s] === 1) ops.push({ kind: 'free', sector: s });
        mapped[s] = 0;
      } else if (!same(before, after, s) || (mapped[s] === 0 && now[s] === 1)) {
        ops.push({ kind: 'write', sector: s, data: sectorOf(after, s) });
        mapped[s] = 1;
      }
    }
    ops.push({ kind: 'checkpoint', label: history[i]!.label });
  }
  const writes = ops.filter((op) => op.kind === 'write').length + 2;
  const reservedBlocks = 2;
  const blocks = reservedBlocks + 1 + Math.ceil((writes * 1.25) / pagesPerBlock) + 2;
  const nand = new NandSimulator({ layout: options.layout, ...geometry, blocks, seed: options.seed, reservedBlocks, badBlocks: 1, logicalSectors: sectors });
  for (const op of ops) {
    if (op.kind === 'write') nand.writeSector(op.sector, op.data);
    else if (op.kind === 'free') nand.freeSector(op.sector);
    else nand.checkpoint(op.label);
  }
  if (options.cuts !== false) {
    const last = history[history.length - 1]!.bytes;
    const boot = sectorOf(last, 0);
    // Boot code bytes (0x5A–0x1FD on FAT32, 0x3E–0x1FD on FAT12/16) are not read by any layer.
    boot[0x100] = boot[0x100]! ^ 0x5a;
    nand.writeSector(0, boot, 2);
    const facts = fatFacts(last);
    const dataSector = Math.ceil(facts.dataStart / pageSize) + 1;
    nand.writeSector(dataSector, new Uint8Array(pageSize).fill(0xa5), 1);
  }
  return { nand, layout: options.layout, ...geometry, steps: history.map((step) => step.label) };
}

export interface FatNandImage extends NandImage {
  /** The NAND dump written to disk. */
  path: string;
  fat: FatImage;
}

/**
 * A FAT volume made with the real tools (`makeFatImage`: corpus hives, fragmented,
 * rewritten, deleted), its every step laid on a simulated NAND with `layout`, and the
 * dump written to `dir`. Needs mkfs.fat and mtools (`describeFatTools`).
 */
export function makeFatNandImage(dir: string, bits: FatBits, layout: SpareLayoutName, seed = 1): FatNandImage {
  mkdirSync(dir, { recursive: true });
  const history: VolumeStep[] = [];
  const fat = makeFatImage(dir, bits, bits, (label, bytes) => history.push({ label, bytes }));
  const image = layVolumeOnNand(history, { layout, seed });
  const path = join(dir, `nand-${layout}-fat${bits}.bin`);
  writeFileSync(path, image.nand.image);
  return { ...image, path, fat };
}
