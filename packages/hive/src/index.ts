/**
 * @hivetool/hive: read, check, write and convert Windows CE registry hive files (.hv).
 *
 * What a user of the library needs: open a hive and walk or look up its keys and values
 * (`openHive`, `walkTree`, `readTree`), check it (`verifyHive`), count it
 * (`hiveStatistics`), write one (`encodeHive`, `encodeLinkedHive`), re-emit one byte for
 * byte (`disassembleHive`, `assembleHive`, `rewriteHive`), and the interrupted-flush
 * machinery (`readRestoreArea`, `recoverHive`, `planFlush`…). Every reader throws
 * `HiveFormatError` for bad input. The layout of the format itself (offsets, field
 * positions, slot and block decoding, the per-section checks) is in `@hivetool/hive/layout`.
 */
export { openHive, Hive, detectKind, type HiveKind, type OpenHiveOptions, type LookupResult, type ValueLookupResult, type RecoveryView } from './reader.js';
export { readRestoreArea, recoverHive, describeRestoreFlags, type RestoreArea, type RestoreRecord, type RecoveryAction } from './restore.js';
export { planFlush, applyFlush, simulateFlush, type FlushPlan, type FlushWrite, type FlushOptions } from './flush.js';
export { HiveFormatError, isHiveFormatError, type HiveErrorCode, type FindingCode, type VerifyOnlyCode, type HiveFormatErrorDetails } from './errors.js';
export { readHeader, pendingLogEntries, hexBytes, type HiveHeader, type RecoveryLogEntry } from './header.js';
export { DEFAULT_LIMITS, type HiveLimits } from './limits.js';
export { HiveKey, HiveValue, HiveRoot, KeyCursor, ValueCursor, KeyFlags, type KeyNode, type RecordStore } from './records.js';
export { isUnresolvedLink, type UnresolvedLink, type LinkKind } from './references.js';
export { walkTree, walkRecords, ReachedRecords, type TreeVisitor, type RecordVisitor, type WalkOptions, type DamageLoss } from './walk.js';
export { HeapCensus } from './census.js';
export { hiveStatistics, type HiveStatistics, type StatisticsOptions, type UnknownBitsSeen } from './statistics.js';
export { encodeHive, encodeCompactHive, type EncodeHiveOptions, type LinkedTreeKey } from './writer.js';
export { encodeLinkedHive } from './linkedWriter.js';
export { readTree } from './readTree.js';
export type { HiveTree, TreeKey, TreeValue } from '@hivetool/registry';
export { disassembleHive, assembleHive, rewriteHive, MAX_PARTS, type HiveParts, type HeaderParts, type BlockPart } from './lossless.js';
export { deriveRomSignature, deriveVolumeGuid, type Sha256 } from './signature.js';
export { verifyHive, MAX_FINDINGS_PER_CODE, MAX_RESTORE_RECORDS_LISTED, type RestoreReport, type VerifyReport, type VerifyOptions, type Finding, type Severity, type BootPrediction, type BootOutcome } from './verify/index.js';
export { checkRom, hiveRole, romFileForRole, ROM_CHECK_LISTED, type RomCheckResult, type RomCheckLink, type RomCheckCopy, type HiveRole } from './romCheck.js';
export { DAMAGE_CLASS, DAMAGE_RULES, damageAction, skipsInWalk, structuralDamage, structuralDamageCounted, assessHive, type DamageClass, type CommandKind, type DamageAction } from './damage.js';
