/**
 * Section table slots (format guide §6).
 * used: `blockOffset | 1`, offset relative to 0x5000 in bits 2–27, bits 28–31 not known;
 * free: `nextFreeSlot << 18`, 0 in the last free slot of a section.
 */
export const SLOT_USED = 0x1;
export const SLOT_OFFSET_MASK = 0x0ffffffc;

export function isSlotUsed(slot: number): boolean {
  return (slot & SLOT_USED) !== 0;
}

/** Heap-relative block offset of a used slot. */
export function slotBlockOffset(slot: number): number {
  return slot & SLOT_OFFSET_MASK;
}

/** Bits of a used slot the guide does not explain (bit 1 and bits 28–31). */
export function slotUnknownBits(slot: number): number {
  return (slot & ~(SLOT_OFFSET_MASK | SLOT_USED)) >>> 0;
}

/** Bits of a free slot outside the next-free field. */
export function freeSlotUnknownBits(slot: number): number {
  return (slot & ~(0x3ff << 18)) >>> 0;
}
