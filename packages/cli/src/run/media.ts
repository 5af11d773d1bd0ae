import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readFileRange, scanProgressBar } from '../imageFile.js';
import type { SingleBar } from 'cli-progress';
import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import {
  SPARE_LAYOUT_NAMES,
  checkFalGeometry,
  defaultPagesPerBlock,
  examineMedia,
  layoutExtent,
  openFal,
  parseSpareLayout,
  type FalCounts,
  type FalGeometry,
  type FlashLayoutSector,
  type HiveFile,
  type LayoutCandidate,
  type MediaReport,
  type MediaSource,
  type RomMatch,
  type FalVolume,
  type VersionsReport,
} from '@hivetool/media';
import { describeVersions, fileVersions, staleCopiesOf, type FileVersion } from '../falVersions.js';
import type { FalArguments } from '../options.js';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { MEDIA_WORKER, startWorker } from '../workers.js';
import { AtomicFileSink, StdoutSink, refuseInputAsOutput, refuseSpecialAtGeneratedName, writeFileAtomic } from '../output.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';


export interface MediaArguments {
  image: string;
  /** Folder every hive found is written into. */
  outDir?: string | undefined;
  json: boolean;
  /** Scan the whole image for ROM hives by signature. */
  romScan: boolean;
  /** `--fal`: the image is a NAND dump; its logical sector space is rebuilt first. */
  fal?: FalArguments | undefined;
  /** `--export-logical FILE`. */
  exportLogical?: string | undefined;
}

export type { FalArguments } from '../options.js';

/** What the report says about the FAL layer (`fal` in the JSON). */
export interface FalSummary {
  layout: { name: string; how: 'given' | 'detected'; evidence: string; offsets: { sector: number; status: number; oem: number; bad: number[] }; source: string; candidates: LayoutCandidate[] };
  geometry: FalGeometry;
  counts: FalCounts;
  staleCopies: number;
  msflsh50: FlashLayoutSector | null;
  eccCorrected: false;
  logicalSize: number;
  export: string | null;
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
/** A live hive file's earlier versions (with --fal), by volume index and position in its `hives`. */
export interface HiveVersions {
  volume: number;
  hive: number;
  history: Omit<VersionsReport, 'versions'>;
  versions: FileVersion[];
  bytes: Uint8Array[];
}

function writeAll(io: CliIo, image: string, outDir: string, report: MediaReport, versions: readonly HiveVersions[] = []): Written {
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
    volume.hives.forEach((hive, position) => {
      const name = unique(nameFromImagePath(volume.index, hive.path, suffixOf(hive)));
      plan.push({ target: join(outDir, name), bytes: hive.bytes, done: (target) => written.hives.set(hive, target) });
      // Its earlier versions beside it: NAME.version-N.hv (.unproven where it could be a hybrid).
      const found = versions.find((entry) => entry.volume === volume.index && entry.hive === position);
      for (const version of found?.versions ?? []) {
        const target = join(outDir, unique(name.replace(/\.hv$/, `.version-${version.index}${version.proven ? '' : '.unproven'}.hv`)));
        plan.push({ target, bytes: found!.bytes[version.index - 1]!, done: (written) => (version.output = written) });
      }
    });
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

function describeHive(image: string, report: MediaReport, volumeIndex: number, position: number, hive: HiveFile, written: Written | undefined, versions: readonly HiveVersions[] = []): string[] {
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
  const found = versions.find((entry) => entry.volume === volumeIndex && entry.hive === position);
  if (found !== undefined) lines.push(...describeVersions(found.history, found.versions));
  return lines;
}

function romOutput(match: RomMatch, written: Written | undefined, report: MediaReport): string | null {
  if (match.where === 'image') return written?.roms.get(match.offset) ?? null;
  const file = report.volumes[match.volume - 1]?.hives.find((hive) => hive.path === match.path && !hive.deleted);
  return (file === undefined ? undefined : written?.hives.get(file)) ?? null;
}

/** A hive's `history` and `versions` in the JSON (with --fal; null for a hive without them). */
function versionsJson(found: HiveVersions | undefined): { history: HiveVersions['history'] | null; versions: FileVersion[] | null } {
  return found === undefined ? { history: null, versions: null } : { history: found.history, versions: found.versions };
}

function jsonReport(image: string, report: MediaReport, written: Written | undefined, fal: FalSummary | null, versions: readonly HiveVersions[] = []): unknown {
  return {
    format: 'hivetool-media',
    schemaVersion: 1,
    image,
    size: report.size,
    fal,
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
          ...(fal === null ? {} : versionsJson(versions.find((entry) => entry.volume === volume.index && entry.hive === position))),
        };
      }),
    })),
    romHives: report.romHives.map(({ bytes, ...facts }) => ({ ...facts, sha256: sha256(bytes), output: written?.roms.get(facts.offset) ?? null })),
    findings: report.findings,
  };
}

