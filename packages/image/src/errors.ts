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
  | 'LIMIT_EXCEEDED'; // a configured limit (depth, size)

export interface ImageFormatErrorDetails {
  what: string;
  offset: number;
  expected?: string;
  actual?: string;
}

/** The one error the image package throws for bad input; the message is made from the fields. */
export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
  readonly code: ImageErrorCode;
  readonly offset: number;
  readonly what: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(code: ImageErrorCode, details: ImageFormatErrorDetails) {
    let message = `${details.what} at offset 0x${details.offset.toString(16).padStart(8, '0')}`;
    if (details.expected !== undefined) message += `: expected ${details.expected}`;
    if (details.actual !== undefined) message += `${details.expected === undefined ? ':' : ','} found ${details.actual}`;
    super(`${message} [${code}]`);
    this.code = code;
    this.offset = details.offset;
    this.what = details.what;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

export function isImageFormatError(error: unknown): error is ImageFormatError {
  return error instanceof ImageFormatError || (error instanceof Error && error.name === 'ImageFormatError' && 'code' in error);
}
