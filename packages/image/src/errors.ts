import { CodecError, type CodecErrorDetails } from '@hivetool/registry';

/** Why a registry image, OEM stream, call log or OEM store could not be read or written. */
export type ImageErrorCode =
  | 'WRONG_FORMAT' // the bytes are another format (a hive, an OEM stream where an image was expected...)
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED' // the data ends before a structure it must hold
  | 'TRAILING_BYTES' // bytes after the end of the data
  | 'CHECKSUM_MISMATCH' // the integrity check failed: the data was damaged
  | 'BAD_RECORD' // a record that breaks the format's rules
  | 'COUNT_MISMATCH' // header counts disagree with the records
  | 'PARTIAL_REGISTRY' // a WriteRegistryToOEM save that never reached its final cbData = 0 call
  | 'BAD_CALL_SEQUENCE' // calls that are not what the OS makes
  | 'NO_VALID_GENERATION' // an OEM store with no complete generation in either slot
  | 'DOES_NOT_FIT' // a stream larger than the store's slot
  | 'LIMIT_EXCEEDED' // a configured limit (depth, size)
  | 'INTERRUPTED_SAVE'; // a PREG container whose header is still erased: the save was cut short, nothing is stored

export type ImageFormatErrorDetails = CodecErrorDetails;

/** The one error the image package throws for bad input; the message is made from the fields. */
export class ImageFormatError extends CodecError<ImageErrorCode> {
  override readonly name = 'ImageFormatError';
}

export function isImageFormatError(error: unknown): error is ImageFormatError {
  return error instanceof ImageFormatError || (error instanceof Error && error.name === 'ImageFormatError' && 'code' in error);
}
