import { closeSync, existsSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { UsageError } from './failures.js';
import { basename, dirname, join } from 'node:path';

/** Where rendered text goes. `write` buffers; `close` flushes and commits. */
export interface TextSink {
  write(text: string): void;
  close(): void;
  /** Drops what was written (an output file is never created). */
  abort(): void;
}

// Rendered text is gathered into pieces of about this many characters before each
// write call: one syscall per piece instead of one per line.
const FLUSH_CHARS = 1 << 16;

abstract class BufferedSink implements TextSink {
  private pending = '';

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  protected flush(): void {
    if (this.pending.length === 0) return;
    this.emit(this.pending);
    this.pending = '';
  }

  protected discard(): void {
    this.pending = '';
  }

  protected abstract emit(text: string): void;
  abstract close(): void;
  abstract abort(): void;
}

/** Standard output (synchronous for files and pipes on POSIX, so ordering is kept). */
export class StdoutSink extends BufferedSink {
  protected emit(text: string): void {
    process.stdout.write(text);
  }
  close(): void {
    this.flush();
  }
  abort(): void {
    this.flush();
  }
}

/**
 * A file written atomically: text goes to a temporary file beside the target, which is
 * renamed over the target only on `close`. A failed run leaves no partial output.
 */
export class AtomicFileSink extends BufferedSink {
  private readonly temporary: string;
  private fd: number | undefined;

  constructor(readonly target: string) {
    super();
    this.temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    this.fd = openSync(this.temporary, 'wx', 0o644);
  }

  protected emit(text: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.temporary, this.target);
  }

  abort(): void {
    this.discard();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.temporary, { force: true });
  }
}

/** Writes whole bytes to `target` atomically (temporary file + rename). */
export function writeFileAtomic(target: string, bytes: Uint8Array): void {
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'wx', 0o644);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, target);
}

/**
 * Refuses an output path that names one of the inputs (the same file by any path or
 * link): hivetool never modifies an input.
 */
export function refuseInputAsOutput(inputs: readonly string[], output: string): void {
  if (!existsSync(output)) return;
  const target = statSync(output);
  const targetPath = realpathSync(output);
  for (const input of inputs) {
    if (!existsSync(input)) continue;
    const source = statSync(input);
    if ((source.dev === target.dev && source.ino === target.ino) || realpathSync(input) === targetPath) {
      throw new UsageError(`refusing to overwrite the input ${input}: choose another output file`);
    }
  }
}
