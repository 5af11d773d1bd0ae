import { isHiveFormatError } from '@hivetool/hive';
import { RegParseError } from '@hivetool/registry';
import { isImageFormatError } from '@hivetool/image/errors';

/** Exit codes shared by every command. */
export const ExitCode = {
  OK: 0,
  /** Reserved for "the check found problems" (verify). */
  FINDINGS: 1,
  /** The command could not run: bad arguments, unreadable or malformed input. */
  FAILED: 2,
  /** A bug in hivetool. */
  INTERNAL: 70,
} as const;

/** A problem with how hivetool was called, or with a file it was given; one line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ERR_FS_FILE_TOO_LARGE: 'file too large',
};

/** Words for a file-system error (any `E…` code), or undefined for anything else. */
export function fileErrorReason(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return undefined;
  const code = error.code;
  // The reader of our output went away (`hivetool dump … | head`): not a problem with any
  // input file. main() ends quietly with exit code 0.
  if (code === 'EPIPE') return undefined;
  if (code in FILE_ERRORS) return FILE_ERRORS[code];
  return /^E[A-Z]+$/.test(code) ? `${code.toLowerCase()} (${'syscall' in error ? String(error.syscall) : 'file system'})` : undefined;
}

/**
 * One line for a failure the user can act on, or undefined for an unexpected error
 * (a bug), which the caller prints with its stack.
 */
export function describeFailure(error: unknown, subject?: string): string | undefined {
  if (isHiveFormatError(error)) return error.code === 'BAD_PATH' ? error.what : `not a valid hive: ${error.message}`;
  if (error instanceof UsageError) return error.message;
  if (error instanceof RegParseError) return error.message;
  if (isImageFormatError(error)) return error.message;
  const reason = fileErrorReason(error);
  if (reason === undefined) return undefined;
  const path = error instanceof Error && 'path' in error && typeof error.path === 'string' && error.path !== subject ? `${error.path}: ` : '';
  return `${path}${reason}`;
}
