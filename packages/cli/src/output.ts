import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Utf8Writer } from '@hivetool/registry';
import { UsageError, fileErrorReason } from './failures.js';
import { hold, release } from './temporaries.js';
import { writeAllSync, type CliIo } from './io.js';

export { writeAllSync };

/** `-` names standard input (as an input) or standard output (as `-o -`). */
export const STDIO = '-';

/** Where rendered text goes. `write` buffers; `close` flushes and commits. */
export interface TextSink {
  write(text: string): void;
  /** Writes bytes as they are, after any pending text. */
  writeBytes(bytes: Uint8Array): void;
  /** The UTF-8 buffer behind `write`, for renderers that write bytes into it directly. */
  readonly utf8: Utf8Writer;
  close(): void;
  /** Drops what was written (an output file is never created). */
  abort(): void;
}

// Rendered text is gathered into pieces of this many bytes before each write call: one
// syscall per piece instead of one per line.
const PIECE_BYTES = 1 << 16;

/** Default cap on what one command writes (`--max-output`): far above any real output. */
export const DEFAULT_MAX_OUTPUT = 4 * 1024 ** 3;

/**
 * The default cap of commands whose output grows with what they read (dump, image dump,
 * diff): OUTPUT_BASE plus OUTPUT_PER_INPUT_BYTE bytes per byte read. Real hives dump to
 * at most about 3 bytes per byte (JSON of the corpus: 2.4); crafted ones repeat a long
 * path in every key under it and would run for minutes writing gigabytes.
 */
export const OUTPUT_BASE = 64 * 1024 * 1024;
export const OUTPUT_PER_INPUT_BYTE = 16;

/** The cap in force on this thread, whether --max-output set it, and what to suggest. */
export interface OutputLimit {
  bytes: number;
  explicit: boolean;
  advice: string;
}

const DEFAULT_LIMIT: OutputLimit = { bytes: DEFAULT_MAX_OUTPUT, explicit: false, advice: 'raise the limit with --max-output' };

let limit: OutputLimit = DEFAULT_LIMIT;

/** Back to the default cap, at the start of a run (main() may run more than once). */
export function resetOutputLimit(): void {
  limit = DEFAULT_LIMIT;
}

/** Sets the output cap for this thread (`--max-output`). */
export function setMaxOutput(bytes: number): void {
  limit = { ...limit, bytes, explicit: true };
}

/**
 * For a command whose output grows with its input: unless --max-output was given, the cap
 * is proportionate to the `inputBytes` read; `advice` names the command's own options
 * that narrow its output.
 */
export function limitOutputToInput(inputBytes: number, advice: string): void {
  limit = { ...limit, advice, bytes: limit.explicit ? limit.bytes : Math.min(DEFAULT_MAX_OUTPUT, OUTPUT_BASE + OUTPUT_PER_INPUT_BYTE * inputBytes) };
}

/** The output limit in force, for worker threads to apply too. */
export function currentOutputLimit(): OutputLimit {
  return limit;
}

/** Applies a limit passed from the main thread. */
export function setOutputLimit(passed: OutputLimit): void {
  limit = passed;
}

/**
 * The total size of the files named, for limitOutputToInput. Standard input counts by its
 * size when it is a file (`< x.hv`); a pipe's size is not known before it is read, and
 * then the cap stays at DEFAULT_MAX_OUTPUT.
 */
export function inputBytes(io: CliIo, files: ReadonlyArray<string | undefined>): number {
  let total = 0;
  for (const file of files) {
    if (file === undefined) continue;
    try {
      // Standard input given as bytes (main()'s io) counts as a pipe.
      if (file === STDIO && io.stdin !== undefined) return Infinity;
      const stat = file === STDIO ? fstatSync(0) : statSync(file);
      total += file === STDIO && !stat.isFile() ? Infinity : stat.size;
    } catch {
      // reported when the file is opened
    }
  }
  return total;
}

abstract class BufferedSink implements TextSink {
  readonly utf8 = new Utf8Writer((bytes) => this.commit(bytes), PIECE_BYTES);
  private written = 0;
  private overflowed = false;

  write(text: string): void {
    this.utf8.text(text);
  }

  /** Writes bytes as they are, after any pending text (counted against --max-output too). */
  writeBytes(bytes: Uint8Array): void {
    this.flush();
    this.commit(bytes);
  }

  protected flush(): void {
    this.utf8.flush();
  }

  private commit(bytes: Uint8Array): void {
    if (this.overflowed) return; // an overflow is reported once; what follows is dropped
    this.written += bytes.length;
    // Crafted input can make output grow much faster than the input (a deep key chain
    // repeats every parent's path in every child's line): stop at a fixed cap.
    if (this.written > limit.bytes) {
      this.overflowed = true;
      const why = limit.explicit ? '--max-output' : `the default --max-output for this input: ${OUTPUT_BASE / 1024 / 1024} MiB + ${OUTPUT_PER_INPUT_BYTE} bytes per byte read`;
      throw new UsageError(`the output passed ${limit.bytes} bytes (${why}); ${limit.advice}`);
    }
    this.emit(bytes);
  }

