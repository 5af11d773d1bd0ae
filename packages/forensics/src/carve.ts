import { detectKind, hexBytes, verifyHive, type HiveKind } from '@hivetool/hive';
import { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, HEAP_OFFSET, HIVE_MAGIC, HeaderOffset, MAX_SECTIONS, PAGE_SIZE, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION } from '@hivetool/hive/layout';
import { findHeaderCandidates } from './scan.js';
import type { ByteSource } from './source.js';

/**
 * `rom` / `persistent`: a hive, its kind from the roots record (store nibble of its
 * references). `combined`: a hive found in a RAM region, system and user data in one
 * (format guide §10). `object-store`: the RAM object store's header, which shares the
 * hive's version and magic but not its heap. `unknown`: too little was left to tell.
 */
export type CarvedKind = HiveKind | 'combined' | 'object-store' | 'unknown';

/**
 * `hive`: validated and whole. `truncated`: validated as far as the image goes, cut by its
 * end. `damaged`: has a hive's header but fails validation (`reason` says where).
 * `object-store`: an object store header, not a hive. `restore-record`: the copy of a
 * hive's header page in a restore record after its heap end (format guide §3a: a flush
 * appends `{u32 fileOffset; page}` records there, usually starting with page 0, and the
 * tail is not cut off afterwards), not a hive of its own.
 */
export type CarveStatus = 'hive' | 'truncated' | 'damaged' | 'object-store' | 'restore-record';

export interface CarvedHive {
  /** Offset of the header in the source scanned (plus `CarveOptions.offsetBase`). */
  offset: number;
  /** Bytes of it present in the image: what a carver writes (0 for an object store). */
  length: number;
  /** Bytes its own structure claims: the heap end (`restoreStart`, format guide §3a) or where the heap walk ended. */
  extent: number;
  status: CarveStatus;
  kind: CarvedKind;
  /** Why it is truncated or damaged. */
  reason: string | undefined;
  /** ROM signature, 32 hex digits (format guide §3). */
  romSignature: string;
  sections: number;
  keys: number;
  values: number;
  freeBlocks: number;
  /** Errors and warnings `verifyHive` finds in a whole hive; null when not verified (truncated, damaged, object store). */
  verify: { errors: number; warnings: number } | null;
  /** The hive's bytes as found (hives, truncated and damaged ones); undefined for an object store. */
  bytes: Uint8Array | undefined;
  /** Page size of its restore records: the low 16 bits of restoreSize, 4096 when 0 (format guide §3a). */
  restorePageSize: number;
}

export interface CarveOptions {
  /** Bytes scanned per read of the image (default 16 MiB); memory use follows it. */
  windowSize?: number;
  /** Added to every reported offset (the region's place in the file when scanning a part of it). */
  offsetBase?: number;
  /** Report every hive found as this kind (`combined` for a RAM region). */
  kind?: 'combined';
  /** Run `verifyHive` on each whole hive (default true). */
  verify?: boolean;
  /** Largest extent believed (default 1 GiB: slot offsets have 28 bits, format guide §6). */
  maxExtent?: number;
  /** Called after each window with the bytes scanned so far. */
  onProgress?: (scanned: number, total: number) => void;
  /**
   * Read the bytes of damaged candidates into `bytes` (default true). A carver that does
   * not keep them passes false: a damaged header may claim a heap of up to `maxExtent`,
   * and a flood of crafted headers would otherwise read that much for each.
   */
  damagedBytes?: boolean;
}

const DEFAULT_WINDOW = 16 * 1024 * 1024;
const DEFAULT_MAX_EXTENT = 1024 * 1024 * 1024;
/** Header, directory and the first section table: the least a hive holds. */
const MINIMUM_HIVE = HEAP_OFFSET + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD;
const SECTION_TABLE_HEADER = ((BlockType.SECTION_TABLE << 28) | SECTION_TABLE_PAYLOAD) >>> 0;
/** Block types of format guide §5 (hive and object-store database types). */
const KNOWN_TYPES = new Set<number>([0x2, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe]);
const WALK_CHUNK = 1024 * 1024;
/**
 * Hives found whose restore area a later candidate is checked against (the last ones
 * found): a restore area follows its own hive's heap, so older hives are rarely the
 * owner, and the list stays bounded however many hives an image holds.
 */
const TRACKED_HIVES = 256;

/** What the restore-record check needs of a hive found: where its heap ends, its page size. */
interface TrackedHive {
  offset: number;
  extent: number;
  restorePageSize: number;
}

