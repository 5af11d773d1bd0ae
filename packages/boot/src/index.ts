export { replayBoot, renderStep, storedHives, volumePath, type StoredHive, DEFAULT_USER, USER_HIVE_FILE, type RomSet, type StorageFolder, type BootOptions, type BootReport, type BootStep, type BootVolume, type HiveDecision, type HiveOutcome, type StorageAction } from './replay.js';
export { lintBoot, LINT_CHECKS, MAX_LINT_FINDINGS_PER_CODE, type LintFinding, type LintSeverity } from './lint.js';
export { readBootConfiguration, bootPhases, hiveStorage, mountFlag, MOUNT_FLAG_BITS, BOOT_VARS, PROFILES, AUTOLOAD, STORAGE_MANAGER, LOAD_ONCE_FLAG, type BootConfiguration, type BootVars, type StorageProfile, type BlockDriver, type FileSystemChoice, type DriverKey } from './config.js';
export { RegistryReader, renderEvidence, renderData, type Evidence, type RegistryValue } from './evidence.js';
export { splitDevicePath, joinDevicePath, isInside, sameName } from './paths.js';
export { emptyPersistentHive } from './apply.js';
