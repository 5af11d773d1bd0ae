import { escapeForTerminal } from '@hivetool/registry';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { carveImage, isForensicsError, parseRamRegion, ramRegionOffset, sliceSource, stripSpareAreas, type ByteSource, type CarvedHive, type CarveOptions } from '@hivetool/forensics';
import { ExitCode, UsageError } from '../failures.js';
import { StdoutSink, refuseInputAsOutput, writeFileAtomic } from '../output.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';

const require = createRequire(import.meta.url);

export interface CarveArguments {
  images: string[];
  outDir: string;
  json: boolean;
  keepDamaged: boolean;
  /** NAND data bytes per page; with `spareSize`, the spare bytes are stripped before the scan. */
  pageSize?: number | undefined;
  spareSize?: number | undefined;
  /** `START:LENGTH[@BASE]`: scan only this RAM region of a capture, as a combined hive. */
  ramRegion?: string | undefined;
}

/** One candidate as the report shows it: what `carveImage` found, where it went. */
export interface CarveEntry extends Omit<CarvedHive, 'bytes' | 'restorePageSize'> {
  /** Offset in the raw dump, when spare areas were stripped (offsets are then in the data bytes). */
  physicalOffset?: number;
  /** The file written, or null. */
  output: string | null;
}

/**
 * An image file read on demand through one descriptor. Images can be far larger than
 * memory (a 4 GiB NAND dump): only the ranges the scanner asks for are read.
 */
function fileSource(fd: number, length: number): ByteSource {
  return {
    length,
    read(offset, count) {
      const size = Math.max(0, Math.min(count, length - offset));
      // Not zero-filled: every byte is read from the file before it is used. A buffer of
      // its own (offset 0) keeps the scanner's u32 view aligned.
      const buffer = Buffer.allocUnsafeSlow(size);
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, size);
      let done = 0;
      while (done < size) {
        const read = readSync(fd, bytes, done, size - done, offset + done);
        if (read === 0) break; // the file shrank while being read
        done += read;
      }
      return done === size ? bytes : bytes.subarray(0, done);
    },
  };
}

