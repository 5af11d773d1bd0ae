/** verify, format guide §6: section tables, slots, free-slot chains, and blocks no slot claims. */
import * as Layout from '../layout.js';
import { blockSize } from '../heap.js';
import { sectionTableEnd } from '../directory.js';
import { UnknownBitsLog } from '../census.js';
import { NEXT_FREE_MASK, SECTION_TABLE_SIZE_TYPE, SLOT_OFFSET_MASK, SLOT_UNKNOWN_MASK, SLOT_USED, isSectionTable, nextFreeSlot } from '../sections.js';
import { HeapMark, RecordKind, type Context, type Heap, type SlotTable } from './context.js';
import { Findings, hex } from './findings.js';
import { blockMap } from './heap.js';

/** The unknown-bits fields of the statistics' slot counts (`hiveStatistics`). */
const USED_SLOT_BITS = 'slot bits 28-31 (and bit 1)';
const FREE_SLOT_BITS = 'free slot bits outside next-free';

/**
 * Section tables and slots (§6), free-slot chains, and blocks no slot claims. Each slot is
 * first confirmed against the ids the tiling noted (`confirmSlots`); when one is not, the
 * checks run again in full over a map of the heap, and report what is wrong.
 */
export function checkSections(ctx: Context, sections: number[], heap: Heap): SlotTable {
  if (heap.tiled) {
    const confirmed = confirmSlots(ctx, sections, heap);
    if (confirmed !== undefined) return confirmed;
  }
  return checkSlotsInFull(ctx, sections, heap, blockMap(ctx, heap));
}

/**
 * The checks of `checkSlotsInFull` for a hive whose every slot points at the block the
 * tiling found carrying its id, and whose every directory entry at its section's table:
 * one pass over the slots in order, with no look at the blocks. Returns undefined, having
 * reported nothing, at the first slot or table that is not so.
 */
function confirmSlots(ctx: Context, sections: number[], heap: Heap): SlotTable | undefined {
  const { NONE, KEY, VALUE } = RecordKind;
  const { BLOCK_HEADER_SIZE, HEAP_OFFSET, SLOTS_PER_SECTION } = Layout;
  const USED = SLOT_USED;
  const OFFSET_MASK = SLOT_OFFSET_MASK;
  const UNKNOWN_MASK = SLOT_UNKNOWN_MASK;
  const NEXT_MASK = NEXT_FREE_MASK;
  const TABLE_SIZE_TYPE = SECTION_TABLE_SIZE_TYPE;
  const { words, length, census } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const { tiledEnd, allocated, ids } = heap;
  const { blockOf, kindOf, tableAt } = ids;
  const sectionCount = sections.length;
  const idCount = sectionCount * SLOTS_PER_SECTION;
  // Findings of this pass (notes and free-slot chains) are kept apart until it succeeds.
  const findings = new Findings();
  const unknown = census === undefined ? undefined : new UnknownBitsLog();
  let claimed = 0;
  let used = 0;
  let keys = 0;
  let values = 0;
  const isFreeSlot = new Uint8Array(SLOTS_PER_SECTION);
  for (let section = 0; section < sectionCount; section++) {
    const table = HEAP_OFFSET + sections[section]!;
    if (sectionTableEnd(sections[section]!) > length || tableAt[section] !== table) return undefined;
    claimed++;
    const slots = table + BLOCK_HEADER_SIZE;
    isFreeSlot.fill(0);
    let freeCount = 0;
    for (let slot = 0, id = section * SLOTS_PER_SECTION; slot < SLOTS_PER_SECTION; slot++, id++) {
      const slotOffset = slots + 4 * slot;
      const value = words[slotOffset >>> 2]!;
      if ((value & USED) === 0) {
        isFreeSlot[slot] = 1;
        freeCount++;
        // A block carrying the id of a free slot is no record of the hive.
        blockOf[id] = 0;
        kindOf[id] = NONE;
        if ((value & ~NEXT_MASK) !== 0) {
          findings.addGrouped('info', 'FREE_SLOT_BITS', slotOffset, (n) => `${n} free slot(s) have bits set outside the next-free field (kept as stored)`);
          unknown?.note(FREE_SLOT_BITS, slotOffset, (value & ~NEXT_MASK) >>> 0);
        }
        continue;
      }
      if (blockOf[id] !== HEAP_OFFSET + (value & OFFSET_MASK)) return undefined;
      used++;
      claimed++;
      const kind = kindOf[id]!;
      if (kind === KEY) keys++;
      else if (kind === VALUE) values++;
      if ((value & UNKNOWN_MASK) !== 0) {
        findings.addGrouped('info', 'SLOT_UNKNOWN_BITS', slotOffset, (n) => `${n} used slot(s) have bits 28–31 or bit 1 set (seen in persistent hives, meaning not known; kept as stored)`);
        unknown?.note(USED_SLOT_BITS, slotOffset, (value & UNKNOWN_MASK) >>> 0);
      }
    }
    checkFreeChain(u32, section, slots, isFreeSlot, freeCount, findings);
  }
  // Allocated blocks no slot points at: claimed are the section tables the directory
  // names and the blocks the slots confirmed.
  for (let at = claimed < allocated ? HEAP_OFFSET : tiledEnd; at < tiledEnd; ) {
    const sizeType = u32(at);
    if ((sizeType & 1) === 0) {
      const id = u32(at + 8);
      const isClaimed = sizeType === TABLE_SIZE_TYPE ? id < sectionCount && tableAt[id] === at : id < idCount && blockOf[id] === at;
      if (!isClaimed) orphanBlock(findings, at);
    }
    at += BLOCK_HEADER_SIZE + blockSize(sizeType);
  }
  ctx.findings.absorb(findings);
  if (census !== undefined) census.slots = { used, free: idCount - used, unknown: unknown! };
  return { blockOf, kindOf, confirmed: { keys, values } };
}

