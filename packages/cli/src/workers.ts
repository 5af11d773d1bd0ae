import { Worker } from 'node:worker_threads';
/**
 * The worker-thread scripts, named from this module, which sits beside them: in dist/ and
 * in the bundled command line alike (where the command modules sit elsewhere).
 */
export const BATCH_WORKER = new URL('./batchWorker.js', import.meta.url);
export const DUMP_WORKER = new URL('./dumpWorker.js', import.meta.url);
export const CARVE_WORKER = new URL('./carveWorker.js', import.meta.url);
export const MEDIA_WORKER = new URL('./mediaWorker.js', import.meta.url);

/**
 * Starts a worker thread on one of the scripts above. The process's own Node options are
 * passed on (as Node does by default) except `--input-type`, which applies to code given
 * with `-e` alone and makes a worker started from a file fail (a program that runs
 * hivetool's main() from `node --input-type=module -e …`).
 */
export function startWorker(script: URL, workerData: unknown): Worker {
  return new Worker(script, { workerData, execArgv: process.execArgv.filter((arg) => !arg.startsWith('--input-type')) });
}
