export { ImageFormatError, isImageFormatError, type ImageErrorCode, type ImageFormatErrorDetails } from './errors.js';
export { identifyFormat, expectFormat, FORMAT_DESCRIPTIONS, IMAGE_MAGIC, STREAM_MAGIC, CALL_LOG_MAGIC, CHUNK_MAGIC, PREG_MAGIC, type FileFormat } from './identify.js';
export {
  encodePreg,
  decodePreg,
  inspectPreg,
  looksLikePreg,
  pregChecksum,
  PregReadEmulator,
  PREG_SIGNATURE,
  PREG_HEADER_SIZE,
  MAX_PREG_REGIONS,
  MIN_PREG_REGION_SIZE,
  MAX_PREG_REGION_SIZE,
  type PregLayout,
  type PregReport,
  type PregState,
} from './preg.js';
export { DEFAULT_IMAGE_LIMITS, resolveImageLimits, type ImageLimits } from './treeModel.js';
export { encodeImage, sealImage, openImage, decodeImage, RegistryImage, IMAGE_VERSION, IMAGE_HEADER_SIZE, type ImageKey, type ImageValue, type ImageVisitor } from './image.js';
export { encodeOemStream, sealStream, decodeOemStream, oemStreamTrailer, crc32Of, StreamTag, STREAM_VERSION, STREAM_HEADER_SIZE, TRAILER_SIZE, type OemStreamInfo } from './stream.js';
export {
  REG_WRITE_BYTES_START,
  REG_WRITE_BYTES_PROBE,
  REG_READ_BYTES_START,
  writeRegistryToOemCalls,
  reassembleOemCalls,
  OemReadEmulator,
  encodeCallLog,
  decodeCallLog,
  type OemWriteCall,
} from './oemCalls.js';
export { loadStore, writeStoreGeneration, slotBytes, sealChunk, CHUNK_HEADER_SIZE, ERASED, MAX_GENERATION, MAX_SLOT_SIZE, type LoadedStore, type StoreSlotState } from './store.js';
