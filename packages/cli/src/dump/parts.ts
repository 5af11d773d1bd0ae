import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hive } from '@hivetool/hive';
import { dumpOne, type DumpArguments, type DumpJob } from './one.js';
import { AtomicFileSink, currentOutputLimit, setOutputLimit, type OutputLimit, type TextSink } from '../output.js';
import { runPool } from '../pool.js';
import { lineReporter } from '../report.js';
import { hold, release } from '../temporaries.js';
import { UsageError, describeFailure, fileErrorReason } from '../failures.js';
import { openRom } from '../rom.js';
import type { CommandIo } from '../command.js';
import { stdinForWorkers } from '../input.js';
import { BATCH_WORKER } from '../workers.js';
import type { RowSink, TableRow } from '../table/rows.js';

/**
 * `dump --jobs N`: each file's part of the output is rendered on a worker thread into a
 * temporary file, and the parts are copied to the output in file order. Parts go through
 * files, not memory, so N large dumps in flight cost disk, not N × their size in RAM.
 */
export interface DumpPartJob {
  job: DumpJob;
  romFile: string | undefined;
  limit: OutputLimit;
  directory: string;
}

/** One file's rendered part, as a worker sends it back. */
export type DumpPart =
  | { file: string; ok: boolean; started: boolean; output: string | undefined; stderr: string[] }
  | { file: string; bug: string };

let workerRom: { file: string; hive: Hive } | undefined;

/** Renders `file` into `directory/<index>`; what it would print on stderr comes back in `stderr`. */
export function dumpPart(io: CommandIo, file: string, index: number, options: DumpPartJob): DumpPart {
  setOutputLimit(options.limit);
  if (options.romFile !== undefined && workerRom?.file !== options.romFile) {
    workerRom = { file: options.romFile, hive: openRom(io, options.romFile, false) };
  }
  const output = join(options.directory, String(index));
  const stderr: string[] = [];
  let sink: TextSink | undefined;
  let started = false;
  try {
    // What this file's dump says on stderr travels with its part.
    const line = (text: string): void => void stderr.push(text);
    const partIo: CommandIo = { ...io, stderr: line, report: lineReporter(line) };
    sink = new AtomicFileSink(partIo, output, 'generated');
    const ok = dumpOne(partIo, file, options.job, workerRom?.hive, sink, () => {
      started = true;
    });
    sink.close();
    return { file, ok, started, output, stderr };
  } catch (error) {
    sink?.abort();
    // The part could not be written (no space for the temporary file, say): this file fails.
    const line = describeFailure(error);
    if (line !== undefined) return { file, ok: false, started: false, output: undefined, stderr: [...stderr, `hivetool: ${line}\n`] };
    return { file, bug: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** Runs `dumpPart` for every file on `args.jobs` threads; `done` gets the parts in file order. */
export async function dumpParts(io: CommandIo, args: DumpArguments, done: (part: Extract<DumpPart, { ok: boolean }>) => void): Promise<void> {
  // Read before the part folder is made: a terminal on standard input stops the run here.
  const stdin = stdinForWorkers(io, args.files, args.jobs ?? 1);
  let directory: string;
  try {
    directory = mkdtempSync(join(tmpdir(), 'hivetool-dump-'));
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason === undefined) throw error;
    throw new UsageError(`dump --jobs needs a temporary directory for the parts, and ${tmpdir()} gave: ${reason}; set TMPDIR, or leave out --jobs`);
  }
  // Removed however the process ends: a closed pipe exits from the middle of a dump, a
  // signal stops it (temporaries.ts).
  hold(directory);
  // The job is every option but what stays with this thread (the opened ROM hive cannot be
  // sent; the workers open romFile themselves).
  const { files: _files, output: _output, rom: _rom, romFile, jobs: _jobs, ...job } = args;
  const options: DumpPartJob = {
    // Parquet parts are rendered as JSON lines: the row groups are made on this thread, in file order.
    job: job.format === 'parquet' ? { ...job, format: 'jsonl' } : job,
    romFile,
    limit: currentOutputLimit(),
    directory,
  };
  try {
    await runPool(
      args.files.map((file, index) => ({ file, index })),
      args.jobs ?? 1,
      BATCH_WORKER,
      { command: 'dump', options, stdin },
      ({ file, index }) => dumpPart(io, file, index, options),
      (part) => {
        if ('bug' in part) throw new Error(`internal error on ${part.file}: ${part.bug}`);
        try {
          done(part);
        } finally {
          if (part.output !== undefined) rmSync(part.output, { force: true });
        }
      },
    );
  } finally {
    rmSync(directory, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
    release(directory);
  }
}

const COPY_PIECE = 1 << 20;

/** Copies a rendered part into `sink`, a piece at a time. */
export function copyPart(path: string, sink: TextSink): void {
  const fd = openSync(path, 'r');
  try {
    const piece = new Uint8Array(COPY_PIECE);
    for (let read = readSync(fd, piece); read > 0; read = readSync(fd, piece)) sink.writeBytes(piece.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

/**
 * Passes the rows of a part rendered as JSON lines to `rows` (the Parquet writer), a
 * piece at a time: memory holds one piece and one row group, not the part.
 */
export function copyRowsPart(path: string, rows: RowSink): void {
  const fd = openSync(path, 'r');
  const decoder = new TextDecoder();
  try {
    const piece = new Uint8Array(COPY_PIECE);
    let rest = '';
    for (let read = readSync(fd, piece); read > 0; read = readSync(fd, piece)) {
      const text = rest + decoder.decode(piece.subarray(0, read), { stream: true });
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line !== '') rows.row(JSON.parse(line) as TableRow);
    }
    rest += decoder.decode();
    if (rest !== '') rows.row(JSON.parse(rest) as TableRow);
  } finally {
    closeSync(fd);
  }
}
