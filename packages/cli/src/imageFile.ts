/** What carve and media share to scan an image file: reading it a range at a time, and the bar of bytes scanned. */
import { readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { escapeForTerminal } from '@hivetool/registry';
import type { CliIo } from './io.js';

const require = createRequire(import.meta.url);

/**
 * `count` bytes of the file `fd` (of `size` bytes) from `offset`, fewer at its end or when
 * the file shrank while being read. Not zero-filled: every byte is read from the file before
 * it is used. A buffer of its own (offset 0) keeps a scanner's 32-bit view of it aligned.
 */
export function readFileRange(fd: number, size: number, offset: number, count: number): Uint8Array {
  const length = Math.max(0, Math.min(count, size - offset));
  const buffer = Buffer.allocUnsafeSlow(length);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, offset + done);
    if (read === 0) break; // the file shrank while being read
    done += read;
  }
  return done === length ? bytes : bytes.subarray(0, done);
}

/** A bar of the bytes scanned on stderr, only on a terminal; `label` (a file's name) is escaped. */
export function scanProgressBar(io: CliIo, total: number, label: string): SingleBar | undefined {
  if (io.stderrTerminal === undefined || total === 0) return undefined;
  const cliProgress = require('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: io.stderrTerminal, format: ` {bar} {percentage}% | {scanned}/{size} MiB | ${escapeForTerminal(label)}`, hideCursor: true, clearOnComplete: true });
  bar.start(total, 0, { scanned: 0, size: Math.round(total / 1048576) });
  return bar;
}
