/**
 * `@hivetool/hive/layout`: the layout of the hive format, by section of the format guide,
 * for tools that look at the bytes themselves (a raw dump, a hex viewer, a forensic
 * scanner). Pure functions over numbers; the checks return a problem instead of throwing,
 * and are the ones the reader and `verifyHive` apply.
 */
// §3, §3a: the header page and the restore area.
export { HeaderOffset, HIVE_MAGIC, HIVE_VERSION, HEADER_SIZE, LOG_ENTRY_SLOTS, RestoreFlags, readLogEntry } from './header.js';
export { measureRestoreArea, restoreProblem, restorePageSize, restoreRecord, restoreRecords, mountedView, RESTORE_RECORD_HEADER, DEFAULT_RESTORE_PAGE_SIZE } from './restore.js';
// §2, §4: where the parts start; the section directory.
export { HEAP_OFFSET, DIRECTORY_OFFSET, MAX_SECTIONS, PAGE_SIZE } from './layout.js';
export { directoryLength, sectionTableEnd } from './directory.js';
// §5: blocks.
export { BlockType, blockTypeName, BLOCK_HEADER_SIZE } from './layout.js';
export { walkHeap, stepBlocks, blockHeaderFits, blockSizeStop, blockSize, allocatedBlockSize, blockTypeOf, isFreeBlock, type HeapBlock, type HeapStop } from './heap.js';
// §6: sections and slots.
export { SLOTS_PER_SECTION, SECTION_TABLE_PAYLOAD } from './layout.js';
export { SECTION_TABLE_SIZE_TYPE, isSectionTable, isSlotUsed, slotBlockOffset, slotBlockFileOffset, slotUnknownBits, freeSlotUnknownBits, nextFreeSlot, sectionOfId } from './sections.js';
// §7: references.
export { Store, refStore, refId, makeRef } from './references.js';
// §8: records and the roots record.
export { KeyField, ValueField, KNOWN_KEY_FLAGS, ROOT_COUNT, ROOTS_PAYLOAD, keyRecordProblem, valueRecordProblem, keyRecordNeeds, valueRecordNeeds, type RecordProblem } from './recordFields.js';
export { REGISTRY_ROOTS, isRegistryRoot, depthAllowed } from './rules.js';