/** The bytes of the window being scanned, which a candidate's header is read from when it lies inside. */
interface Window {
  start: number;
  bytes: Uint8Array;
}

/**
 * Scans `source` for hive headers at every 4-aligned offset, in windows of
 * `windowSize` bytes (each read with the bytes of a hive's header, directory and first
 * section table of overlap, so a header across a window boundary is found and read from
 * the window), and yields what each candidate turns out to be, in offset order, as it is
 * found. Each candidate's extent is found from its own structure, reading past the window
 * as far as it needs. Memory: one window plus the candidate being examined, whatever the
 * number of candidates (a flood of crafted headers included).
 */
export function* carveImage(source: ByteSource, options: CarveOptions = {}): Generator<CarvedHive> {
  const window = Math.max(4096, (options.windowSize ?? DEFAULT_WINDOW) & ~3);
  // The last hives found, whose restore area a later candidate may lie in (no bytes kept).
  const hives: TrackedHive[] = [];
  for (let start = 0; start < source.length; start += window) {
    // The window and the first section table of a candidate at its very end: a header is
    // then read from these bytes, without a read of its own (a flood of crafted headers
    // costs a scan, not a read per candidate).
    const bytes = source.read(start, window + MINIMUM_HIVE);
    for (const offset of findHeaderCandidates(bytes, window)) {
      const found = examineCandidate(source, start + offset, options, { start, bytes });
      // Only what is not a hive by itself (damaged, or cut before its first section table)
      // is taken for a restore record: a whole hive right after another stays a hive.
      if (hives.length > 0 && (found.status === 'damaged' || (found.status === 'truncated' && found.sections === 0))) {
        const owner = restoreAreaOwner(source, start + offset + (options.offsetBase ?? 0), hives, options.offsetBase ?? 0);
        if (owner !== undefined) {
          found.status = 'restore-record';
          found.reason = `copy of the header page in a restore record after the heap of the hive at 0x${owner.offset.toString(16)}`;
          found.bytes = undefined;
          found.length = 0;
        }
      }
      if (found.status === 'hive' || found.status === 'truncated') {
        hives.push({ offset: found.offset, extent: found.extent, restorePageSize: found.restorePageSize });
        if (hives.length > TRACKED_HIVES) hives.shift();
      }
      yield found;
    }
    options.onProgress?.(Math.min(source.length, start + window), source.length);
  }
}

/**
 * The hive whose restore area holds a candidate at `offset`: restore records
 * `{u32 fileOffset; u8 page[pageSize]}` follow the heap end back to back (format guide
 * §3a), so a page-0 copy starts 4 bytes into a record, whose fileOffset is 0.
 */
function restoreAreaOwner(source: ByteSource, offset: number, hives: readonly TrackedHive[], base: number): TrackedHive | undefined {
  if (offset - base < 4) return undefined;
  const before = source.read(offset - base - 4, 4);
  if (before.length !== 4 || before[0]! | before[1]! | before[2]! | before[3]!) return undefined;
  for (let i = hives.length - 1; i >= 0; i--) {
    const hive = hives[i]!;
    const tail = offset - 4 - (hive.offset + hive.extent);
    if (tail < 0) continue;
    const pageSize = hive.restorePageSize;
    if (tail % (4 + pageSize) === 0) return hive;
  }
  return undefined;
}

