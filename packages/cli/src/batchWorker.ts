/**
 * Worker thread for `--jobs`: checks or describes one file per message, the same way the
 * main thread does, and answers with a plain result (structured-clonable).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Hive } from '@hivetool/hive';
import { infoOne, type InfoJob } from './commands/info.js';
import { verifyOne, type VerifyJob } from './commands/verify.js';
import { openHiveFile } from './input.js';

const data = workerData as { command: 'verify'; options: VerifyJob } | { command: 'info'; options: InfoJob };
let rom: Hive | undefined;
if (data.command === 'verify' && data.options.romFile !== undefined) rom = openHiveFile(data.options.romFile, { source: 'rom' });

parentPort!.on('message', (message: { index: number; item: string }) => {
  const result = data.command === 'verify' ? verifyOne(message.item, data.options, rom) : infoOne(message.item, data.options);
  parentPort!.postMessage({ index: message.index, result });
});
