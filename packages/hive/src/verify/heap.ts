/** verify, format guide §5: the heap tiles from 0x5000 to the end of the hive. */
import * as Layout from '../layout.js';
import { blockTypeName } from '../layout.js';
import * as Blocks from '../heap.js';
import type { HeapStop } from '../heap.js';
import { HeapMark, type Context, type Heap } from './context.js';
import { hex } from './findings.js';

/** Heap tiling (§5): blocks from 0x5000 to EOF with no gap; marks where blocks start. */
export function tileHeap(ctx: Context): Heap {
  const { bytes, view, words, length, findings, report, census } = ctx;
  // Locals, not imported bindings, in the loop below (see `RecordKind` in context.ts).
  const { ALLOCATED, FREE_BLOCK } = HeapMark;
  const { BLOCK_HEADER_SIZE, BlockType, HEAP_OFFSET } = Layout;
  const { ALLOCATED_SIZE_MASK, FREE_BIT } = Blocks;
  const heapWords = (length - HEAP_OFFSET) >>> 2;
  const blockAt = new Uint8Array(heapWords + 1);
  let lastFree = false;
  let allocated = 0;
  let offset = HEAP_OFFSET;
  let stop: HeapStop | undefined;
  // The loop of `stepBlocks` and its rules (`blockHeaderFits`, `blockSizeStop`,
  // `isFreeBlock`, `blockSize`) spelled inline with heap.ts's masks: this loop runs once per
  // block of the file, mostly before the optimising compiler has seen it, where a call per
  // test costs verify a measurable share of its time (docs/PERFORMANCE.md).
  while (offset < length) {
    if (offset + BLOCK_HEADER_SIZE > length) {
      stop = { code: 'HEAP_CUT', offset, sizeType: 0, size: 0 };
      break;
    }
    // Words read straight from the table, not through a helper: see above.
    const sizeType = words[offset >>> 2]!;
    const free = (sizeType & FREE_BIT) !== 0;
    const size = free ? (sizeType & ~FREE_BIT) >>> 0 : sizeType & ALLOCATED_SIZE_MASK;
    if (size % 4 !== 0 || offset + BLOCK_HEADER_SIZE + size > length) {
      stop = { code: size % 4 !== 0 ? 'BLOCK_SIZE_UNALIGNED' : 'BLOCK_PAST_EOF', offset, sizeType, size };
      break;
    }
    blockAt[(offset - HEAP_OFFSET) >>> 2] = free ? FREE_BLOCK : ALLOCATED;
    if (free) {
      report.counts.freeBlocks++;
      report.counts.freeBytes += size;
      if (census !== undefined) census.freeBlock(size);
    } else {
      allocated++;
      const type = sizeType >>> 28;
      if (census !== undefined) census.allocatedBlock(bytes, view, offset, type, size);
      if (words[(offset + 4) >>> 2] !== 0) findings.addGrouped('info', 'BLOCK_WORD2_SET', offset + 4, (n) => `${n} allocated block(s) have a non-zero second header word (0 in every sample; kept as stored)`);
      if (type !== BlockType.SECTION_TABLE && type !== BlockType.ROOTS && type !== BlockType.KEY && type !== BlockType.VALUE) {
        findings.addGrouped('warning', 'FOREIGN_BLOCK_TYPE', offset, (n) => `${n} block(s) of types the registry does not use (first: ${blockTypeName(type)} at ${hex(offset)}); object-store database types never appeared in a hive`);
      }
    }
    lastFree = free;
    offset += BLOCK_HEADER_SIZE + size;
  }
  const tiledEnd = offset;
  const tiled = stop === undefined;
  if (census !== undefined) census.complete = tiled;
  if (stop?.code === 'HEAP_CUT') {
    findings.add('error', 'HEAP_CUT', stop.offset, `the last ${length - stop.offset} bytes are too few for a block header: the heap does not end on a block boundary (the file may be cut short)`);
  } else if (stop?.code === 'BLOCK_SIZE_UNALIGNED') {
    findings.add('error', 'BLOCK_SIZE_UNALIGNED', stop.offset, `block size ${stop.size} is not a multiple of 4; the blocks after it cannot be found`);
  } else if (stop !== undefined) {
    findings.add('error', 'BLOCK_PAST_EOF', stop.offset, `the block at ${hex(stop.offset)} claims ${stop.size} bytes, running ${stop.offset + BLOCK_HEADER_SIZE + stop.size - length} bytes past the end of the file; the heap does not tile to EOF`);
  }
  if (tiled && !lastFree) findings.add('info', 'NO_FINAL_FREE_BLOCK', length, 'the heap does not end in a free block, unlike every sample (harmless)');

  return { blockAt, tiled, tiledEnd, allocated };
}
