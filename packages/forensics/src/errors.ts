import { CodecError, type CodecErrorDetails } from '@hivetool/registry';

/** Machine-readable reasons a forensic operation cannot run. Stable: scripts match on them. */
export type ForensicsErrorCode =
  | 'BAD_RAM_REGION' // a `START:LENGTH[@BASE]` that does not parse or lies outside the capture
  | 'BAD_PAGE_LAYOUT'; // a NAND page or spare size that cannot describe a dump

export type ForensicsErrorDetails = CodecErrorDetails;

/** The one error the forensics codec throws for bad arguments; the image bytes never make it throw. */
export class ForensicsError extends CodecError<ForensicsErrorCode> {
  override readonly name = 'ForensicsError';
}

/** Type guard usable across realms and worker boundaries (matches on shape, not class). */
export function isForensicsError(error: unknown): error is ForensicsError {
  return error instanceof ForensicsError || (error instanceof Error && error.name === 'ForensicsError' && 'code' in error);
}