/** Section tables and slots (§6), free-slot chains, and blocks no slot claims, over `blockAt` (see `blockMap`). */
function checkSlotsInFull(ctx: Context, sections: number[], heap: Heap, blockAt: Uint8Array): SlotTable {
  const { ALLOCATED, CLAIMED, FREE_BLOCK } = HeapMark;
  const { BROKEN, KEY, OTHER, ROOTS, VALUE } = RecordKind;
  const { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, HEAP_OFFSET, SLOTS_PER_SECTION } = Layout;
  const { words, length, findings, census } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const { tiled, tiledEnd, allocated } = heap;
  // The statistics' slot counts, kept when every section's table is found (as the reader finds them).
  const unknown = census === undefined ? undefined : new UnknownBitsLog();
  let everyTable = true;
  let used = 0;
  let free = 0;
  // Allocated blocks claimed by the directory or a slot: when every allocated block is,
  // no block is an orphan and the heap need not be walked a second time to find one.
  let claimed = 0;
  // Section tables and slots (§6): each used slot must point at an allocated block that
  // carries the slot's id; the table of ids → block offsets is what the later checks use.
  const idCount = sections.length * SLOTS_PER_SECTION;
  const blockOf = new Uint32Array(idCount); // file offset of the block of each id, 0 = none
  const kindOf = new Uint8Array(idCount);
  const isBlock = (at: number): boolean => at >= HEAP_OFFSET && at < length && (at & 3) === 0 && blockAt[(at - HEAP_OFFSET) >>> 2] !== 0;
  for (let section = 0; section < sections.length; section++) {
    const entryOffset = DIRECTORY_OFFSET + 4 * section;
    const table = HEAP_OFFSET + sections[section]!;
    if (sectionTableEnd(sections[section]!) > length) {
      findings.add('error', 'DIRECTORY_OFFSET_PAST_EOF', entryOffset, `section directory entry ${section} points at ${hex(table)}, where no section table fits before EOF; the ${SLOTS_PER_SECTION} ids of section ${section} cannot be resolved`);
      everyTable = false;
      continue;
    }
    if (!isBlock(table)) {
      findings.add('error', 'SECTION_TABLE_NOT_A_BLOCK', entryOffset, `section directory entry ${section} points at ${hex(table)}, which is not the start of a heap block`);
      everyTable = false;
      continue;
    }
    const sizeType = u32(table);
    if (!isSectionTable(sizeType, u32(table + 8), section)) {
      findings.add('error', 'BAD_SECTION_TABLE', table, `the block for section ${section} is not its section table (header ${hex(sizeType)}, id ${u32(table + 8)}); its ids cannot be resolved`);
      everyTable = false;
      continue;
    }
    if (blockAt[(table - HEAP_OFFSET) >>> 2] === ALLOCATED) claimed++;
    blockAt[(table - HEAP_OFFSET) >>> 2] = blockAt[(table - HEAP_OFFSET) >>> 2]! | CLAIMED;
    const slots = table + BLOCK_HEADER_SIZE;
    const isFreeSlot = new Uint8Array(SLOTS_PER_SECTION);
    let freeCount = 0;
    for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) {
      const slotOffset = slots + 4 * slot;
      // Words and marks read straight from their tables, not through the helpers above.
      const value = words[slotOffset >>> 2]!;
      const id = section * SLOTS_PER_SECTION + slot;
      // The slot rules of sections.ts, spelled with its masks: this loop runs once per slot
      // of the file, before the optimising compiler has seen it, where a call per test
      // costs verify a measurable share of its time (docs/PERFORMANCE.md).
      if ((value & SLOT_USED) === 0) {
        isFreeSlot[slot] = 1;
        freeCount++;
        free++;
        if ((value & ~NEXT_FREE_MASK) !== 0) {
          findings.addGrouped('info', 'FREE_SLOT_BITS', slotOffset, (n) => `${n} free slot(s) have bits set outside the next-free field (kept as stored)`);
          unknown?.note(FREE_SLOT_BITS, slotOffset, (value & ~NEXT_FREE_MASK) >>> 0);
        }
        continue;
      }
      used++;
      if ((value & SLOT_UNKNOWN_MASK) !== 0) {
        findings.addGrouped('info', 'SLOT_UNKNOWN_BITS', slotOffset, (n) => `${n} used slot(s) have bits 28–31 or bit 1 set (seen in persistent hives, meaning not known; kept as stored)`);
        unknown?.note(USED_SLOT_BITS, slotOffset, (value & SLOT_UNKNOWN_MASK) >>> 0);
      }
      const block = HEAP_OFFSET + (value & SLOT_OFFSET_MASK);
      if (block + BLOCK_HEADER_SIZE > length) {
        findings.add('error', 'SLOT_OUT_OF_HEAP', slotOffset, `the slot of id ${id} points at ${hex(block)}, outside the heap`);
        kindOf[id] = BROKEN;
        continue;
      }
      const word = (block - HEAP_OFFSET) >>> 2;
      const mark = (block & 3) === 0 ? blockAt[word]! : 0;
      if (mark === 0) {
        findings.add('error', 'SLOT_NOT_A_BLOCK', slotOffset, `the slot of id ${id} points at ${hex(block)}, which is not the start of a heap block (inside another block${tiled ? '' : ', or past where the heap could be followed'})`);
        kindOf[id] = BROKEN;
        continue;
      }
      if ((mark & FREE_BLOCK) !== 0) {
        findings.add('error', 'SLOT_POINTS_TO_FREE', slotOffset, `the slot of id ${id} points at a free block (${hex(block)}): the record was deleted but its slot was not freed`);
        kindOf[id] = BROKEN;
        continue;
      }
      if ((mark & CLAIMED) !== 0) {
        findings.add('error', 'SLOT_SHARED', slotOffset, `the slot of id ${id} points at a block another slot points at (${hex(block)})`);
        kindOf[id] = BROKEN;
        continue;
      }
      blockAt[word] = mark | CLAIMED;
      claimed++;
      const blockId = words[(block + 8) >>> 2]!;
      if (blockId !== id) {
        findings.add('error', 'ID_MISMATCH', block + 8, `the block reached through id ${id} carries id ${blockId}`);
        kindOf[id] = BROKEN;
        continue;
      }
      blockOf[id] = block;
      const type = words[block >>> 2]! >>> 28;
      kindOf[id] = type === BlockType.KEY ? KEY : type === BlockType.VALUE ? VALUE : type === BlockType.ROOTS ? ROOTS : OTHER;
    }
    checkFreeChain(u32, section, slots, isFreeSlot, freeCount, findings);
  }
  // Allocated blocks no slot points at are space the hive can never reuse.
  for (let at = claimed < allocated ? HEAP_OFFSET : tiledEnd; at < tiledEnd; ) {
    const sizeType = u32(at);
    const word = (at - HEAP_OFFSET) >>> 2;
    if (blockAt[word] === ALLOCATED) {
      orphanBlock(findings, at);
    }
    at += BLOCK_HEADER_SIZE + blockSize(sizeType);
  }
  if (census !== undefined && everyTable) census.slots = { used, free, unknown: unknown! };
  return { blockOf, kindOf };
}


