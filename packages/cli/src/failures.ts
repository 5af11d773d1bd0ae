import { isHiveFormatError } from '@hivetool/hive';
import { RegParseError } from '@hivetool/registry';

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

/** A problem with how hivetool was called; printed as one line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a hive file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
};

/**
 * One line for a failure the user can act on, or undefined for an unexpected error
 * (a bug), which the caller prints with its stack.
 */
export function describeFailure(error: unknown, subject?: string): string | undefined {
  if (isHiveFormatError(error)) return error.code === 'BAD_PATH' ? error.what : `not a valid hive: ${error.message}`;
  if (error instanceof UsageError) return error.message;
  if (error instanceof RegParseError) return error.message;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code in FILE_ERRORS) {
    const path = 'path' in error && typeof error.path === 'string' && error.path !== subject ? `${error.path}: ` : '';
    return `${path}${FILE_ERRORS[error.code]}`;
  }
  return undefined;
}
