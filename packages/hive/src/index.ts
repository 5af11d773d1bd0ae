export { openHive, Hive, detectKind, type HiveKind, type OpenHiveOptions, type LookupResult } from './reader.js';
export { HiveFormatError, isHiveFormatError, type HiveErrorCode, type HiveFormatErrorDetails } from './errors.js';
export {
  HeaderOffset,
  HIVE_MAGIC,
  HIVE_VERSION,
  HEADER_SIZE,
  LOG_ENTRY_SLOTS,
  RestoreFlags,
  readLogEntry,
  pendingLogEntries,
  hexBytes,
  type HiveHeader,
  type RecoveryLogEntry,
} from './header.js';
export { DEFAULT_LIMITS, type HiveLimits } from './limits.js';
export { BlockType, blockTypeName, HEAP_OFFSET, DIRECTORY_OFFSET, BLOCK_HEADER_SIZE, SLOTS_PER_SECTION, SECTION_TABLE_PAYLOAD, PAGE_SIZE, MAX_SECTIONS } from './layout.js';
export { HiveKey, HiveValue, HiveRoot, KeyFlags, KeyField, ValueField, type KeyNode, type RecordStore } from './records.js';
export { Store, refStore, refId, makeRef, type UnresolvedLink, type LinkKind } from './references.js';
export { walkHeap, type HeapBlock } from './heap.js';
export { walkTree, type TreeVisitor, type WalkOptions } from './walk.js';
export { hiveStatistics, type HiveStatistics, type UnknownBitsSeen } from './info.js';
export { encodeHive, encodeCompactHive, type EncodeHiveOptions, type LinkedTreeKey } from './writer.js';
export { readTree } from './readTree.js';
export type { HiveTree, TreeKey, TreeValue } from '@hivetool/registry';
export { disassembleHive, assembleHive, rewriteHive, MAX_PARTS, type HiveParts, type HeaderParts, type BlockPart } from './lossless.js';
export { deriveRomSignature, deriveVolumeGuid, type Sha256 } from './signature.js';
export { verifyHive, MAX_FINDINGS_PER_CODE, type VerifyReport, type VerifyOptions, type Finding, type Severity, type BootPrediction, type BootOutcome } from './verify.js';
export { encodeLinkedHive } from './linkedWriter.js';
