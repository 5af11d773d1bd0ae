import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { identifyFormat } from '@hivetool/image/identify';
import { UsageError, safeLine } from './failures.js';
import type { CliIo } from './io.js';

// The progress bar and the glob matcher are loaded when first needed, not at start-up:
// most runs name plain files and write no bar, and loading them costs ~30 ms each run.
const require = createRequire(import.meta.url);
const cliProgress = (): typeof import('cli-progress') => require('cli-progress') as typeof import('cli-progress');
const tinyglobby = (): typeof import('tinyglobby') => require('tinyglobby') as typeof import('tinyglobby');

const GLOB_CHARACTERS = /[*?[\]{}]/;

/** The kind of file a directory stands for with --recursive: hives, or registry images. */
export type InputKind = 'hive' | 'image';

/** A regular file that starts like a `kind` file; anything unreadable (a dangling link) is passed over. */
function isInputFile(path: string, kind: InputKind): boolean {
  try {
    return statSync(path).isFile() && startsLike(path, kind);
  } catch {
    return false;
  }
}

/** True when the file starts with the magic of a `kind` file (format guide: hive "EKIM" at offset 8). */
function startsLike(path: string, kind: InputKind): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(16);
    const read = readSync(fd, head, 0, 16, 0);
    if (kind === 'hive') return read >= 12 && head[8] === 0x45 && head[9] === 0x4b && head[10] === 0x49 && head[11] === 0x4d;
    return identifyFormat(head.subarray(0, read)) === 'image';
  } finally {
    closeSync(fd);
  }
}

/**
 * The files a command's arguments name: a glob is expanded (for shells that do not), and
 * a directory, with `recursive`, stands for the hive files under it (by their magic, in
 * name order). A directory without `recursive` is refused with a hint; for `source`
 * (compile's .reg files, merged in the order named) always.
 */
export function expandInputs(args: readonly string[], recursive: boolean, kind: InputKind | 'source' = 'hive'): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (!existsSync(arg) && GLOB_CHARACTERS.test(arg)) {
      const matches = tinyglobby().globSync(arg, { onlyFiles: true, absolute: isAbsolute(arg) }).sort();
      if (matches.length === 0) throw new UsageError(`no file matches ${arg}`);
      files.push(...matches);
      continue;
    }
    if (existsSync(arg) && statSync(arg).isDirectory()) {
      // compile has no --recursive: its sources merge in the order named, which a folder does not give.
      if (kind === 'source') throw new UsageError(`${arg} is a directory: name the .reg files to compile, in merge order (common.reg, component files, platform.reg, project.reg)`);
      if (!recursive) throw new UsageError(`${arg} is a directory: add --recursive to read the hive files under it`);
      const found = (readdirSync(arg, { recursive: true, encoding: 'utf8' }) as string[])
        .map((name) => join(arg, name))
        .filter((path) => isInputFile(path, kind))
        .sort();
      if (found.length === 0) throw new UsageError(`${arg}: no ${kind === 'hive' ? 'hive file' : 'registry image'} under this directory`);
      files.push(...found);
      continue;
    }
    files.push(arg);
  }
  return files;
}

/** A progress bar on stderr, shown only on a terminal and for more than one file. */
export class Progress {
  private readonly bar: SingleBar | undefined;

  constructor(io: CliIo, total: number) {
    if (io.stderrTerminal !== undefined && total > 1) {
      this.bar = new (cliProgress().SingleBar)({ stream: io.stderrTerminal, format: ' {bar} {value}/{total} files | {file}', hideCursor: true, clearOnComplete: true });
      this.bar.start(total, 0, { file: '' });
    }
  }

  step(file: string): void {
    // A file name found in a folder is text from the file system: escaped as every such text.
    this.bar?.increment(1, { file: safeLine(file) });
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** The closing line of a run over several files, on stderr. */
export function summary(io: CliIo, total: number, parts: Array<[number, string]>): void {
  if (total < 2) return;
  io.stderr(`hivetool: ${total} files: ${parts.map(([count, what]) => `${count} ${what}`).join(', ')}\n`);
}
