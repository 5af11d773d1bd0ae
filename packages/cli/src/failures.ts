import { isHiveFormatError } from '@hivetool/hive';
import { RegParseError, escapeForTerminal } from '@hivetool/registry';
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
  /** `named`: the message starts with the file it is about. */
  constructor(
    message: string,
    readonly named = false,
  ) {
    super(message);
  }
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

/**
 * How a file's failure travels back from where the file was read (a worker thread, or
 * this one, for `--jobs`): its one line, or, for a bug, the stack to print.
 */
export function fileFailure(file: string, error: unknown): { file: string; error: string } | { file: string; bug: string } {
  const line = describeFailure(error, file);
  return line === undefined ? { file, bug: error instanceof Error ? (error.stack ?? error.message) : String(error) } : { file, error: line };
}

/** Longest message line printed; longer ones keep their start and end (where the code is). */
export const MAX_LINE = 1000;

/**
 * Makes a message safe to print on a terminal: names from a file (keys, values, paths)
 * and file names are untrusted, and may hold escape sequences, a newline that forges a
 * second line, or 65 535 characters. Control characters are escaped by the one rule of
 * `escapeForTerminal` (`@hivetool/registry`), and a line longer than MAX_LINE keeps its
 * first and last part.
 */
export function safeLine(text: string): string {
  const escaped = escapeForTerminal(text);
  if (escaped.length <= MAX_LINE) return escaped;
  const head = Math.floor(MAX_LINE * 0.6);
  const tail = MAX_LINE - head - 40;
  return `${escaped.slice(0, head)} …(${escaped.length - head - tail} characters left out)… ${escaped.slice(-tail)}`;
}

/**
 * Runs a step that reads `file`, so that its failure names that file: one rule for every
 * error line, `hivetool: FILE: message at offset 0x… [CODE]`. A failure that names its
 * file already, or a bug, passes unchanged.
 */
export function withFile<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw blame(file, error);
  }
}

/** The failure as one that names `file` (see withFile). */
export function blame(file: string, error: unknown): unknown {
  if (error instanceof UsageError && error.named) return error;
  const line = describeFailure(error, file);
  if (line === undefined) return error;
  const name = file === '-' ? '<stdin>' : file;
  return new UsageError(line.startsWith(`${name}: `) || line.startsWith(`${name}:`) ? line : `${name}: ${line}`, true);
}

/**
 * Encodes what is to be written to `output`: a failure there (a limit of the format
 * passed) is about the file being made, named as such, not about reading one ("not a
 * valid hive").
 */
export function building(output: string, encode: () => Uint8Array): Uint8Array {
  try {
    return encode();
  } catch (error) {
    if (!isHiveFormatError(error) && !isImageFormatError(error)) throw error;
    throw new UsageError(`${output === '-' ? '<stdout>' : output}: cannot build this file: ${error.message}`, true);
  }
}