  protected discard(): void {
    this.utf8.drop();
  }

  protected abstract emit(bytes: Uint8Array): void;
  abstract close(): void;
  abstract abort(): void;
}

/** Standard output of a run, written synchronously (output order kept, memory bounded). */
export class StdoutSink extends BufferedSink {
  constructor(private readonly io: CliIo) {
    super();
  }
  protected emit(bytes: Uint8Array): void {
    this.io.stdout(bytes);
  }
  close(): void {
    this.flush();
  }
  /** Drops what is not written yet (what was written cannot be taken back). */
  abort(): void {
    this.discard();
  }
}

/** The temporary file an output is written to before it is renamed into place. */
export function temporaryBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
}

/** Runs a file-system step of writing `target`, turning its failure into one clear line. */
function writing<T>(target: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason === undefined) throw error;
    throw new UsageError(`${target}: cannot write: ${reason}`, true);
  }
}

/**
 * True when `target` exists and is not a regular file (a device such as /dev/null, a
 * FIFO): it is written in place, since renaming a file over it would replace it.
 */
export function isSpecialFile(target: string): boolean {
  try {
    const stat = statSync(target);
    if (stat.isDirectory()) return false; // refused when the rename fails, with a clear message
    return !stat.isFile();
  } catch {
    return false;
  }
}

/** The file a symbolic link leads to, or `path` itself (also when it does not exist yet). */
export function resolveLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path; // a dangling link: the rename replaces it, as no file is behind it
  }
}

/**
 * Opens a device or FIFO for writing. A FIFO with no reader would block the open: say
 * that it waits, then wait.
 */
function openSpecial(io: CliIo, target: string): number {
  try {
    const fd = openSync(target, constants.O_WRONLY | constants.O_NONBLOCK);
    // Writes are synchronous and handle EAGAIN (writeAllSync): non-blocking is fine.
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
  }
  io.stderr(`hivetool: ${target}: waiting for a reader of this FIFO\n`);
  return openSync(target, 'w');
}

