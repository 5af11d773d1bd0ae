/**
 * Sections and slots (format guide §6): pure functions over the words of a section table.
 * used slot: `blockOffset | 1`, offset relative to 0x5000 in bits 2–27, bits 28–31 not known;
 * free slot: `nextFreeSlot << 18`, 0 in the last free slot of a section.
 */
import { BlockType, HEAP_OFFSET, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION } from './layout.js';

export const SLOT_USED = 0x1;
export const SLOT_OFFSET_MASK = 0x0ffffffc;
/** The next-free field of a free slot: bits 18–27. */
export const NEXT_FREE_MASK = 0x3ff << 18;
/** Bits of a used slot the guide does not explain: bit 1 and bits 28–31. */
export const SLOT_UNKNOWN_MASK = ~(SLOT_OFFSET_MASK | SLOT_USED);

/** The sizeType every section table block carries: type 2, the 4100-byte payload. */
export const SECTION_TABLE_SIZE_TYPE = ((BlockType.SECTION_TABLE << 28) | SECTION_TABLE_PAYLOAD) >>> 0;

/** Whether a block with this sizeType and id is the table of section `section`. */
export function isSectionTable(sizeType: number, id: number, section: number): boolean {
  return sizeType === SECTION_TABLE_SIZE_TYPE && id === section;
}

export function isSlotUsed(slot: number): boolean {
  return (slot & SLOT_USED) !== 0;
}

/** Heap-relative block offset of a used slot. */
export function slotBlockOffset(slot: number): number {
  return slot & SLOT_OFFSET_MASK;
}

/** File offset of the block a used slot points at. */
export function slotBlockFileOffset(slot: number): number {
  return HEAP_OFFSET + (slot & SLOT_OFFSET_MASK);
}

/** Bits of a used slot the guide does not explain (bit 1 and bits 28–31). */
export function slotUnknownBits(slot: number): number {
  return (slot & SLOT_UNKNOWN_MASK) >>> 0;
}

/** Bits of a free slot outside the next-free field. */
export function freeSlotUnknownBits(slot: number): number {
  return (slot & ~NEXT_FREE_MASK) >>> 0;
}

/** The next slot on a section's free-slot chain (0 ends the chain). */
export function nextFreeSlot(slot: number): number {
  return (slot >>> 18) & 0x3ff;
}

/** Section of an object id (ids are section × 1024 + slot). */
export function sectionOfId(id: number): number {
  return Math.floor(id / SLOTS_PER_SECTION);
}
