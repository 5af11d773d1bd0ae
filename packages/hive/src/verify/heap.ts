/** verify, format guide §5: the heap tiles from 0x5000 to the end of the hive. */
import * as Layout from '../layout.js';
import { blockTypeName } from '../layout.js';
import * as Blocks from '../heap.js';
import type { HeapStop } from '../heap.js';
import { KNOWN_KEY_FLAGS, KeyField, ValueField } from '../recordFields.js';
import { SECTION_TABLE_SIZE_TYPE } from '../sections.js';
import { HeapMark, RecordKind, type Context, type Heap, type TiledIds } from './context.js';
import { hex, type Findings } from './findings.js';

/**
 * Heap tiling (§5): blocks from 0x5000 to EOF with no gap. On the way, each block's id is
 * noted (`TiledIds`: the first block of each id, each section's table), so that the slot
 * checks can confirm a slot by one look-up instead of a map of the whole heap; with
 * `records`, each key and value block is also checked as `checkRecords` would, so that a
 * hive whose records are all regular is not read a second time for them.
 */
export function tileHeap(ctx: Context, sectionCount: number, records: boolean): Heap {
  const { bytes, view, words, length, findings, report, census } = ctx;
  // Locals, not imported bindings, in the loop below (see `RecordKind` in context.ts).
  const { BLOCK_HEADER_SIZE, BlockType, HEAP_OFFSET, SLOTS_PER_SECTION } = Layout;
  const { ALLOCATED_SIZE_MASK, FREE_BIT } = Blocks;
  const { KEY, VALUE, ROOTS, OTHER } = RecordKind;
  const KEY_TYPE = BlockType.KEY;
  const VALUE_TYPE = BlockType.VALUE;
  const ROOTS_TYPE = BlockType.ROOTS;
  const TABLE_SIZE_TYPE = SECTION_TABLE_SIZE_TYPE;
  const KEY_NAME = KeyField.name;
  const VALUE_NAME = ValueField.name;
  const UNKNOWN_KEY_FLAGS = ~KNOWN_KEY_FLAGS & 0xffff;
  const idCount = sectionCount * SLOTS_PER_SECTION;
  const blockOf = new Uint32Array(idCount);
  const kindOf = new Uint8Array(idCount);
  const tableAt = new Uint32Array(sectionCount);
  let recordsRegular = records;
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
        foreignBlock(findings, offset, type);
      }
      const id = words[(offset + 8) >>> 2]!;
      if (sizeType === TABLE_SIZE_TYPE) {
        if (id < sectionCount && tableAt[id] === 0) tableAt[id] = offset;
      } else if (id < idCount && blockOf[id] === 0) {
        blockOf[id] = offset;
        kindOf[id] = type === KEY_TYPE ? KEY : type === VALUE_TYPE ? VALUE : type === ROOTS_TYPE ? ROOTS : OTHER;
        // The checks of `checkRecords` (records.ts), spelled inline: a record that is not
        // regular (too small, a name or data past its block, slack, unknown bits) sends the
        // records to `checkRecords`, which reports them.
        if (recordsRegular) {
          const at = offset + BLOCK_HEADER_SIZE;
          if (type === KEY_TYPE) {
            if (size < KEY_NAME) recordsRegular = false;
            else {
              const nameLength = bytes[at + 12]!;
              const flags = bytes[at + 14]! | (bytes[at + 15]! << 8);
              // Fits, with no slack: the block is the fields padded to 4.
              if (size !== ((KEY_NAME + 2 * nameLength + 3) & ~3) || (flags & UNKNOWN_KEY_FLAGS) !== 0 || bytes[at + 13] !== 0) recordsRegular = false;
            }
          } else if (type === VALUE_TYPE) {
            if (size < VALUE_NAME) recordsRegular = false;
            else {
              const nameEnd = VALUE_NAME + 2 * bytes[at + 8]!;
              const dataEnd = nameEnd + (bytes[at + 6]! | (bytes[at + 7]! << 8));
              if (dataEnd > size || size > ((dataEnd + 2 + 3) & ~3) || bytes[at + 9] !== 0) recordsRegular = false;
            }
          }
        }
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

  const ids: TiledIds = { blockOf, kindOf, tableAt, recordsRegular };
  return { tiled, tiledEnd, allocated, ids };
}

/**
 * Per 4-byte heap word of the tiled part: ALLOCATED or FREE_BLOCK where a block starts, 0
 * elsewhere (the map the slot checks of a damaged hive use). The same walk as `tileHeap`'s,
 * up to where it stopped.
 */
export function blockMap(ctx: Context, heap: Heap): Uint8Array {
  const { words, length } = ctx;
  const { ALLOCATED, FREE_BLOCK } = HeapMark;
  const { BLOCK_HEADER_SIZE, HEAP_OFFSET } = Layout;
  const { ALLOCATED_SIZE_MASK, FREE_BIT } = Blocks;
  const blockAt = new Uint8Array(((length - HEAP_OFFSET) >>> 2) + 1);
  for (let offset = HEAP_OFFSET; offset < heap.tiledEnd; ) {
    const sizeType = words[offset >>> 2]!;
    const free = (sizeType & FREE_BIT) !== 0;
    blockAt[(offset - HEAP_OFFSET) >>> 2] = free ? FREE_BLOCK : ALLOCATED;
    offset += BLOCK_HEADER_SIZE + (free ? (sizeType & ~FREE_BIT) >>> 0 : sizeType & ALLOCATED_SIZE_MASK);
  }
  return blockAt;
}

/**
 * A note made in a function of its own: a closure in the tiling's loop that captured the
 * loop's variables would make them live in a heap-allocated context, one per block.
 */
function foreignBlock(findings: Findings, offset: number, type: number): void {
  findings.addGrouped('warning', 'FOREIGN_BLOCK_TYPE', offset, (n) => `${n} block(s) of types the registry does not use (first: ${blockTypeName(type)} at ${hex(offset)}); object-store database types never appeared in a hive`);
}