/** A bytes-scanned bar on stderr, only on a terminal. */
function progressBar(io: CliIo, total: number, label: string): SingleBar | undefined {
  if (io.stderrTerminal === undefined || total === 0) return undefined;
  const cliProgress = require('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: io.stderrTerminal, format: ` {bar} {percentage}% | {scanned}/{size} MiB | ${label}`, hideCursor: true, clearOnComplete: true });
  bar.start(total, 0, { scanned: 0, size: Math.round(total / 1048576) });
  return bar;
}

/** Bad forensic arguments are the caller's to fix: one line, exit 2. */
/**
 * A forensics argument error as one line: about an option's value (`subject` is the
 * option), or about what an option asks of an image (`subject` is the image file).
 */
function asUsage<T>(subject: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (isForensicsError(error)) {
      const detail = [error.what, error.expected === undefined ? '' : `expected ${error.expected}`, error.actual === undefined ? '' : `found ${error.actual}`].filter(Boolean).join(', ');
      const option = subject.startsWith('--');
      throw new UsageError(`${subject}: ${detail}${option ? '' : ` [${error.code}]`}`, !option);
    }
    throw error;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** `image@0x1234.hv` (`.damaged.hv` for a candidate that failed validation). */
export function carvedName(image: string, entry: Pick<CarvedHive, 'offset' | 'status'>): string {
  return `${basename(image)}@${hex(entry.offset)}${entry.status === 'damaged' ? '.damaged' : ''}.hv`;
}

export function describeEntry(image: string, entry: CarveEntry): string {
  const where = `${image}@${hex(entry.offset)}${entry.physicalOffset === undefined ? '' : ` (raw ${hex(entry.physicalOffset)})`}`;
  if (entry.status === 'object-store') return escapeForTerminal(`${where}: object store header, not a hive (not written)`);
  if (entry.status === 'restore-record') return escapeForTerminal(`${where}: ${entry.reason ?? 'restore record'}, not a hive (not written)`);
  const facts = [`${entry.status}`, `${entry.length} bytes`, entry.kind];
  if (entry.romSignature !== '') facts.push(`signature ${entry.romSignature}`);
  facts.push(`${entry.sections} sections, ${entry.keys} keys, ${entry.values} values`);
  if (entry.verify !== null) facts.push(entry.verify.errors + entry.verify.warnings === 0 ? 'verifies clean' : `verify: ${entry.verify.errors} errors, ${entry.verify.warnings} warnings`);
  const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
  return escapeForTerminal(`${where}: ${facts.join(', ')}${reason}${entry.output === null ? ' (not written)' : ` → ${entry.output}`}`);
}

/**
 * `hivetool carve IMAGE... -o OUTDIR`: scans each image for hive headers in windows
 * (bounded memory, any image size), writes each hive found to
 * `OUTDIR/<image>@0x<offset>.hv` atomically and reports every candidate. Exit 0 when every
 * candidate was a whole hive (or none was found), 1 when some were damaged or truncated,
 * 2 when an image could not be read.
 */
export async function run(args: CarveArguments, io: CommandIo): Promise<number> {
  const report = io.report;
  if ((args.pageSize === undefined) !== (args.spareSize === undefined)) throw new UsageError('--page-size and --spare-size go together (e.g. --page-size 2048 --spare-size 64)');
  // Outputs are named after the image's file name: two images of one name would overwrite each other's hives.
  const names = new Map<string, string>();
  for (const image of args.images) {
    const other = names.get(basename(image));
    if (other !== undefined && other !== image) throw new UsageError(`${other} and ${image} have the same file name, and the hives found are named after it: carve them into separate directories`);
    names.set(basename(image), image);
  }
  const region = args.ramRegion === undefined ? undefined : asUsage(`--ram-region ${JSON.stringify(args.ramRegion)}`, () => parseRamRegion(args.ramRegion!));
  mkdirSync(args.outDir, { recursive: true });
  const sink = new StdoutSink(io);
  const documents: string[] = [];
  let failed = 0;
  let damaged = 0;
  for (const image of args.images) {
    let fd: number | undefined;
    let bar: SingleBar | undefined;
    try {
      fd = openSync(image, 'r');
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new UsageError(`${image}: not a regular file`);
      let source = fileSource(fd, stat.size);
      if (args.pageSize !== undefined) source = asUsage(image, () => stripSpareAreas(source, args.pageSize!, args.spareSize ?? 0));
      const options: CarveOptions = {};
      if (region !== undefined) {
        const start = asUsage(image, () => ramRegionOffset(region, source.length));
        source = sliceSource(source, start, region.length);
        options.offsetBase = start;
        options.kind = 'combined';
      }
      bar = progressBar(io, source.length, basename(image));
      options.onProgress = (scanned) => bar?.update(scanned, { scanned: Math.round(scanned / 1048576) });
      const entries: CarveEntry[] = [];
      for (const found of carveImage(source, options)) {
        const { bytes, restorePageSize: _pageSize, ...facts } = found;
        const entry: CarveEntry = { ...facts, output: null };
        if (args.pageSize !== undefined) entry.physicalOffset = Math.floor(found.offset / args.pageSize) * (args.pageSize + (args.spareSize ?? 0)) + (found.offset % args.pageSize);
        if (found.status === 'damaged' || found.status === 'truncated') damaged++;
        const write = bytes !== undefined && (found.status === 'hive' || found.status === 'truncated' || args.keepDamaged);
        if (write) {
          const target = join(args.outDir, carvedName(image, found));
          refuseInputAsOutput(args.images, target);
          writeFileAtomic(io, target, bytes);
          entry.output = target;
        }
        entries.push(entry);
        // Without a bar to share the terminal with, each line is shown as it is found.
        if (!args.json && bar === undefined) {
          sink.write(describeEntry(image, entry) + '\n');
          sink.close();
        }
      }
      if (bar !== undefined) {
        bar.stop();
        bar = undefined;
        if (!args.json) for (const entry of entries) sink.write(describeEntry(image, entry) + '\n');
      }
      if (args.json) documents.push(JSON.stringify({ image, size: stat.size, scanned: source.length, found: entries }));
      else if (entries.length === 0) sink.write(`${image}: no hive header found\n`);
    } catch (error) {
      bar?.stop();
      if (!report.failure(image, error)) throw error;
      failed++;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  if (args.json) sink.write(`{"format":"hivetool-carve","schemaVersion":1,"images":[${documents.join(',\n')}]}\n`);
  sink.close();
  return failed > 0 ? ExitCode.FAILED : damaged > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
