export { bytesSource, sliceSource, asByteSource, type MediaSource } from './source.js';
export { FindingList, type MediaFinding, type MediaFindingCode } from './errors.js';
export { readPartitions, MBR_SECTOR, type Partition } from './mbr.js';
export { openFatVolume, readBootSector, FatVolume, type BootSector, type Chain, type FatType, type Run, type TfatState } from './fat.js';
export { walkDirectories, type DirectoryEntry, type WalkLimits } from './directory.js';
export { findHiveFiles, type FindHiveOptions, type HiveFile, type HiveFileStatus } from './hives.js';
export { findVersions, versionsOfHiveFiles, type FileVersions, type SectorHistory, type HiveVersion, type PageCopy, type VersionLimits, type VersionPage, type VersionSource, type VersionsReport } from './versions.js';
export { examineMedia, type LayerFinding, type MediaOptions, type MediaReport, type RomHive, type RomMatch, type VolumeReport } from './media.js';
