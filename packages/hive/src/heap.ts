import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, HEAP_OFFSET } from './layout.js';

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

/**
 * Walks the heap block by block from 0x5000 to EOF, calling `visit` with one reused
 * object (copy what you keep). Checks that every block fits the file; the walk needs
 * each size to find the next block, so a bad size ends it with an error.
 *
 * @throws {HiveFormatError} `BLOCK_PAST_EOF` or `TRUNCATED` (a partial block header).
 */
export function walkHeap(bytes: Uint8Array, view: DataView, visit: (block: Readonly<HeapBlock>) => void): void {
  const block: HeapBlock = { offset: 0, free: false, type: 0, size: 0, zero: 0, id: 0 };
  const end = bytes.length;
  let offset = HEAP_OFFSET;
  while (offset < end) {
    if (offset + BLOCK_HEADER_SIZE > end) {
      throw new HiveFormatError('TRUNCATED', { what: 'heap block header cut by the end of the file', offset, expected: `${BLOCK_HEADER_SIZE} bytes`, actual: `${end - offset}` });
    }
    const sizeType = view.getUint32(offset, true);
    block.offset = offset;
    block.free = (sizeType & 1) !== 0;
    block.type = block.free ? -1 : sizeType >>> 28;
    block.size = block.free ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff;
    block.zero = view.getUint32(offset + 4, true);
    block.id = view.getUint32(offset + 8, true);
    const next = offset + BLOCK_HEADER_SIZE + block.size;
    if (next > end) {
      throw new HiveFormatError('BLOCK_PAST_EOF', {
        what: `${block.free ? 'free' : 'allocated'} heap block size runs past the end of the file`,
        offset,
        expected: `size ≤ ${end - offset - BLOCK_HEADER_SIZE}`,
        actual: `size ${block.size}`,
      });
    }
    visit(block);
    // A zero-size free block would still advance by its header, so the walk always ends.
    offset = next;
  }
}
