/**
 * The heap (format guide §5): blocks from 0x5000 to the end of the hive, each a 12-byte
 * header (sizeType, zero, id) and a payload. Pure functions over the header words; the one
 * loop that steps from block to block, used by the reader, `verifyHive`, the lossless
 * split, the statistics and the raw dump.
 */
import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, HEAP_OFFSET } from './layout.js';

/** Bit 0 of sizeType: the block is free. */
export const FREE_BIT = 1;

/** Whether a block is free: bit 0 of sizeType. */
export function isFreeBlock(sizeType: number): boolean {
  return (sizeType & FREE_BIT) !== 0;
}

/**
 * Payload size of a block: a free block's sizeType is its size with bit 0 set; an
 * allocated block's holds the type in bits 28–31 and the size below.
 */
export function blockSize(sizeType: number): number {
  return (sizeType & FREE_BIT) !== 0 ? (sizeType & ~FREE_BIT) >>> 0 : sizeType & ALLOCATED_SIZE_MASK;
}

/** Bits 0–27 of an allocated block's sizeType: its payload size (bits 28–31: its type). */
export const ALLOCATED_SIZE_MASK = 0x0fffffff;

/** Payload size of a block known to be allocated (a slot's target, checked): bits 0–27. */
export function allocatedBlockSize(sizeType: number): number {
  return sizeType & ALLOCATED_SIZE_MASK;
}

/** Block type of an allocated block (bits 28–31); -1 for a free block. */
export function blockTypeOf(sizeType: number): number {
  return (sizeType & 1) !== 0 ? -1 : sizeType >>> 28;
}

/** Why the walk from block to block stopped before the end of the hive. */
export interface HeapStop {
  /** `HEAP_CUT`: too few bytes left for a block header; `BLOCK_PAST_EOF`: a size runs past the end; `BLOCK_SIZE_UNALIGNED`: a size is no multiple of 4 (checked only when asked). */
  code: 'HEAP_CUT' | 'BLOCK_PAST_EOF' | 'BLOCK_SIZE_UNALIGNED';
  /** File offset of the block header. */
  offset: number;
  /** The block's sizeType (0 for `HEAP_CUT`). */
  sizeType: number;
  /** Payload size the block claims (0 for `HEAP_CUT`). */
  size: number;
}

/**
 * The rules every heap walk applies to step from block to block (format guide §5), as
 * pure functions over numbers: `stepBlocks` below, and the tiling check of `verifyHive`,
 * which keeps its loop inline for speed. A block header must fit before `end`…
 */
export function blockHeaderFits(offset: number, end: number): boolean {
  return offset + BLOCK_HEADER_SIZE <= end;
}

/**
 * …and then the size it claims must end by `end`; with `checkAlignment` it must also be a
 * multiple of 4 (`verifyHive` checks it, readers follow such a size). Returns why the
 * walk cannot step over the block, or undefined.
 */
export function blockSizeStop(offset: number, size: number, end: number, checkAlignment: boolean): 'BLOCK_SIZE_UNALIGNED' | 'BLOCK_PAST_EOF' | undefined {
  if (checkAlignment && size % 4 !== 0) return 'BLOCK_SIZE_UNALIGNED';
  if (offset + BLOCK_HEADER_SIZE + size > end) return 'BLOCK_PAST_EOF';
  return undefined;
}

/**
 * Steps through the heap from 0x5000 to `end` (see `blockHeaderFits`, `blockSizeStop`), calling
 * `visit(offset, sizeType, size)` for each block that fits, and returns where the walk
 * stopped: at `end` with no problem, or at the first block that cannot be followed.
 * Never throws.
 */
