export { bytesSource, sliceSource, asByteSource, type MediaSource } from './source.js';
export { FindingList, type MediaFinding, type MediaFindingCode } from './errors.js';
export { readPartitions, MBR_SECTOR, type Partition } from './mbr.js';
export { openFatVolume, readBootSector, FatVolume, type BootSector, type Chain, type FatType, type Run, type TfatState } from './fat.js';
export { walkDirectories, type DirectoryEntry, type WalkLimits } from './directory.js';
export { findHiveFiles, type FindHiveOptions, type HiveFile, type HiveFileStatus } from './hives.js';
export { contentKey as versionContentKey, findVersions, versionsOfHiveFiles, type FileVersions, type SectorHistory, type HiveVersion, type PageCopy, type VersionLimits, type VersionPage, type VersionSource, type VersionsReport } from './versions.js';
export { examineMedia, type LayerFinding, type MediaOptions, type MediaReport, type RomHive, type RomMatch, type VolumeReport } from './media.js';
export { SPARE_LAYOUTS, SPARE_LAYOUT_NAMES, isSpareLayoutName, parseSpareLayout, describeLayout, layoutExtent, type SpareLayout, type SpareLayoutName } from './spareLayouts.js';
export {
  openFal,
  checkFalGeometry,
  defaultPagesPerBlock,
  DIRTY_SECTOR,
  SECTOR_WRITE_IN_PROGRESS,
  SECTOR_WRITE_COMPLETED,
  OEM_BLOCK_RESERVED,
  OEM_BLOCK_READONLY,
  STATUS_MAPPED,
  STATUS_STALE,
  STATUS_INTERRUPTED,
  STATUS_FREE,
  type FalOptions,
  type FalVolume,
  type FalGeometry,
  type FalCounts,
  type FlashLayoutSector,
  type LayoutCandidate,
  type LayoutDecision,
  type StaleCopies,
  type StaleCopy,
} from './fal.js';
