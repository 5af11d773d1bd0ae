import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { format } from 'node:util';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to `fd` synchronously. A non-blocking pipe answers EAGAIN when
 * full: wait a millisecond and go on, so memory stays flat however slow the reader is.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

/**
 * The standard streams of one run of hivetool. The `hivetool` binary runs with the
 * process's own (processIo); `main(argv, io)` takes others, so that a program (or a test)
 * can run a command in its own process and get back what it printed. Commands never touch
 * `process.stdout`, `process.stderr` or `process.stdin` themselves: they are given the
 * run's io (`run(options, io)`), and pass it to what prints or reads on their behalf.
 */
export interface CliIo {
  /** Writes to standard output, whole and in order, before returning. */
  stdout(chunk: string | Uint8Array): void;
  /** Writes to standard error (hivetool's lines, `hivetool: …\n`). */
  stderr(text: string): void;
  /**
   * All of standard input, when it is given as bytes; undefined: read file descriptor 0.
   * Given bytes count as a pipe (their size is not known in advance).
   */
  readonly stdin?: Uint8Array | undefined;
  /** Whether standard input and output are terminals (refusing to read or write one, and where a progress bar may go). */
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  /**
   * Standard error as a terminal, which progress bars are drawn on (they move the cursor);
   * undefined when standard error is no terminal, and then no bar is drawn.
   */
  readonly stderrTerminal: NodeJS.WriteStream | undefined;
  /** The terminal's width, for help text; undefined when standard output is no terminal. */
  readonly columns: number | undefined;
}

/** The process's standard streams. */
export function processIo(): CliIo {
  return {
    // Bytes (rendered output) are written synchronously to the descriptor, text (closing
    // lines) through the stream, which is synchronous too for files and pipes on Linux.
    stdout: (chunk) => (typeof chunk === 'string' ? process.stdout.write(chunk) : writeAllSync(1, chunk)),
    stderr: (text) => process.stderr.write(text),
    stdin: undefined,
    // isatty, not process.stdin.isTTY: creating process.stdin would set up a stream on
    // file descriptor 0, which readInputFile reads synchronously itself.
    stdinIsTTY: isatty(0),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrTerminal: process.stderr.isTTY === true ? process.stderr : undefined,
    columns: process.stdout.columns,
  };
}

/** Standard streams held in memory: what was written is in `out` and `err`. */
export function memoryIo(stdin?: Uint8Array): CliIo & { readonly out: Uint8Array[]; readonly err: string[] } {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const encoder = new TextEncoder();
  return {
    out,
    err,
    stdout: (chunk) => void out.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice()),
    stderr: (text) => void err.push(text),
    stdin,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrTerminal: undefined,
    columns: undefined,
  };
}

/**
 * Runs `body` with console.log/console.error writing to `given`: yargs prints help, the
 * version and its own messages with them. One run at a time per thread.
 */
export async function withConsole<T>(given: CliIo, body: () => Promise<T>): Promise<T> {
  const { log, error } = console;
  console.log = (...items: unknown[]) => given.stdout(`${format(...items)}\n`);
  console.error = (...items: unknown[]) => given.stderr(`${format(...items)}\n`);
  try {
    return await body();
  } finally {
    console.log = log;
    console.error = error;
  }
}

/**
 * The io of a worker thread that renders or checks files for a run: its stderr lines go
 * to `line` (and so back to the thread of the run); it has no standard output. Its
 * standard input is `stdin`, the run's, read on the run's thread (see
 * `stdinForWorkers`); without it, file descriptor 0, refused when it is a terminal.
 */
export function workerIo(line: (text: string) => void, stdin?: Uint8Array): CliIo {
  return {
    stdout: () => {
      throw new Error('a worker thread writes files, not standard output');
    },
    stderr: line,
    stdin,
    stdinIsTTY: stdin === undefined && isatty(0),
    stdoutIsTTY: false,
    stderrTerminal: undefined,
    columns: undefined,
  };
}
