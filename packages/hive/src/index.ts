export { openHive, Hive, detectKind, type HiveKind, type OpenHiveOptions, type LookupResult, type ValueLookupResult, type RecoveryView } from './reader.js';
export {
  readRestoreArea,
  measureRestoreArea,
  restoreProblem,
  restorePageSize,
  restoreRecord,
  restoreRecords,
  recoverHive,
  mountedView,
  RESTORE_RECORD_HEADER,
  DEFAULT_RESTORE_PAGE_SIZE,
  type RestoreArea,
  type RestoreRecord,
  type RecoveryAction,
} from './restore.js';
export { planFlush, applyFlush, simulateFlush, type FlushPlan, type FlushWrite, type FlushOptions } from './flush.js';
export { HiveFormatError, isHiveFormatError, type HiveErrorCode, type FindingCode, type VerifyOnlyCode, type HiveFormatErrorDetails } from './errors.js';
export {
  HeaderOffset,
  HIVE_MAGIC,
  HIVE_VERSION,
  HEADER_SIZE,
  LOG_ENTRY_SLOTS,
  RestoreFlags,
  readLogEntry,
  readHeader,
  pendingLogEntries,
  hexBytes,
  type HiveHeader,
  type RecoveryLogEntry,
} from './header.js';
export { DEFAULT_LIMITS, type HiveLimits } from './limits.js';
export { BlockType, blockTypeName, HEAP_OFFSET, DIRECTORY_OFFSET, BLOCK_HEADER_SIZE, SLOTS_PER_SECTION, SECTION_TABLE_PAYLOAD, PAGE_SIZE, MAX_SECTIONS } from './layout.js';
export { HiveKey, HiveValue, HiveRoot, KeyFlags, KeyField, ValueField, type KeyNode, type RecordStore } from './records.js';
export { Store, refStore, refId, makeRef, isUnresolvedLink, type UnresolvedLink, type LinkKind } from './references.js';
export { walkHeap, stepBlocks, blockHeaderFits, blockSizeStop, blockSize, allocatedBlockSize, blockTypeOf, isFreeBlock, type HeapBlock, type HeapStop } from './heap.js';
export { ROOT_COUNT, keyRecordProblem, valueRecordProblem, keyRecordNeeds, valueRecordNeeds, type RecordProblem } from './recordFields.js';
export { SECTION_TABLE_SIZE_TYPE, isSectionTable, isSlotUsed, slotBlockOffset, slotBlockFileOffset, slotUnknownBits, freeSlotUnknownBits, nextFreeSlot, sectionOfId } from './sections.js';
export { directoryLength, sectionTableEnd } from './directory.js';
export { walkTree, ReachedRecords, type TreeVisitor, type WalkOptions } from './walk.js';
export { REGISTRY_ROOTS, isRegistryRoot, depthAllowed } from './rules.js';
export { hiveStatistics, type HiveStatistics, type StatisticsOptions, type UnknownBitsSeen } from './info.js';
export { encodeHive, type EncodeHiveOptions, type LinkedTreeKey } from './writer.js';
export { readTree } from './readTree.js';
export type { HiveTree, TreeKey, TreeValue } from '@hivetool/registry';
export { disassembleHive, assembleHive, rewriteHive, type HiveParts, type HeaderParts, type BlockPart } from './lossless.js';
export { deriveRomSignature, deriveVolumeGuid } from './signature.js';
export { verifyHive, MAX_FINDINGS_PER_CODE, MAX_RESTORE_RECORDS_LISTED, type RestoreReport, type VerifyReport, type VerifyOptions, type Finding, type Severity, type BootPrediction, type BootOutcome } from './verify/index.js';
export { encodeLinkedHive } from './linkedWriter.js';
