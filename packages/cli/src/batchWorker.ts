/**
 * Worker thread for `--jobs`: checks, describes or dumps one file per message, the same way the
 * main thread does, and answers with a plain result (structured-clonable).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Hive } from '@hivetool/hive';
import { infoOne, type InfoJob } from './run/info.js';
import { verifyOne, type VerifyJob } from './run/verify.js';
import { dumpPart, type DumpPartJob } from './dump/parts.js';
import { findOne, type FindJob } from './run/find.js';
import { openRom } from './rom.js';
import { workerCommandIo } from './command.js';

const data = workerData as ({ command: 'verify'; options: VerifyJob } | { command: 'info'; options: InfoJob } | { command: 'dump'; options: DumpPartJob } | { command: 'find'; options: FindJob }) & { stdin?: Uint8Array | undefined };
// What a check prints itself (rarely: its results go back as messages) reaches the
// process's stderr; `-` is the run's standard input, read on its thread.
const io = workerCommandIo((line) => process.stderr.write(line), data.stdin);
let rom: Hive | undefined;
if (data.command === 'verify' && data.options.romFile !== undefined) rom = openRom(io, data.options.romFile, false);

parentPort!.on('message', (message: { index: number; item: string | { file: string; index: number } }) => {
  const { item } = message;
  let result: unknown;
  if (data.command === 'find') {
    result = findOne(io, item as string, data.options);
  } else if (data.command === 'dump') {
    const part = item as { file: string; index: number };
    result = dumpPart(io, part.file, part.index, data.options);
  } else {
    result = data.command === 'verify' ? verifyOne(io, item as string, data.options, rom) : infoOne(io, item as string, data.options);
  }
  parentPort!.postMessage({ index: message.index, result });
});
