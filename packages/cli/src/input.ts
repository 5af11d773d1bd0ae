import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { openHive, type Hive, type OpenHiveOptions } from '@hivetool/hive';
// The light entry: the format check without the image and stream codecs (start-up time).
import { FORMAT_DESCRIPTIONS, identifyFormat } from '@hivetool/image/identify';
import { UsageError } from './failures.js';
import type { CliIo } from './io.js';

/**
 * Slot offsets have 28 bits, so no hive's blocks start past 0x5000 + 2^28; with a last
 * block of the largest size the file still stays under 1 GiB. Larger inputs are refused
 * before anything is allocated.
 */
export const MAX_HIVE_BYTES = 1024 * 1024 * 1024;

/** Refuses what is not a regular file of at most `limit` bytes; returns its size. */
function checkInput(path: string, stat: Stats, limit: number): number {
  if (stat.isDirectory()) throw new UsageError(`${path}: is a directory`);
  if (!stat.isFile()) throw new UsageError(`${path}: not a regular file`);
  if (stat.size > limit) {
    const what = limit === MAX_HIVE_BYTES ? 'any hive can be' : 'hivetool reads for this input';
    throw new UsageError(`${path}: ${stat.size} bytes is larger than ${what} (${limit} bytes)`);
  }
  return stat.size;
}

/** `-` names standard input among a command's files. */
export const STDIN = '-';

/** How a file is named in messages and output: standard input is `<stdin>`. */
export function inputName(path: string): string {
  return path === STDIN ? '<stdin>' : path;
}

let stdinBytes: Uint8Array | undefined;

/** Forgets standard input read by an earlier run (main() may run more than once). */
export function forgetStdin(): void {
  stdinBytes = undefined;
}

const idle = new Int32Array(new SharedArrayBuffer(4));

/**
 * All of standard input (at most `limit` bytes), read once: a later call gets the same
 * bytes. A terminal is refused unless `terminal` (text typed in, ended by Ctrl-D).
 */
function readStdin(io: CliIo, limit: number, terminal: boolean): Uint8Array {
  if (stdinBytes !== undefined) return stdinBytes;
  const given = io.stdin;
  if (given !== undefined) {
    if (given.length > limit) throw new UsageError(`${inputName(STDIN)}: more than ${limit} bytes, larger than ${limit === MAX_HIVE_BYTES ? 'any hive can be' : 'hivetool reads for this input'}`);
    return (stdinBytes = given);
  }
  if (io.stdinIsTTY && !terminal) throw new UsageError(`${inputName(STDIN)}: standard input is a terminal: pipe or redirect a file into it (hivetool dump - < file.hv)`);
  const pieces: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const piece = new Uint8Array(1 << 20);
    let read: number;
    try {
      read = readSync(0, piece, 0, piece.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A non-blocking pipe with nothing in it yet: wait a millisecond and read again.
      if (code === 'EAGAIN') {
        Atomics.wait(idle, 0, 0, 1);
        continue;
      }
      if (code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    total += read;
    if (total > limit) throw new UsageError(`${inputName(STDIN)}: more than ${limit} bytes, larger than ${limit === MAX_HIVE_BYTES ? 'any hive can be' : 'hivetool reads for this input'}`);
    pieces.push(piece.subarray(0, read));
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  stdinBytes = bytes;
  return bytes;
}

/**
 * Standard input for the worker threads of a run (`--jobs`), when `-` is among `files`:
 * read here, on the run's thread, from the run's io (a terminal refused as always), into
 * shared memory that every worker reads without a copy. Undefined when no worker needs it.
 */
export function stdinForWorkers(io: CliIo, files: readonly string[], jobs: number): Uint8Array | undefined {
  if (jobs <= 1 || files.length <= 1 || !files.includes(STDIN)) return undefined;
  const bytes = readInputFile(io, STDIN);
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

/**
 * Reads a whole regular file (at most `limit` bytes) into one buffer; `-` reads the
 * standard input of `io` (its bytes, or file descriptor 0). `terminal`: standard input may
 * be a terminal (typed text).
 */
export function readInputFile(io: CliIo, path: string, limit = MAX_HIVE_BYTES, terminal = false): Uint8Array {
  if (path === STDIN) return readStdin(io, limit, terminal);
  // Looked at before opening: opening a FIFO for reading would wait for a writer forever.
  checkInput(path, statSync(path), limit);
  const fd = openSync(path, 'r');
  try {
    // And again on what was opened, which may have been replaced in between.
    const stat = fstatSync(fd);
    checkInput(path, stat, limit);
    const bytes = new Uint8Array(stat.size);
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(fd, bytes, done, bytes.length - done, done);
      if (read === 0) break; // the file shrank while being read
      done += read;
    }
    return done === bytes.length ? bytes : bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

const PAGE = 4096;

/**
 * Opens a hive file for reading on demand: the buffer is allocated at full size and
 * pages are read from the file only when the reader first touches them, so a path lookup in a large hive reads a few pages, not the
 * whole file. For commands that read one subtree (`dump --key`).
 */
export function openHiveFileLazy(io: CliIo, path: string, options: OpenHiveOptions = {}): Hive {
  if (path === STDIN) return openHiveFile(io, path, options);
  const size = checkInput(path, statSync(path), MAX_HIVE_BYTES);
  const fd = openSync(path, 'r');
  process.once('exit', () => closeSync(fd));
  // Not zero-filled: every byte is read from the file before the reader looks at it.
  const unfilled = Buffer.allocUnsafeSlow(size);
  const bytes = new Uint8Array(unfilled.buffer, unfilled.byteOffset, size);
  const loaded = new Uint8Array(Math.ceil(size / PAGE));
  const load = (offset: number, length: number): void => {
    const last = Math.min(loaded.length - 1, Math.floor((offset + Math.max(length, 1) - 1) / PAGE));
    for (let page = Math.floor(offset / PAGE); page <= last; page++) {
      if (loaded[page] !== 0) continue;
      // Read the whole run of missing pages in one call.
      let end = page;
      while (end < last && loaded[end + 1] === 0) end++;
      const start = page * PAGE;
      const stop = Math.min(bytes.length, (end + 1) * PAGE);
      for (let done = start; done < stop; ) {
        const read = readSync(fd, bytes, done, stop - done, done);
        if (read === 0) break;
        done += read;
      }
      loaded.fill(1, page, end + 1);
      page = end;
    }
  };
  load(0, 16);
  const format = identifyFormat(bytes.subarray(0, 16));
  if (format !== 'hive' && format !== 'unknown') throw new UsageError(`${path}: not a hive file: this is ${FORMAT_DESCRIPTIONS[format]}`);
  return openHive(bytes, { ...options, load });
}

/**
 * Reads a file that should hold a hive. A registry image or OEM file given where a hive
 * belongs is named for what it is (`UsageError`); other bytes are left to the hive reader.
 */
export function readHiveFile(io: CliIo, path: string): Uint8Array {
  const bytes = readInputFile(io, path);
  const format = identifyFormat(bytes);
  if (format !== 'hive' && format !== 'unknown') throw new UsageError(`${inputName(path)}: not a hive file: this is ${FORMAT_DESCRIPTIONS[format]}`);
  return bytes;
}

/**
 * Reads a file once and opens it as a hive over those bytes; the file is only read. A
 * registry image or OEM file given where a hive belongs is named for what it is.
 */
export function openHiveFile(io: CliIo, path: string, options: OpenHiveOptions = {}): Hive {
  return openHive(readHiveFile(io, path), options);
}
