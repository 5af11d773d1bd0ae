import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from './workers.js';

/**
 * Runs `task` for every item on `jobs` worker threads (the script at `workerUrl`, which
 * answers each `{ index, item }` message with `{ index, result }`), calling `done` in
 * item order as results arrive. With one job, runs `local` in this thread instead.
 */
export async function runPool<Item, Result>(
  items: readonly Item[],
  jobs: number,
  workerUrl: URL,
  workerData: unknown,
  local: (item: Item) => Result,
  done: (result: Result, index: number) => void,
): Promise<void> {
  const threads = Math.max(1, Math.min(jobs, items.length, cpus().length * 2));
  if (threads <= 1) {
    items.forEach((item, index) => done(local(item), index));
    return;
  }
  const results = new Map<number, Result>();
  let next = 0;
  let flushed = 0;
  const flush = (): void => {
    while (results.has(flushed)) {
      done(results.get(flushed)!, flushed);
      results.delete(flushed);
      flushed++;
    }
  };
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, () =>
        new Promise<void>((resolve, reject) => {
          const worker = startWorker(workerUrl, workerData);
          workers.push(worker);
          const feed = (): void => {
            if (next >= items.length) {
              void worker.terminate().then(() => resolve());
              return;
            }
            const index = next++;
            worker.postMessage({ index, item: items[index] });
          };
          worker.on('message', (message: { index: number; result: Result }) => {
            results.set(message.index, message.result);
            try {
              flush();
            } catch (error) {
              // `done` failed (a bug in a result, the output closed): stop the whole pool.
              reject(error);
              return;
            }
            feed();
          });
          worker.on('error', reject);
          feed();
        }),
      ),
    );
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  flush();
}
