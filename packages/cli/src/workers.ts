/**
 * The worker-thread scripts, named from this module, which sits beside them: in dist/ and
 * in the bundled command line alike (where the command modules sit elsewhere).
 */
export const BATCH_WORKER = new URL('./batchWorker.js', import.meta.url);
export const DUMP_WORKER = new URL('./dumpWorker.js', import.meta.url);
export const CARVE_WORKER = new URL('./carveWorker.js', import.meta.url);
export const MEDIA_WORKER = new URL('./mediaWorker.js', import.meta.url);
