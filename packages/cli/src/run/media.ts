import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readFileRange, scanProgressBar } from '../imageFile.js';
import type { SingleBar } from 'cli-progress';
import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import { examineMedia, type HiveFile, type MediaReport, type MediaSource, type RomMatch } from '@hivetool/media';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { MEDIA_WORKER, startWorker } from '../workers.js';
import { StdoutSink, refuseInputAsOutput, refuseSpecialAtGeneratedName, writeFileAtomic } from '../output.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';


export interface MediaArguments {
  image: string;
  /** Folder every hive found is written into. */
  outDir?: string | undefined;
  json: boolean;
  /** Scan the whole image for ROM hives by signature. */
  romScan: boolean;
}

/** Characters kept in a file name made from a path in the image: the rest become `_`. */
const UNSAFE = /[^A-Za-z0-9._-]+/g;
const MAX_NAME = 150;

/**
 * A file name from a path found in an image (`\Documents and Settings\system.hv` →
 * `v1-Documents_and_Settings_system.hv`): separators and every character outside
 * `[A-Za-z0-9._-]` replaced, no leading dot, bounded length — the path is never used raw.
 */
export function nameFromImagePath(volume: number, path: string, suffix: string): string {
  let base = path.replace(/\.hv$/i, '').replace(UNSAFE, '_').replace(/^[._]+/, '');
  if (base.length > MAX_NAME) base = base.slice(0, MAX_NAME);
  return `v${volume}-${base === '' ? 'unnamed' : base}${suffix}.hv`;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The suffix of a hive file's output name: what it is when not a live whole hive, and which FAT state. */
export function suffixOf(hive: Pick<HiveFile, 'deleted' | 'status' | 'fats'>): string {
  const parts: string[] = [];
  if (hive.deleted) parts.push('deleted');
  if (hive.status !== 'hive' && hive.status !== 'recovered') parts.push(hive.status);
  if (hive.fats.length === 1 && hive.fats[0] === 1) parts.push('fat1');
  return parts.map((part) => `.${part}`).join('');
}

interface Written {
  hives: Map<HiveFile, string>;
  roms: Map<number, string>;
}

/** Writes every hive found into `outDir` under names made from their paths, never two under one name. */
function writeAll(io: CliIo, image: string, outDir: string, report: MediaReport): Written {
  const written: Written = { hives: new Map(), roms: new Map() };
  const used = new Set<string>();
  const unique = (name: string): string => {
    let candidate = name;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = name.replace(/\.hv$/, `-${n}.hv`);
    used.add(candidate.toLowerCase());
    return candidate;
  };
  const plan: { target: string; bytes: Uint8Array; done: (target: string) => void }[] = [];
  for (const volume of report.volumes) {
    for (const hive of volume.hives) plan.push({ target: join(outDir, unique(nameFromImagePath(volume.index, hive.path, suffixOf(hive)))), bytes: hive.bytes, done: (target) => written.hives.set(hive, target) });
  }
  for (const rom of report.romHives) plan.push({ target: join(outDir, unique(`${basename(image).replace(UNSAFE, '_')}@${hex(rom.offset)}.rom.hv`)), bytes: rom.bytes, done: (target) => written.roms.set(rom.offset, target) });
  // Every name checked before anything is written: a folder or FIFO at one of them stops
  // the run with the folder as it was.
  for (const { target } of plan) {
    refuseInputAsOutput([image], target);
    refuseSpecialAtGeneratedName(target);
  }
  for (const { target, bytes, done } of plan) {
    writeFileAtomic(io, target, bytes, 'generated');
    done(target);
  }
  return written;
}

function romText(image: string, match: RomMatch, written: Written | undefined, report: MediaReport): string {
  if (match.where === 'image') {
    const output = written?.roms.get(match.offset);
    return output === undefined ? `the ROM hive at ${image}@${hex(match.offset)}` : `--rom ${output}`;
  }
  const file = report.volumes[match.volume - 1]?.hives.find((hive) => hive.path === match.path && !hive.deleted);
  const output = file === undefined ? undefined : written?.hives.get(file);
  return output === undefined ? `the ROM hive ${(match.path)} on volume ${match.volume}` : `--rom ${output}`;
}

function describeHive(image: string, report: MediaReport, volumeIndex: number, position: number, hive: HiveFile, written: Written | undefined): string[] {
  const facts = [`${hive.size} bytes`, hive.kind, hive.status];
  if (hive.verify !== null) facts.push(hive.verify.errors + hive.verify.warnings === 0 ? 'verifies clean' : `verify: ${hive.verify.errors} errors, ${hive.verify.warnings} warnings`);
  facts.push(`${hive.runs.length} run${hive.runs.length === 1 ? '' : 's'}${hive.runs.length > 1 ? ' (fragmented)' : ''}`);
  if (hive.fats.length === 1 && (hive.fats[0] === 1 || report.volumes[volumeIndex - 1]!.fatsDiffer)) facts.push(hive.fats[0] === 1 ? 'FAT1 (uncommitted) state' : 'FAT0 (committed) state');
  facts.push(`found by ${hive.foundBy}`);
  const output = written?.hives.get(hive);
  const lines = [`  ${hive.deleted ? 'deleted ' : ''}${(hive.path)}: ${facts.join(', ')}${hive.reason === undefined ? '' : ` (${hive.reason})`}${output === undefined ? '' : ` → ${output}`}`];
  const shown = hive.runs.slice(0, 8).map((run) => `${hex(run.offset)}+${hex(run.length)}`);
  lines.push(`    runs: ${shown.join(' ')}${hive.runs.length > 8 ? ` … ${hive.runs.length - 8} more` : ''}; sha256 ${sha256(hive.bytes)}`);
  const pair = report.pairs.find((p) => p.volume === volumeIndex && p.hive === position);
  if (pair !== undefined) {
    if (pair.roms.length > 0) lines.push(`    reads with ${pair.roms.map((match) => romText(image, match, written, report)).join(', or ')}`);
    else {
      const others = pair.rejected.length === 0 ? '' : `; ${pair.rejected.map((match) => romText(image, match, undefined, report)).join(', ')} ha${pair.rejected.length === 1 ? 's' : 've'} its signature but not the keys it links to`;
      lines.push(`    links into a ROM hive with signature ${hive.romSignature}, not found in this image${others}`);
    }
  }
  return lines;
}

function romOutput(match: RomMatch, written: Written | undefined, report: MediaReport): string | null {
  if (match.where === 'image') return written?.roms.get(match.offset) ?? null;
  const file = report.volumes[match.volume - 1]?.hives.find((hive) => hive.path === match.path && !hive.deleted);
  return (file === undefined ? undefined : written?.hives.get(file)) ?? null;
}

function jsonReport(image: string, report: MediaReport, written: Written | undefined): unknown {
  return {
    format: 'hivetool-media',
    schemaVersion: 1,
    image,
    size: report.size,
    partitions: report.partitions,
    volumes: report.volumes.map((volume) => ({
      ...volume,
      hives: volume.hives.map((hive, position) => {
        const { bytes, reason, ...facts } = hive;
        const pair = report.pairs.find((p) => p.volume === volume.index && p.hive === position);
        return {
          ...facts,
          reason: reason ?? null,
          sha256: sha256(bytes),
          output: written?.hives.get(hive) ?? null,
          rom: pair === undefined ? null : { readsWith: pair.roms.map((match) => ({ ...match, output: romOutput(match, written, report) })), sameSignature: pair.rejected },
        };
      }),
    })),
    romHives: report.romHives.map(({ bytes, ...facts }) => ({ ...facts, sha256: sha256(bytes), output: written?.roms.get(facts.offset) ?? null })),
    findings: report.findings,
  };
}

/** What the media worker thread is given. */
export interface MediaScanData {
  image: string;
  romScan: boolean;
}

/** What the media worker thread says, in order. */
export type MediaScanMessage =
  | { kind: 'start'; size: number }
  | { kind: 'progress'; scanned: number }
  | { kind: 'done'; report: MediaReport }
  | { kind: 'failure'; line: string }
  | { kind: 'bug'; stack: string };

/** On the media worker thread: opens the image and reads its layers (examineMedia). */
export function examineImage(data: MediaScanData, post: (message: MediaScanMessage) => void): void {
  let fd: number | undefined;
  try {
    // Opened without blocking: a FIFO opened for reading would wait for a writer for ever.
    fd = openSync(data.image, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile() && !stat.isBlockDevice()) throw new UsageError(`${data.image}: not a regular file or block device: media reads an image file`, true);
    const size = stat.size;
    const file = fd;
    const source: MediaSource = { size, read: (offset, count) => readFileRange(file, size, offset, count) };
    post({ kind: 'start', size: source.size });
    const report = examineMedia(source, { scanForRomHives: data.romScan, onProgress: (scanned) => post({ kind: 'progress', scanned }) });
    post({ kind: 'done', report });
  } catch (error) {
    const line = describeFailure(error, data.image);
    post(line === undefined ? { kind: 'bug', stack: error instanceof Error ? (error.stack ?? error.message) : String(error) } : { kind: 'failure', line });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs examineImage on a worker thread; passes on its progress and returns its report. */
async function examineOnThread(data: MediaScanData, progress: (message: Extract<MediaScanMessage, { kind: 'start' | 'progress' }>) => void): Promise<MediaReport> {
  const worker = startWorker(MEDIA_WORKER, data);
  try {
    return await new Promise<MediaReport>((resolve, reject) => {
      worker.on('message', (message: MediaScanMessage) => {
        if (message.kind === 'start' || message.kind === 'progress') progress(message);
        else if (message.kind === 'done') resolve(message.report);
        else if (message.kind === 'failure') reject(new UsageError(message.line.startsWith(`${data.image}: `) ? message.line : `${data.image}: ${message.line}`, true));
        else reject(new Error(`internal error on ${data.image}: ${message.stack}`));
      });
      worker.on('error', reject);
      worker.on('exit', () => reject(new Error('the media worker thread ended without a result')));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * `hivetool media IMAGE [-o DIR]`: the image's layers — partitions, FAT/TFAT volumes, the
 * hive files on each (fragmented and deleted ones included), the ROM hives found by
 * signature and which one each persistent hive reads with. Exit 0 without findings, 1 with
 * findings or a live hive that is not whole, 2 when the image cannot be read.
 */
export async function run(args: MediaArguments, io: CommandIo): Promise<number> {
  const image = args.image;
  if (image === '-') throw new UsageError('media reads an image by offset, layer by layer: - (standard input) cannot be read so; save it to a file first');
  if (args.outDir === '-') throw new UsageError('media -o takes the folder the hives found are written into: - (standard output) cannot hold several files');
  if (args.outDir !== undefined) {
    if (statSync(args.outDir, { throwIfNoEntry: false })?.isDirectory() === false) {
      throw new UsageError(`${args.outDir}: is a file, not a folder: media -o takes the folder the hives found are written into (created when missing)`, true);
    }
  }
  let bar: SingleBar | undefined;
  try {
    // The layers are read on a worker thread, so that this thread stays free to handle a
    // signal during a long scan (nothing is written before the report is complete).
    const report = await examineOnThread({ image, romScan: args.romScan }, (message) => {
      if (message.kind === 'start') bar = args.romScan ? scanProgressBar(io, message.size, `${basename(image)}: ROM hives by signature`) : undefined;
      else bar?.update(message.scanned, { scanned: Math.round(message.scanned / 1048576) });
    });
    bar?.stop();
    bar = undefined;
    let written: Written | undefined;
    if (args.outDir !== undefined) {
      mkdirSync(args.outDir, { recursive: true });
      written = writeAll(io, image, args.outDir, report);
    }
    const sink = new StdoutSink(io);
    if (args.json) sink.write(terminalSafeJson(JSON.stringify(jsonReport(image, report, written), null, 1)) + '\n');
    else {
      const lines: string[] = [`${image}: ${report.size} bytes`];
      if (report.partitions === null) lines.push('partitions: no MBR partition table');
      else {
        lines.push('partitions (MBR):');
        for (const p of report.partitions) lines.push(`  ${p.index}: type ${hex(p.type)} ${p.typeName}${p.active ? ', active' : ''}, at ${hex(p.offset)}, ${p.length} bytes${p.cut ? ' (cut by the end of the image)' : ''}`);
      }
      if (report.volumes.length === 0) lines.push('volumes: no FAT volume found');
      for (const volume of report.volumes) {
        const where = volume.partition === null ? `at ${hex(volume.offset)}` : `partition ${volume.partition}, at ${hex(volume.offset)}`;
        lines.push(`volume ${volume.index} (${where}): ${volume.type}, type string ${JSON.stringify(volume.typeString)}, label ${JSON.stringify(volume.label)}, ${volume.clusterCount} clusters of ${volume.clusterSize} bytes, ${volume.fatCount} FATs; ${volume.files} files, ${volume.deletedFiles} deleted entries`);
        if (volume.tfat !== null) {
          const t = volume.tfat;
          const status = t.status === 'raw' ? `transaction status ${hex(t.statusRaw)} (raw: its values are known only for FAT16)` : `transaction ${t.status} (${hex(t.statusRaw)})`;
          lines.push(`  TFAT: ${status}${t.fatCountZero ? ', number-of-FATs field 0 (a commit was cut)' : ''}; ${volume.fatsDiffer ? 'FAT0 (last known good) and FAT1 (active) differ: both states read' : 'FAT0 and FAT1 agree'}`);
        } else if (volume.fatsDiffer) lines.push('  FAT0 and FAT1 differ: both read');
        if (volume.hives.length === 0) lines.push('  no hive file');
        volume.hives.forEach((hive, position) => lines.push(...describeHive(image, report, volume.index, position, hive, written)));
      }
      if (report.romHives.length > 0) {
        lines.push('ROM hives found by signature (not as files):');
        for (const rom of report.romHives) {
          const output = written?.roms.get(rom.offset);
          lines.push(`  ${image}@${hex(rom.offset)}: ${rom.length} bytes, signature ${rom.romSignature}, ${rom.keys} keys, ${rom.values} values, sha256 ${sha256(rom.bytes)}${output === undefined ? '' : ` → ${output}`}`);
        }
      }
      if (report.findings.length > 0) {
        lines.push('findings:');
        for (const finding of report.findings) lines.push(`  ${finding.layer}: ${finding.message} at ${hex(finding.offset)} [${finding.code}]`);
      }
      // Paths, labels and names come from the image: escaped by the one rule for text from a file.
      sink.write(terminalLines(lines));
    }
    sink.close();
    const notWhole = report.volumes.some((volume) => volume.hives.some((hive) => !hive.deleted && hive.status !== 'hive'));
    return report.findings.length > 0 || notWhole ? ExitCode.FINDINGS : ExitCode.OK;
  } finally {
    bar?.stop();
  }
}
