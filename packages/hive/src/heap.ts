/**
 * The heap (format guide §5): blocks from 0x5000 to the end of the hive, each a 12-byte
 * header (sizeType, zero, id) and a payload. Pure functions over the header words; the one
 * loop that steps from block to block, used by the reader, `verifyHive`, the lossless
 * split, the statistics and the raw dump.
 */
import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, HEAP_OFFSET } from './layout.js';

/** Whether a block is free: bit 0 of sizeType. */
export function isFreeBlock(sizeType: number): boolean {
  return (sizeType & 1) !== 0;
}

/**
 * Payload size of a block: a free block's sizeType is its size with bit 0 set; an
 * allocated block's holds the type in bits 28–31 and the size below.
 */
export function blockSize(sizeType: number): number {
  return (sizeType & 1) !== 0 ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff;
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
 * Steps through the heap from 0x5000 to `end`, calling `visit(offset, sizeType, size)` for
 * each block that fits, and returns where the walk stopped: at `end` with no problem, or
 * at the first block that cannot be followed. Never throws; `read32` reads the u32 at a
 * file offset (a DataView or the Uint32Array of `verifyHive`).
 */
export function stepBlocks(read32: (offset: number) => number, end: number, visit: (offset: number, sizeType: number, size: number) => void, checkAlignment = false): { end: number; stop: HeapStop | undefined } {
  let offset = HEAP_OFFSET;
  while (offset < end) {
    if (offset + BLOCK_HEADER_SIZE > end) return { end: offset, stop: { code: 'HEAP_CUT', offset, sizeType: 0, size: 0 } };
    const sizeType = read32(offset);
    const size = blockSize(sizeType);
    if (checkAlignment && size % 4 !== 0) return { end: offset, stop: { code: 'BLOCK_SIZE_UNALIGNED', offset, sizeType, size } };
    if (offset + BLOCK_HEADER_SIZE + size > end) return { end: offset, stop: { code: 'BLOCK_PAST_EOF', offset, sizeType, size } };
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
  const { stop } = stepBlocks(
    (offset) => view.getUint32(offset, true),
    bytes.length,
    (offset, sizeType, size) => {
      block.offset = offset;
      block.free = isFreeBlock(sizeType);
      block.type = blockTypeOf(sizeType);
      block.size = size;
      block.zero = view.getUint32(offset + 4, true);
      block.id = view.getUint32(offset + 8, true);
      visit(block);
    },
  );
  if (stop !== undefined) throw heapStopError(stop, bytes.length);
}