/** The FAL layer in the listing: geometry, layout and its evidence, what the pages hold. */
function describeFal(image: string, fal: FalSummary): string[] {
  const g = fal.geometry;
  const c = fal.counts;
  const lines = [`${image}: NAND dump, ${g.pages} pages of ${g.pageSize}+${g.spareSize} bytes, ${g.pagesPerBlock} per block, ${g.blocks} blocks (${g.badBlocks} bad, ${g.reservedBlocks} reserved, ${g.readOnlyBlocks} read-only)${g.trailingBytes > 0 ? `, ${g.trailingBytes} bytes after the last whole page` : ''}`];
  const offsets = `sector@${fal.layout.offsets.sector} status@${fal.layout.offsets.status} oem@${fal.layout.offsets.oem} bad@${fal.layout.offsets.bad.join('+')}`;
  lines.push(`  FAL spare layout: ${fal.layout.name} (${offsets}), ${fal.layout.how}; ${fal.layout.how === 'detected' ? `evidence: ${fal.layout.evidence}` : fal.layout.source}`);
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  lines.push(`  pages: ${c.mapped} mapped, ${plural(c.stale, 'stale copy', 'stale copies')} (earlier versions of their sectors), ${c.free} free, ${plural(c.incomplete, 'write', 'writes')} never completed, ${plural(c.duplicates, 'duplicate pair', 'duplicate pairs')}, ${c.unreadable} unreadable`);
  if (g.badBlocks > 0) lines.push(`  bad blocks: ${g.badBlockList.slice(0, 16).join(', ')}${g.badBlocks > 16 ? ` … ${g.badBlocks - 16} more` : ''}`);
  if (fal.msflsh50 !== null) {
    const m = fal.msflsh50;
    const reserved = m.reserved.map((entry) => `${JSON.stringify(entry.name)} blocks ${entry.startBlock}+${entry.blocks}`).join(', ');
    const regions = m.regions.map((region) => `${region.regionTypeName} blocks ${region.startPhysBlock}+${region.physBlocks}, ${region.logicalBlocks} logical blocks of ${region.sectorsPerBlock} sectors, ${region.compactBlocks} compaction blocks`).join('; ');
    lines.push(`  MSFLSH50 layout sector at page ${m.physicalPage}: reserved ${reserved === '' ? 'none' : reserved}; regions ${regions === '' ? 'none' : regions}${m.trailingRaw === '' ? '' : `; unparsed bytes ${m.trailingRaw.slice(0, 64)}${m.trailingRaw.length > 64 ? '…' : ''}`}`);
  }
  lines.push(`  logical sector space: ${c.logicalSectors} sectors mapped, ${fal.logicalSize} bytes; partitions and volumes below are read from it (their offsets are logical)`);
  lines.push('  data read as stored: no ECC correction; the flash MDD/PDD model of CE 6 R2 and later is not read');
  if (fal.export !== null) lines.push(`  logical sector space written to ${fal.export}`);
  return lines;
}