function checkFreeChain(u32: (offset: number) => number, section: number, slots: number, isFreeSlot: Uint8Array, freeCount: number, findings: Findings): void {
  const { SLOTS_PER_SECTION } = Layout;
  const headOffset = slots + 4 * SLOTS_PER_SECTION;
  const head = u32(headOffset);
  const visited = new Uint8Array(SLOTS_PER_SECTION);
  let onChain = 0;
  if (head >= SLOTS_PER_SECTION) {
    findings.add('error', 'FREE_HEAD_OUT_OF_RANGE', headOffset, `section ${section}'s free-slot head is ${head}, not a slot index (0–1023)`);
    return;
  }
  // A head of 0 means "no free slot" (slot 0 of section 0 is always the roots record),
  // and a next-free field of 0 ends the chain.
  for (let slot = head; slot !== 0; ) {
    if (visited[slot] !== 0) {
      findings.add('error', 'FREE_CHAIN_CYCLE', slots + 4 * slot, `section ${section}'s free-slot chain loops back to slot ${slot}; allocating in this section would not end`);
      return;
    }
    if (isFreeSlot[slot] === 0) {
      findings.add('error', 'FREE_CHAIN_USED_SLOT', slots + 4 * slot, `section ${section}'s free-slot chain passes through slot ${slot}, which is in use: allocating would overwrite a live record's slot`);
      return;
    }
    visited[slot] = 1;
    onChain++;
    slot = nextFreeSlot(u32(slots + 4 * slot));
  }
  if (onChain < freeCount) {
    findings.addGrouped('warning', 'FREE_SLOTS_UNCHAINED', slots, (n) => `${n} section(s) have free slots missing from their free-slot chain (first: section ${section}, ${freeCount - onChain} slot(s)); they cannot be reused`);
  }
}

/** In a function of its own, so that the loops calling it keep `at` out of a closure's context (see heap.ts). */
function orphanBlock(findings: Findings, at: number): void {
  findings.addGrouped('warning', 'ORPHAN_BLOCK', at, (n) => `${n} allocated block(s) are not referenced by any slot (first at ${hex(at)}): lost space, and any record in them is invisible`);
}