/** What stands at a path, without following a symbolic link; undefined when nothing does. */
function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** What a special file is, in words, for an error line. */
function describeSpecial(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The check of a name hivetool generates inside an output folder (carve's hives,
 * compile's `boot.hv` … `reginit.ini`, `boot --apply`'s hives): such a name is never
 * opened for writing, so that whatever stands there already cannot redirect the write.
 * A regular file, a hard link or a symbolic link (to anywhere, dangling too) is replaced
 * by the rename of the new file over it: a link is replaced, never written through, and
 * the other names of a hard link keep the old content. A folder, a FIFO, a device or a
 * socket at the name is refused.
 */
export function refuseSpecialAtGeneratedName(target: string): void {
  const stat = lstatOrUndefined(target);
  if (stat === undefined || stat.isFile() || stat.isSymbolicLink()) return;
  if (stat.isDirectory()) throw new UsageError(`${target}: cannot write: a folder stands at this name in the output folder; move it away or choose another output folder`, true);
  throw new UsageError(`${target}: cannot write: ${describeSpecial(stat)} stands at this name in the output folder, and hivetool replaces only files and links there; remove it or choose another output folder`, true);
}

/**
 * How an AtomicFileSink treats its target. `named` (the default): a file the user named
 * (`-o FILE`): a symbolic link is written where it points, a device or FIFO in place.
 * `generated`: a name hivetool makes up inside an output folder: see
 * refuseSpecialAtGeneratedName.
 */
export type OutputName = 'named' | 'generated';

/**
 * A file written atomically: text goes to a temporary file beside the target, which is
 * renamed over the target only on `close`. A failed or interrupted run leaves no partial
 * output and no temporary file (see temporaries.ts). A target the user named that is a
 * device or a FIFO (`-o /dev/null`) is written directly instead, and opened only once
 * there is something to write (a FIFO's open waits for a reader).
 */
export class AtomicFileSink extends BufferedSink {
  private readonly temporary: string | undefined;
  private fd: number | undefined;
  private done = false;

  readonly target: string;

  constructor(
    private readonly io: CliIo,
    target: string,
    name: OutputName = 'named',
  ) {
    super();
    if (name === 'generated') refuseSpecialAtGeneratedName(target);
    // An output the user named that is a symbolic link is written where it points, as
    // `> link` would: the link stays a link (renaming over it would replace the link
    // itself). A generated name's link is replaced.
    else target = resolveLink(target);
    this.target = target;
    // Said before anything is written: a rename over a directory would fail only at the
    // end, and over `.` with a bare EBUSY. (An -o folder is refused as the command starts.)
    if (isDirectory(target) && name === 'named') throw new UsageError(`${target}: cannot write: is a directory`, true);
    if (name === 'named' && isSpecialFile(target)) {
      this.temporary = undefined;
    } else {
      const temporary = temporaryBeside(target);
      this.temporary = temporary;
      this.fd = writing(target, () => openSync(temporary, 'wx', 0o644));
      hold(temporary, target);
    }
  }

  private opened(): number {
    if (this.fd === undefined) this.fd = writing(this.target, () => openSpecial(this.io, this.target));
    return this.fd;
  }

  protected emit(bytes: Uint8Array): void {
    if (this.done) return;
    const fd = this.opened();
    writing(this.target, () => writeAllSync(fd, bytes));
  }

  close(): void {
    if (this.done) return;
    try {
      this.flush();
      const fd = this.opened();
      writing(this.target, () => {
        const temporary = this.temporary;
        if (temporary === undefined) {
          closeSync(fd);
          this.fd = undefined;
          return;
        }
        fsyncSync(fd);
        closeSync(fd);
        this.fd = undefined;
        renameSync(temporary, this.target);
        release(temporary);
      });
      this.done = true;
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    this.discard();
    this.done = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.temporary !== undefined) {
      rmSync(this.temporary, { force: true });
      release(this.temporary);
    }
  }
}

/**
 * Short output on standard output (a command's closing line, a report, a summary): written
 * at once through a StdoutSink, so that it counts against --max-output as rendered output does.
 */
export function print(io: CliIo, text: string): void {
  const sink = new StdoutSink(io);
  sink.write(text);
  sink.close();
}

/** Where a command's text output goes: standard output (no `-o`, or `-o -`), or a file. */
export function outputSink(io: CliIo, output: string | undefined): TextSink {
  return output === undefined || output === STDIO ? new StdoutSink(io) : new AtomicFileSink(io, output);
}

/**
 * Writes a command's closing lines (what it wrote, and how much) to standard output, or to
 * standard error when the output itself went to standard output (`-o -`): nothing is
 * ever mixed into the bytes of an output on standard output.
 */
export function tell(io: CliIo, output: string, text: string): void {
  if (output !== STDIO) return print(io, text);
  // On standard error every line is a hivetool line; `-` is named as what it is there.
  for (const line of text.split('\n')) {
    if (line === '') continue;
    io.stderr(`hivetool: ${line.startsWith(`${STDIO}: `) ? `<stdout>${line.slice(STDIO.length)}` : line}\n`);
  }
}

/**
 * Writes whole bytes to `target` atomically (temporary file + rename); `-` writes them to
 * standard output, unless that is a terminal.
 */
export function writeFileAtomic(io: CliIo, target: string, bytes: Uint8Array, name: OutputName = 'named'): void {
  if (target === STDIO && name === 'named') {
    if (io.stdoutIsTTY) throw new UsageError('-o -: standard output is a terminal: redirect it to a file or a pipe');
    const sink = new StdoutSink(io);
    sink.writeBytes(bytes);
    sink.close();
    return;
  }
  const sink = new AtomicFileSink(io, target, name);
  try {
    sink.writeBytes(bytes);
  } catch (error) {
    sink.abort();
    throw error;
  }
  sink.close();
}

/** The same file: one device and inode, whatever path, symbolic or hard link leads to it. */
function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Whether `path` names an existing folder (through a symbolic link too). */
export function isDirectory(path: string): boolean {
  return statOrUndefined(path)?.isDirectory() === true;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The one check every command that writes a file makes before reading anything: the
 * output must not be one of the inputs (`--rom` and `--previous` files included), by any
 * spelling of its path, through a symbolic link (also `-o` at a link to an input) or a hard
 * link: hivetool never modifies an input. `inPlace` is an input that may also be the output
 * (`oem store --previous S -o S`: the command reads it whole first and replaces it
 * atomically). Returns whether the output is that in-place input. `-` (standard output)
 * is no file and passes.
 */
export function refuseInputAsOutput(inputs: readonly string[], output: string, inPlace?: string): boolean {
  if (output === STDIO) return false;
  const target = statOrUndefined(output);
  if (target === undefined) return false;
  for (const input of inputs) {
    if (input === STDIO) continue;
    const source = statOrUndefined(input);
    if (source !== undefined && sameFile(source, target)) {
      throw new UsageError(`${output}: this output is the input ${input}${output === input ? '' : ' (the same file)'}; hivetool never writes over an input: choose another output file`);
    }
  }
  if (inPlace === undefined || inPlace === STDIO) return false;
  const previous = statOrUndefined(inPlace);
  return previous !== undefined && sameFile(previous, target);
}