/** `--export-logical`: the logical sector space, sector by sector from the image, through a temporary file. */
function writeLogical(io: CliIo, image: string, target: string, map: Int32Array, fal: FalSummary): void {
  const { pageSize, spareSize } = fal.geometry;
  const physical = pageSize + spareSize;
  const fd = openSync(image, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const size = fstatSync(fd).size;
    const sink = new AtomicFileSink(io, target);
    try {
      const batch = Math.max(1, Math.floor((4 * 1024 * 1024) / pageSize));
      for (let first = 0; first < map.length; first += batch) {
        const count = Math.min(batch, map.length - first);
        const chunk = new Uint8Array(count * pageSize);
        for (let i = 0; i < count; ) {
          const page = map[first + i]!;
          if (page < 0) {
            i++;
            continue;
          }
          // Sectors on consecutive pages (a block written in order) in one read.
          let run = 1;
          while (i + run < count && map[first + i + run] === page + run) run++;
          const bytes = readFileRange(fd, size, page * physical, run * physical);
          for (let k = 0; k < run && k * physical < bytes.length; k++) chunk.set(bytes.subarray(k * physical, Math.min(bytes.length, k * physical + pageSize)), (i + k) * pageSize);
          i += run;
        }
        sink.writeBytes(chunk);
      }
      sink.close();
    } catch (error) {
      sink.abort();
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

/** What the media worker thread is given. */
export interface MediaScanData {
  image: string;
  romScan: boolean;
  fal?: FalArguments | undefined;
}

/** What the media worker thread says, in order. */
export type MediaScanMessage =
  | { kind: 'start'; size: number; label: string }
  | { kind: 'progress'; scanned: number }
  | { kind: 'done'; report: MediaReport; fal: FalSummary | null; map: Int32Array | null; versions: HiveVersions[] }
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
    let layer = source;
    let fal: FalSummary | null = null;
    let map: Int32Array | null = null;
    let falVolume: FalVolume | undefined;
    const falFindings: MediaReport['findings'] = [];
    if (data.fal !== undefined) {
      const { pageSize, spareSize } = data.fal;
      const pagesPerBlock = data.fal.pagesPerBlock ?? defaultPagesPerBlock(pageSize);
      const problem = checkFalGeometry(pageSize, spareSize, pagesPerBlock);
      if (problem !== undefined) throw new UsageError(`--fal: ${problem}`);
      const layout = data.fal.layout === 'auto' ? 'auto' : parseSpareLayout(data.fal.layout);
      if (typeof layout === 'string' && layout !== 'auto') throw new UsageError(`--spare-layout ${data.fal.layout}: ${layout}; or name a preset: auto, ${SPARE_LAYOUT_NAMES.join(', ')}`);
      if (typeof layout !== 'string' && layoutExtent(layout) > spareSize) throw new UsageError(`--spare-layout ${layout.name} reads spare bytes up to offset ${layoutExtent(layout) - 1} (it is for ${layout.spareSize}-byte spare areas), and --spare-size is ${spareSize}: check the geometry`);
      post({ kind: 'start', size, label: `${basename(data.image)}: spare areas (FAL)` });
      const volume = openFal(source, { pageSize, spareSize, pagesPerBlock, layout, onProgress: (scanned) => post({ kind: 'progress', scanned }) });
      falVolume = volume;
      const decided = volume.layout.layout;
      if (decided === null || volume.layout.how === 'undecided') {
        throw new UsageError(`${data.image}: cannot decide the NAND spare-area layout: ${volume.layout.evidence}; check --page-size ${pageSize} --spare-size ${spareSize} against the chip, or name the layout with --spare-layout (${SPARE_LAYOUT_NAMES.join(', ')}, or offsets sector=N,status=N,oem=N,bad=N)`, true);
      }
      for (const finding of volume.findings) falFindings.push({ ...finding, layer: 'FAL' });
      if (volume.omittedFindings > 0) falFindings.push({ code: 'LIMIT_REACHED', offset: 0, message: `${volume.omittedFindings} more findings of the same kinds left out`, layer: 'FAL' });
      fal = {
        layout: { name: decided.name, how: volume.layout.how, evidence: volume.layout.evidence, offsets: { sector: decided.sector, status: decided.status, oem: decided.oem, bad: decided.bad }, source: decided.source, candidates: volume.layout.candidates },
        geometry: volume.geometry,
        counts: volume.counts,
        staleCopies: volume.stale.length,
        msflsh50: volume.msflsh50,
        eccCorrected: false,
        logicalSize: volume.logical.size,
        export: null,
      };
      map = new Int32Array(volume.logical.size / pageSize);
      for (let sector = 0; sector < map.length; sector++) map[sector] = volume.physicalPageOf(sector);
      layer = volume.logical;
    }
    if (data.romScan) post({ kind: 'start', size: layer.size, label: `${basename(data.image)}: ROM hives by signature${fal === null ? '' : ' (logical sectors)'}` });
    const report = examineMedia(layer, { scanForRomHives: data.romScan, onProgress: (scanned) => post({ kind: 'progress', scanned }) });
    report.findings.unshift(...falFindings);
    // With --fal, each live hive file's earlier versions from the stale pages.
    const versions: HiveVersions[] = [];
    if (falVolume !== undefined) {
      const stale = staleCopiesOf(falVolume, report);
      for (const volume of report.volumes) {
        volume.hives.forEach((hive, position) => {
          if (hive.deleted || hive.status !== 'hive') return;
          const found = fileVersions(falVolume!, stale, hive.runs.map((run) => ({ offset: volume.offset + run.offset, length: run.length })), hive.bytes);
          versions.push({ volume: volume.index, hive: position, ...found });
        });
      }
    }
    post({ kind: 'done', report, fal, map, versions });
  } catch (error) {
    const line = describeFailure(error, data.image);
    post(line === undefined ? { kind: 'bug', stack: error instanceof Error ? (error.stack ?? error.message) : String(error) } : { kind: 'failure', line });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs examineImage on a worker thread; passes on its progress and returns its report. */
async function examineOnThread(data: MediaScanData, progress: (message: Extract<MediaScanMessage, { kind: 'start' | 'progress' }>) => void): Promise<Extract<MediaScanMessage, { kind: 'done' }>> {
  const worker = startWorker(MEDIA_WORKER, data);
  try {
    return await new Promise<Extract<MediaScanMessage, { kind: 'done' }>>((resolve, reject) => {
      worker.on('message', (message: MediaScanMessage) => {
        if (message.kind === 'start' || message.kind === 'progress') progress(message);
        else if (message.kind === 'done') resolve(message);
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
  if (args.exportLogical !== undefined) {
    if (args.exportLogical === '-') throw new UsageError('--export-logical takes a file: the logical sector space is written through a temporary file beside it, never to standard output');
    refuseInputAsOutput([image], args.exportLogical);
  }
  let bar: SingleBar | undefined;
  try {
    // The layers are read on a worker thread, so that this thread stays free to handle a
    // signal during a long scan (nothing is written before the report is complete).
    const done = await examineOnThread({ image, romScan: args.romScan, fal: args.fal }, (message) => {
      if (message.kind === 'start') {
        bar?.stop();
        bar = scanProgressBar(io, message.size, message.label);
      } else bar?.update(message.scanned, { scanned: Math.round(message.scanned / 1048576) });
    });
    bar?.stop();
    bar = undefined;
    const { report, fal, versions } = done;
    if (fal !== null && done.map !== null && args.exportLogical !== undefined) {
      writeLogical(io, image, args.exportLogical, done.map, fal);
      fal.export = args.exportLogical;
    }
    let written: Written | undefined;
    if (args.outDir !== undefined) {
      mkdirSync(args.outDir, { recursive: true });
      written = writeAll(io, image, args.outDir, report, versions);
    }
    const sink = new StdoutSink(io);
    if (args.json) sink.write(terminalSafeJson(JSON.stringify(jsonReport(image, report, written, fal, versions), null, 1)) + '\n');
    else {
      const lines: string[] = fal === null ? [`${image}: ${report.size} bytes`] : describeFal(image, fal);
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
        volume.hives.forEach((hive, position) => lines.push(...describeHive(image, report, volume.index, position, hive, written, versions)));
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