export function stepBlocks(read32: (offset: number) => number, end: number, visit: (offset: number, sizeType: number, size: number) => void, checkAlignment = false): { end: number; stop: HeapStop | undefined } {
  let offset = HEAP_OFFSET;
  while (offset < end) {
    if (!blockHeaderFits(offset, end)) return { end: offset, stop: { code: 'HEAP_CUT', offset, sizeType: 0, size: 0 } };
    const sizeType = read32(offset);
    const size = blockSize(sizeType);
    const code = blockSizeStop(offset, size, end, checkAlignment);
    if (code !== undefined) return { end: offset, stop: { code, offset, sizeType, size } };
    visit(offset, sizeType, size);
    // A zero-size free block still advances by its header, so the walk always ends.
    offset += BLOCK_HEADER_SIZE + size;
  }
  return { end: offset, stop: undefined };
}

/** One block of the heap (format guide §5). */
export interface HeapBlock {
  /** File offset of the block header. */
  offset: number;
  free: boolean;
  /** Block type (high nibble of sizeType); -1 for a free block. */
  type: number;
  /** Payload bytes after the 12-byte header. */
  size: number;
  /** The second header word: 0 in allocated blocks. */
  zero: number;
  /** Object id of an allocated block (id field of a free block, as stored). */
  id: number;
}

/** The reader's error for a walk that stopped (see `stepBlocks`). */
export function heapStopError(stop: HeapStop, end: number): HiveFormatError {
  if (stop.code === 'HEAP_CUT') {
    return new HiveFormatError('HEAP_CUT', { what: 'heap block header cut by the end of the file', offset: stop.offset, expected: `${BLOCK_HEADER_SIZE} bytes`, actual: `${end - stop.offset}` });
  }
  if (stop.code === 'BLOCK_SIZE_UNALIGNED') {
    return new HiveFormatError('BLOCK_SIZE_UNALIGNED', { what: 'heap block size is not a multiple of 4', offset: stop.offset, actual: `size ${stop.size}` });
  }
  return new HiveFormatError('BLOCK_PAST_EOF', {
    what: `${isFreeBlock(stop.sizeType) ? 'free' : 'allocated'} heap block size runs past the end of the file`,
    offset: stop.offset,
    expected: `size ≤ ${end - stop.offset - BLOCK_HEADER_SIZE}`,
    actual: `size ${stop.size}`,
  });
}

/**
 * Walks the heap block by block from 0x5000 to EOF, calling `visit` with one reused
 * object (copy what you keep). Checks that every block fits the file; the walk needs
 * each size to find the next block, so a bad size ends it with an error.
 *
 * @throws {HiveFormatError} `BLOCK_PAST_EOF` or `HEAP_CUT` (a partial block header).
 */
export function walkHeap(bytes: Uint8Array, view: DataView, visit: (block: Readonly<HeapBlock>) => void): void {
  const block: HeapBlock = { offset: 0, free: false, type: 0, size: 0, zero: 0, id: 0 };
  const end = bytes.length;
  // The loop of `stepBlocks` and its rules spelled inline, as in verify's tiling: it runs
  // once per block of the file, mostly before the optimising compiler has seen it, where
  // a call per test and per block costs a measurable share (docs/PERFORMANCE.md).
  let offset = HEAP_OFFSET;
  while (offset < end) {
    if (offset + BLOCK_HEADER_SIZE > end) throw heapStopError({ code: 'HEAP_CUT', offset, sizeType: 0, size: 0 }, end);
    const sizeType = view.getUint32(offset, true);
    const free = (sizeType & FREE_BIT) !== 0;
    const size = free ? (sizeType & ~FREE_BIT) >>> 0 : sizeType & ALLOCATED_SIZE_MASK;
    if (offset + BLOCK_HEADER_SIZE + size > end) throw heapStopError({ code: 'BLOCK_PAST_EOF', offset, sizeType, size }, end);
    block.offset = offset;
    block.free = free;
    block.type = free ? -1 : sizeType >>> 28;
    block.size = size;
    block.zero = view.getUint32(offset + 4, true);
    block.id = view.getUint32(offset + 8, true);
    visit(block);
    // A zero-size free block still advances by its header, so the walk always ends.
    offset += BLOCK_HEADER_SIZE + size;
  }
}
