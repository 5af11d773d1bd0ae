import { STDIO, currentOutputLimit, inputBytes, isSpecialFile, limitOutputToInput, outputSink, resolveLink, temporaryBeside, type OutputLimit, type TextSink } from '../output.js';
import { hold, release } from '../temporaries.js';
import { jsonDocumentEnd, jsonDocumentStart } from '../dump/json.js';
import { partSeparator } from '../dump/tree.js';
import { dumpOne, type DumpArguments } from '../dump/one.js';
import { copyPart, copyRowsPart, dumpParts } from '../dump/parts.js';
import { isTableFormat } from '../table/rows.js';
import { openTable, type TableOutput } from '../table/output.js';
import { ExitCode, UsageError } from '../failures.js';
import type { Reporter } from '../report.js';
import { Progress, summary } from '../batch.js';
import { regSink } from '../regeditSink.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';
import { DUMP_WORKER, startWorker } from '../workers.js';

export type { DumpArguments, DumpFormat, DumpJob } from '../dump/one.js';

/**
 * Dumps every file in turn into `sink`; returns how many failed. A table's rows go to
 * `table` (openTable), which this finishes.
 */
export function dumpFiles(io: CommandIo, args: DumpArguments, sink: TextSink, step: (file: string) => void, table?: TableOutput): number {
  let failed = 0;
  let started = 0;
  if (args.format === 'json') sink.write(jsonDocumentStart());
  for (const file of args.files) {
    step(file);
    const onStart = (): void => sink.write(partSeparator(args.format, started++ === 0, args.regStyle));
    if (!dumpOne(io, file, args, args.rom, sink, onStart, table)) failed++;
  }
  if (args.format === 'json') sink.write(jsonDocumentEnd());
  table?.finish();
  return failed;
}

/**
 * Commits the output, or, when a file failed and the output is a file, drops it (nothing
 * is written unless every file succeeds). Returns whether the output was written.
 */
export function finishDump(args: DumpArguments, sink: TextSink, failed: number, report: Reporter): boolean {
  if (failed > 0 && args.output !== undefined && args.output !== STDIO) {
    sink.abort();
    // A device or FIFO was written as the dump went: what reached it cannot be taken back.
    report.note(isSpecialFile(args.output) ? `${args.output}: incomplete: a device or FIFO is written as the dump goes` : `${args.output}: not written`);
    return false;
  }
  sink.close();
  return true;
}

/**
 * `hivetool dump FILE...`: every file is opened and walked in turn; a file that fails is
 * reported and the others are still dumped. Output stays well formed when a file fails
 * part-way (a `;` note in .reg and raw, an `error` member in JSON). With `-o`, nothing is
 * written unless every file succeeds. With `--jobs N`, files are rendered on N worker
 * threads (see dumpParts) and written in file order: the output is the same. A dump into
 * a file on one thread also runs on a worker thread, so that this thread stays free to
 * remove the temporary file when a signal stops the dump (see temporaries.ts).
 */
export async function run(args: DumpArguments, io: CommandIo): Promise<number> {
  const report = io.report;
  const read = inputBytes(io, [...args.files, args.romFile]);
  limitOutputToInput(read, args.key === undefined ? 'narrow it with --key, or raise the limit with --max-output' : 'raise the limit with --max-output');
  const parallel = (args.jobs ?? 1) > 1 && args.files.length > 1;
  const toFile = args.output !== undefined && args.output !== STDIO && !isSpecialFile(args.output);
  if (toFile && !parallel && read >= BACKGROUND_INPUT_BYTES && !args.files.includes(STDIO) && args.romFile !== STDIO) {
    return dumpInBackground(args, io);
  }
  const output: TextSink = outputSink(io, args.output);
  // regedit-style .reg text is UTF-16LE, as desktop regedit writes and reads it.
  const sink = args.format === 'reg' ? regSink(output, args.regStyle ?? 'ce') : output;
  // The bar shares the terminal only when the dump itself does not go to it.
  const progress = new Progress(io, toFile || !io.stdoutIsTTY ? args.files.length : 0);
  let failed = 0;
  try {
    const table = isTableFormat(args.format) ? await openTable(args.format, sink) : undefined;
    if (parallel) {
      let started = 0;
      if (args.format === 'json') sink.write(jsonDocumentStart());
      await dumpParts(io, args, (part) => {
        progress.step(part.file);
        if (part.started) sink.write(partSeparator(args.format, started++ === 0, args.regStyle));
        // Parquet parts come as JSON lines, made into row groups here, in file order.
        if (part.output !== undefined) {
          if (args.format === 'parquet') copyRowsPart(part.output, table!);
          else copyPart(part.output, sink);
        }
        for (const line of part.stderr) io.stderr(line);
        if (!part.ok) failed++;
      });
      if (args.format === 'json') sink.write(jsonDocumentEnd());
      table?.finish();
    } else {
      failed = dumpFiles(io, args, sink, (file) => progress.step(file), table);
    }
  } catch (error) {
    progress.stop();
    sink.abort();
    throw error;
  }
  progress.stop();
  const written = finishDump(args, sink, failed, report);
  return dumpSummary(io, args, failed, written);
}

/** The closing line; files are "dumped" only when the output holding them was written. */
function dumpSummary(io: CliIo, args: DumpArguments, failed: number, written: boolean): number {
  summary(io, args.files.length, [
    [args.files.length - failed, written ? 'dumped' : 'read (not written)'],
    [failed, 'failed'],
  ]);
  return failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}

/**
 * Inputs from this size on are dumped into a file on a worker thread. Smaller ones take a
 * fraction of a second on this thread, which is less than starting a worker; a signal
 * that comes meanwhile is handled as soon as they are done (the temporary file is gone by
 * then, and the exit status still says which signal stopped the command).
 */
const BACKGROUND_INPUT_BYTES = 1 << 20;

/** What the dump worker thread receives: the arguments, with the ROM hive by its path. */
export interface DumpWorkerData {
  args: Omit<DumpArguments, 'rom'>;
  limit: OutputLimit;
}

/** A message from the dump worker thread. */
export type DumpWorkerMessage =
  | { kind: 'line'; line: string }
  | { kind: 'step'; file: string }
  | { kind: 'done'; failed: number; written: boolean }
  | { kind: 'failure'; line: string }
  | { kind: 'bug'; stack: string };

/** Runs the dump into `args.output` on a worker thread (see runDump). */
async function dumpInBackground(args: DumpArguments, io: CommandIo): Promise<number> {
  const output = args.output!;
  // The worker makes this temporary file; this thread removes it if a signal comes first.
  const temporary = temporaryBeside(resolveLink(output));
  hold(temporary, output);
  const progress = new Progress(io, args.files.length);
  const { rom: _rom, ...plain } = args;
  const data: DumpWorkerData = { args: plain, limit: currentOutputLimit() };
  const { failed, written } = await new Promise<{ failed: number; written: boolean }>((resolve, reject) => {
    const worker = startWorker(DUMP_WORKER, data);
    let settled = false;
    worker.on('message', (message: DumpWorkerMessage) => {
      switch (message.kind) {
        case 'line':
          io.stderr(message.line);
          break;
        case 'step':
          progress.step(message.file);
          break;
        case 'done':
          settled = true;
          resolve(message);
          break;
        case 'failure':
          settled = true;
          reject(new UsageError(message.line));
          break;
        case 'bug':
          settled = true;
          reject(new Error(message.stack));
          break;
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', () => {
      if (!settled) reject(new Error('the dump worker thread ended without a result'));
    });
  }).finally(() => {
    progress.stop();
    release(temporary);
  });
  return dumpSummary(io, args, failed, written);
}
