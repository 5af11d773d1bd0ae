/**
 * Worker thread for a dump into a file on one thread (see runDump): renders and commits
 * the output here, so the main thread stays free to handle signals.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dumpFiles, finishDump, type DumpWorkerData, type DumpWorkerMessage } from './run/dump.js';
import { describeFailure } from './failures.js';
import { AtomicFileSink, setOutputLimit, type TextSink } from './output.js';
import { regSink } from './regeditSink.js';
import { openRom } from './rom.js';
import { workerCommandIo } from './command.js';
import { isTableFormat } from './table/rows.js';
import { openTable } from './table/output.js';

const port = parentPort!;
const post = (message: DumpWorkerMessage): void => port.postMessage(message);
const { args, limit } = workerData as DumpWorkerData;
setOutputLimit(limit);
const io = workerCommandIo((line) => post({ kind: 'line', line }));
let sink: TextSink | undefined;
try {
  const rom = args.romFile === undefined ? undefined : openRom(io, args.romFile, false);
  const full = { ...args, rom };
  const file = new AtomicFileSink(io, args.output!);
  // regedit-style .reg text is UTF-16LE, as on the main thread.
  sink = args.format === 'reg' ? regSink(file, args.regStyle ?? 'ce') : file;
  const table = isTableFormat(args.format) ? await openTable(args.format, sink) : undefined;
  const failed = dumpFiles(io, full, sink, (file) => post({ kind: 'step', file }), table);
  const written = finishDump(full, sink, failed, io.report);
  post({ kind: 'done', failed, written });
} catch (error) {
  sink?.abort();
  const line = describeFailure(error);
  post(line === undefined ? { kind: 'bug', stack: error instanceof Error ? (error.stack ?? error.message) : String(error) } : { kind: 'failure', line });
}
