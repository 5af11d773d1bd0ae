export { ForensicsError, isForensicsError, type ForensicsErrorCode, type ForensicsErrorDetails } from './errors.js';
export { bytesSource, sliceSource, stripSpareAreas, parseRamRegion, ramRegionOffset, type ByteSource, type RamRegion } from './source.js';
export { findHeaderCandidates, CANDIDATE_BYTES } from './scan.js';
export { carveImage, examineCandidate, padCutHive, type CarvedHive, type CarvedKind, type CarveStatus, type CarveOptions } from './carve.js';
export { recoverDeleted, UNKNOWN_PARENT, type DeletedRecord, type DeletedKey, type DeletedValue, type Certainty, type RecoverOptions } from './deleted.js';