/** Reads u32s through a cache of one chunk, for walks that must not load a whole claimed extent. */
class Cursor {
  private chunk: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.chunk.buffer);
  private chunkStart = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly base: number,
  ) {}

  /** The u32 at `offset` (from the candidate's start), or undefined past the image's end. */
  u32(offset: number): number | undefined {
    if (offset < this.chunkStart || offset + 4 > this.chunkStart + this.chunk.length) {
      this.chunk = this.source.read(this.base + offset, WALK_CHUNK);
      this.view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
      this.chunkStart = offset;
      if (this.chunk.length < 4) return undefined;
    }
    return this.view.getUint32(offset - this.chunkStart, true);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function isZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

/**
 * Decides what the header candidate at `offset` is: checks the section directory, the
 * section tables, that the heap is tiled by well-formed blocks from 0x5000 to its end,
 * and that used slots point at blocks carrying their ids (format guide §4–§6).
 */
export function examineCandidate(source: ByteSource, offset: number, options: CarveOptions = {}, window?: Window): CarvedHive {
  const available = source.length - offset;
  const maxExtent = options.maxExtent ?? DEFAULT_MAX_EXTENT;
  const keepDamaged = options.damagedBytes ?? true;
  const within = window === undefined ? -1 : offset - window.start;
  // From the window when it holds the whole head (or the image ends inside it): a view, no read.
  const head =
    window !== undefined && within >= 0 && (within + MINIMUM_HIVE <= window.bytes.length || window.start + window.bytes.length >= source.length)
      ? window.bytes.subarray(within, within + MINIMUM_HIVE)
      : source.read(offset, MINIMUM_HIVE);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const result: CarvedHive = {
    offset: offset + (options.offsetBase ?? 0),
    length: 0,
    extent: 0,
    status: 'damaged',
    kind: 'unknown',
    reason: undefined,
    romSignature: head.length >= HeaderOffset.romSignature + 16 ? hexBytes(head.subarray(HeaderOffset.romSignature, HeaderOffset.romSignature + 16)) : '',
    sections: 0,
    keys: 0,
    values: 0,
    freeBlocks: 0,
    verify: null,
    bytes: undefined,
    restorePageSize: PAGE_SIZE,
  };
  if (head.length < MINIMUM_HIVE) {
    // Cut by the end of the image before its first section table. What is there must be
    // what a hive can hold; otherwise this is no hive cut short but a header no hive has.
    if (head.length >= HEAP_OFFSET + BLOCK_HEADER_SIZE) {
      const notHeap = notAHeap(result, head, view, source, offset, keepDamaged);
      if (notHeap !== undefined) return notHeap;
    }
    if (head.length >= HeaderOffset.restoreStart + 4) {
      const restoreStart = view.getUint32(HeaderOffset.restoreStart, true);
      if (!believableEnd(restoreStart, maxExtent)) {
        result.reason = `restoreStart ${hex(restoreStart)} cannot be a heap end (a multiple of ${hex(PAGE_SIZE)} from ${hex(FIRST_HEAP_END)} to ${hex(maxExtent)}), and the image ends after ${head.length} bytes`;
        return damaged(result, source, offset, head.length, keepDamaged);
      }
    }
    const directory = readDirectoryEntries(result, view, head.length);
    if (directory === undefined) return damaged(result, source, offset, head.length, keepDamaged);
    result.status = 'truncated';
    result.reason = `cut by the end of the image after ${head.length} bytes, before its first section table`;
    result.length = head.length;
    result.extent = head.length >= HeaderOffset.restoreStart + 4 ? view.getUint32(HeaderOffset.restoreStart, true) : head.length;
    result.bytes = head.slice();
    return result;
  }

  const notHeap = notAHeap(result, head, view, source, offset, keepDamaged);
  if (notHeap !== undefined) return notHeap;

  // Section directory (§4): entry 0 is section 0; the list ends at the first zero.
  const directory = readDirectoryEntries(result, view, head.length);
  if (directory === undefined) return damaged(result, source, offset, HEAP_OFFSET, keepDamaged);
  result.sections = directory.length;
  const sectionAt = new Map<number, number>(directory.map((relative, index) => [HEAP_OFFSET + relative, index]));

  // The heap ends at restoreStart (§3a); a value that cannot be one is not believed, and
  // the walk then finds the end itself.
  const restoreStart = view.getUint32(HeaderOffset.restoreStart, true);
  result.restorePageSize = view.getUint32(HeaderOffset.restoreSize, true) & 0xffff || PAGE_SIZE;
  const claimed = believableEnd(restoreStart, maxExtent) ? restoreStart : undefined;
  const limit = claimed ?? Math.min(maxExtent, available);
  const cursor = new Cursor(source, offset);
  // One bit per 4 bytes of what the image holds of the heap (not of what it claims).
  const blockStarts = new Uint8Array(Math.ceil(Math.min(limit, available) / 32) + 1);
  let position = HEAP_OFFSET;
  let tablesSeen = 0;
  let cut = false;
  let problem: string | undefined;
  while (position < limit) {
    const sizeType = cursor.u32(position);
    const zero = cursor.u32(position + 4);
    const id = cursor.u32(position + 8);
    if (sizeType === undefined || zero === undefined || id === undefined) {
      cut = true;
      break;
    }
    const free = (sizeType & 1) !== 0;
    const type = sizeType >>> 28;
    const size = free ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff;
    if (size % 4 !== 0 || (!free && (zero !== 0 || !KNOWN_TYPES.has(type)))) {
      problem = `no well-formed heap block at ${hex(position)} (header ${hex(sizeType)} ${hex(zero)} ${hex(id)})`;
      break;
    }
    if (!free && type === BlockType.SECTION_TABLE) {
      if (sectionAt.get(position) !== id || size !== SECTION_TABLE_PAYLOAD) {
        problem = `section table block at ${hex(position)} (id ${id}) is not where the directory puts section ${id}`;
        break;
      }
      tablesSeen++;
    }
    const next = position + BLOCK_HEADER_SIZE + size;
    if (next > limit) {
      problem = `heap block at ${hex(position)} runs past the heap end ${hex(limit)}`;
      break;
    }
    blockStarts[position >>> 5] = blockStarts[position >>> 5]! | (1 << ((position >>> 2) & 7));
    if (free) result.freeBlocks++;
    else if (type === BlockType.KEY) result.keys++;
    else if (type === BlockType.VALUE) result.values++;
    position = next;
  }

  if (claimed === undefined) {
    // Without a believable restoreStart, the walk's end is the extent when it is the
    // page boundary that the final free block makes (format guide §11).
    const reason = `restoreStart ${hex(restoreStart)} is not a page-aligned heap end; the heap walk ended at ${hex(position)}`;
    result.reason = problem === undefined ? reason : `${reason}: ${problem}`;
    return damaged(result, source, offset, Math.max(HEAP_OFFSET, position - (position % PAGE_SIZE)), keepDamaged);
  }
  if (problem !== undefined) {
    result.reason = problem;
    result.extent = claimed;
    return damaged(result, source, offset, claimed, keepDamaged);
  }
  // Cut by the image's end, every section table before the place the walk was cut must
  // have been met: a table the walk stepped over (a free block claiming the rest of a heap
  // of up to 1 GiB jumps past the end of any image) is no hive cut short.
  const expectedTables = cut ? directory.filter((relative) => HEAP_OFFSET + relative < position).length : directory.length;
  if (tablesSeen !== expectedTables) {
    result.reason = `the heap holds ${tablesSeen} of the ${expectedTables} section tables the directory lists${cut ? ` before ${hex(position)}, where the image ends` : ''}`;
    result.extent = claimed;
    return damaged(result, source, offset, claimed, keepDamaged);
  }

  const bytes = source.read(offset, claimed);
  result.extent = claimed;
  result.length = bytes.length;
  result.bytes = bytes;
  const slotProblem = checkSlots(bytes, directory, blockStarts);
  if (slotProblem !== undefined) {
    result.reason = slotProblem;
    result.status = 'damaged';
    return result;
  }
  const bytesView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rootsSlot = bytesView.getUint32(HEAP_OFFSET + BLOCK_HEADER_SIZE, true);
  const rootsOffset = HEAP_OFFSET + (rootsSlot & 0x0ffffffc);
  const refs: number[] = [];
  if ((rootsSlot & 1) !== 0 && rootsOffset + BLOCK_HEADER_SIZE + 32 <= bytes.length && bytesView.getUint32(rootsOffset, true) >>> 28 === BlockType.ROOTS) {
    for (let i = 0; i < 8; i++) refs.push(bytesView.getUint32(rootsOffset + BLOCK_HEADER_SIZE + 4 * i, true));
  } else if (!cut || rootsOffset + BLOCK_HEADER_SIZE + 32 <= bytes.length) {
    result.reason = 'slot 0 of section 0 does not lead to the roots record';
    result.status = 'damaged';
    return result;
  }
  result.kind = options.kind ?? detectKind(refs);
  if (cut || bytes.length < claimed) {
    result.status = 'truncated';
    result.reason = `cut by the end of the image: ${bytes.length} of ${claimed} bytes present`;
    return result;
  }
  result.status = 'hive';
  if (options.verify ?? true) {
    const report = verifyHive(bytes, { kind: detectKind(refs) });
    result.verify = { errors: report.summary.errors, warnings: report.summary.warnings };
  }
  return result;
}

/** A damaged candidate keeps the bytes its structure seemed to cover, as far as the image goes (when `keep`). */
function damaged(result: CarvedHive, source: ByteSource, offset: number, extent: number, keep: boolean): CarvedHive {
  result.status = 'damaged';
  result.extent = extent;
  result.length = Math.max(0, Math.min(extent, source.length - offset));
  result.bytes = keep ? source.read(offset, extent) : undefined;
  return result;
}

/** The least heap end a hive can have: page-aligned, past its first section table. */
const FIRST_HEAP_END = Math.ceil(MINIMUM_HIVE / PAGE_SIZE) * PAGE_SIZE;

/** True when `restoreStart` can be a hive's heap end: a multiple of the page size, past the first section table, at most `maxExtent` (format guide §3a). */
function believableEnd(restoreStart: number, maxExtent: number): boolean {
  return restoreStart % PAGE_SIZE === 0 && restoreStart >= MINIMUM_HIVE && restoreStart <= maxExtent;
}

/**
 * The object store or damaged candidate when the heap does not start with section table 0
 * (the 12 bytes at 0x5000 must be in `head`); undefined when it does. An object store's
 * union (0x00C–0x0D3) holds memory-block descriptors, where a hive keeps a GUID, its
 * signature and zeros (format guide §10); and it has no hive heap.
 */
function notAHeap(result: CarvedHive, head: Uint8Array, view: DataView, source: ByteSource, offset: number, keep: boolean): CarvedHive | undefined {
  const tableHeader = view.getUint32(HEAP_OFFSET, true);
  if (tableHeader === SECTION_TABLE_HEADER && view.getUint32(HEAP_OFFSET + 4, true) === 0 && view.getUint32(HEAP_OFFSET + 8, true) === 0) return undefined;
  if (!isZero(head.subarray(HeaderOffset.unionRest, HeaderOffset.passwordHash))) {
    result.status = 'object-store';
    result.kind = 'object-store';
    result.reason = 'object store header: memory-block descriptors in the header union and no hive heap at 0x5000';
    return result;
  }
  result.reason = `no section table 0 at ${hex(HEAP_OFFSET)} (found block header ${hex(tableHeader)}): not a hive heap`;
  return damaged(result, source, offset, HEAP_OFFSET, keep);
}

/**
 * The section directory's entries present in the first `present` bytes (format guide §4):
 * entry 0 is section 0, the list ends at the first zero, each entry is 4-aligned and
 * after the one before. Undefined (with `result.reason` set) when an entry breaks that.
 */
function readDirectoryEntries(result: CarvedHive, view: DataView, present: number): number[] | undefined {
  const directory: number[] = [0];
  while (directory.length < MAX_SECTIONS && DIRECTORY_OFFSET + 4 * directory.length + 4 <= present) {
    const entry = view.getUint32(DIRECTORY_OFFSET + 4 * directory.length, true);
    if (entry === 0) break;
    if (entry % 4 !== 0 || entry <= directory[directory.length - 1]!) {
      result.reason = `section directory entry ${directory.length} (${hex(entry)}) is not 4-aligned after the one before`;
      return undefined;
    }
    directory.push(entry);
  }
  return directory;
}

/**
 * Every used slot of every section table present must point at a block start the heap
 * walk found, and that block must carry the slot's id (format guide §6).
 */
function checkSlots(bytes: Uint8Array, directory: readonly number[], blockStarts: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let section = 0; section < directory.length; section++) {
    const table = HEAP_OFFSET + directory[section]! + BLOCK_HEADER_SIZE;
    if (table + SECTION_TABLE_PAYLOAD > bytes.length) break; // cut by the image's end
    for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) {
      const value = view.getUint32(table + 4 * slot, true);
      if ((value & 1) === 0) continue;
      const block = HEAP_OFFSET + (value & 0x0ffffffc);
      if (block + BLOCK_HEADER_SIZE > bytes.length) continue;
      const id = section * SLOTS_PER_SECTION + slot;
      if ((blockStarts[block >>> 5]! & (1 << ((block >>> 2) & 7))) === 0) return `slot ${id} points at ${hex(block)}, which is not the start of a heap block`;
      if (view.getUint32(block + 8, true) !== id) return `slot ${id} points at a block carrying id ${view.getUint32(block + 8, true)}`;
    }
  }
  return undefined;
}

/**
 * For a hive cut short (carved from the end of an image): a copy of its bytes padded with
 * zeros to the heap end its header gives (`restoreStart`, format guide §3a), so a reader
 * can open it and read what is there; a walk that reaches the missing part meets zeros,
 * which are no valid block, and stops with an error there. Undefined when the bytes are
 * not a cut hive (whole, no believable heap end, or cut before its first section table).
 */
export function padCutHive(bytes: Uint8Array, maxExtent = DEFAULT_MAX_EXTENT): Uint8Array | undefined {
  // Too short for the first section table: nothing of the tree could be read anyway.
  if (bytes.length < MINIMUM_HIVE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(HeaderOffset.magic2, true) !== HIVE_MAGIC) return undefined;
  const restoreStart = view.getUint32(HeaderOffset.restoreStart, true);
  if (restoreStart <= bytes.length || restoreStart % PAGE_SIZE !== 0 || restoreStart > maxExtent) return undefined;
  const whole = new Uint8Array(restoreStart);
  whole.set(bytes);
  return whole;
}
