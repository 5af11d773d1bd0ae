import { rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/**
 * Temporary files and folders the process has made (an output's `.NAME.PID.tmp`, the part
 * folder of `dump --jobs`), removed however the process ends: normally, through
 * `process.exit`, or by SIGINT, SIGTERM or SIGHUP, after which it exits 130, 143 or 129
 * as a shell reports a process stopped by that signal. Each maps to the output it stands
 * for (to say which output was not written), or to undefined for a scratch folder.
 */
const held = new Map<string, string | undefined>();

/**
 * Outputs being made with no temporary of their own to remove (a folder `carve` or
 * `compile` writes into), with what to say of them when a signal stops the run.
 */
const outputs = new Map<string, string>();

// 128 + the signal's number, the exit status shells give a process a signal ended.
const SIGNAL_EXIT: ReadonlyArray<[NodeJS.Signals, number]> = [
  ['SIGHUP', 129],
  ['SIGINT', 130],
  ['SIGTERM', 143],
];

let installed = false;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Removes every temporary; returns those it could not remove. Never throws: it runs in
 * signal handlers and at exit, where an exception would replace the exit status.
 */
function removeAll(): string[] {
  const left: string[] = [];
  for (const path of held.keys()) {
    // A worker thread may still be adding a part to a folder being removed (the folder is
    // then not empty when it is removed): try again, up to about a second.
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 });
        break;
      } catch {
        if (attempt === 50) {
          left.push(path);
          break;
        }
        Atomics.wait(pause, 0, 0, 20);
      }
    }
  }
  held.clear();
  return left;
}

function install(): void {
  if (installed || !isMainThread) return;
  installed = true;
  process.on('exit', () => void removeAll());
  for (const [signal, status] of SIGNAL_EXIT) {
    process.on(signal, () => {
      const named = new Map<string, string>([...held.values()].filter((output): output is string => output !== undefined).map((output) => [output, 'not written']));
      for (const [output, state] of outputs) if (!named.has(output)) named.set(output, state);
      const left = removeAll();
      for (const [output, state] of named) process.stderr.write(`hivetool: ${output}: ${state}: stopped by ${signal}\n`);
      for (const path of left) process.stderr.write(`hivetool: ${path}: could not be removed; delete it by hand\n`);
      process.exit(status);
    });
  }
}

/**
 * Notes a temporary file or folder to remove if the process ends before `release`.
 * Signal handlers are installed on the first call (on the main thread; a worker's
 * temporaries live in a folder the main thread holds, or are held by it by name).
 */
export function hold(path: string, output?: string): void {
  held.set(path, output);
  install();
}

/** The temporary is gone (renamed into place, or removed). */
export function release(path: string): void {
  held.delete(path);
}

/**
 * Notes an output in the making that has no temporary of its own (an output folder), so
 * that a signal's line names it (`hivetool: OUT: STATE: stopped by SIGINT`); returns the
 * call that says it is done. Signal handlers are installed as by `hold`.
 */
export function pending(output: string, state = 'not written'): () => void {
  outputs.set(output, state);
  install();
  return () => void outputs.delete(output);
}
