import { escapeForTerminal } from '@hivetool/registry';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readFileRange, scanProgressBar } from '../imageFile.js';
import type { SingleBar } from 'cli-progress';
import { createHash } from 'node:crypto';
import { carveImage, examineCandidate, bytesSource, isForensicsError, parseRamRegion, ramRegionOffset, sliceSource, stripSpareAreas, type ByteSource, type CarvedHive, type CarveOptions, type CarveStatus, type RamRegion } from '@hivetool/forensics';
import { describeLayout, examineMedia, isSpareLayoutName, openFal, parseSpareLayout, type FalVolume, type HiveFileStatus, type LayerFinding, type MediaReport, type SpareLayout, type TfatState, type VersionsReport } from '@hivetool/media';
import type { FalArguments } from '../options.js';
import { nameFromImagePath, suffixOf } from './media.js';
import { describeVersions, fileVersions, staleCopiesOf, type FileVersion } from '../falVersions.js';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { pending } from '../temporaries.js';
import { CARVE_WORKER, startWorker } from '../workers.js';
import { StdoutSink, refuseInputAsOutput, refuseSpecialAtGeneratedName, writeFileAtomic } from '../output.js';
import type { CommandIo } from '../command.js';


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
  /** Candidates reported (and written) per image; the rest are examined and counted by status. */
  maxCandidates: number;
  /**
   * Read the storage layers first (MBR partitions, FAT/TFAT volumes, files): a hive that is
   * a file is read through its cluster chain and reported once, as the file (default true;
   * off with --no-layers, and for a RAM region, which holds no file system).
   */
  layers: boolean;
  /** `--fal`: the image is a raw NAND dump read through the flash translation layer. */
  fal?: FalArguments | undefined;
}

/** The statuses in the order the summary of candidates not reported names them. */
const STATUSES: readonly CarveStatus[] = ['hive', 'truncated', 'damaged', 'object-store', 'restore-record'];

/** Where a hive found as a file lies: its volume, path and runs (offsets in the data scanned). */
export interface CarveFileFacts {
  volume: number;
  /** The partition its volume fills, or null for a volume at the start of the image. */
  partition: number | null;
  path: string;
  deleted: boolean;
  foundBy: 'name' | 'content' | 'name and content';
  /** The FAT copies whose chains give these runs (TFAT: `[1]` the uncommitted state). */
  fats: number[];
  /** Size in the directory entry. */
  size: number;
  /** The file's bytes in file order, as offsets in the data scanned (more than one: fragmented). */
  runs: { offset: number; length: number }[];
  sha256: string;
  /** With --fal: how far the stale pages reach back for this file; null otherwise. */
  history: Omit<VersionsReport, 'versions'> | null;
  /** With --fal: its earlier versions from stale pages, newest first where the evidence orders them; null otherwise. */
  versions: CarveVersion[] | null;
}

/** An earlier version of a hive file, rebuilt from stale FAL pages (see findVersions). */
export type CarveVersion = FileVersion;

/** What the flash translation layer showed (the report's `fal`). */
export interface CarveFal {
  layout: { name: string | null; offsets: string | null; how: string; evidence: string };
  geometry: FalVolume['geometry'];
  counts: FalVolume['counts'];
  /** Bytes of the rebuilt logical sector space. */
  logicalSize: number;
  msflsh50: FalVolume['msflsh50'];
  findings: FalVolume['findings'];
}

/** A hive file found through the layers, as the scan thread sends it. */
export interface CarvedFile extends Omit<CarvedHive, 'status' | 'restorePageSize'> {
  status: HiveFileStatus;
  file: CarveFileFacts;
  bytes: Uint8Array;
  /** The earlier versions' bytes, in the order of `file.versions`. */
  versionBytes: Uint8Array[];
}

/** What the layers showed, without the files' bytes (the report's `layers`). */
export interface CarveLayers {
  partitions: MediaReport['partitions'];
  volumes: { index: number; partition: number | null; offset: number; length: number; type: string; typeString: string; label: string; tfat: TfatState | null; fatsDiffer: boolean; hiveFiles: number }[];
  findings: LayerFinding[];
}

/** Statuses of a hive read through the layers that are not a whole hive (exit 1, written only with --keep-damaged where marked). */
const NOT_WHOLE: ReadonlySet<string> = new Set(['truncated', 'damaged', 'partial']);

/** One candidate as the report shows it: what `carveImage` found (or the layers, as a file), where it went. */
export interface CarveEntry extends Omit<CarvedHive, 'bytes' | 'restorePageSize' | 'status'> {
  status: CarveStatus | HiveFileStatus;
  /** `file`: read through the layers as a file; `signature`: a header found in the bytes. */
  foundAs: 'file' | 'signature';
  /** The file, for a hive found as one; null for a signature find. */
  file: CarveFileFacts | null;
  /** Offset in the raw dump, when spare areas were stripped (offsets are then in the data bytes). */
  physicalOffset?: number;
  /** The file written, or null. */
  output: string | null;
}

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

/** `image@v1-Documents_and_Settings_system.hv`: a hive found as a file, named from its path in the image (never used raw). */
export function carvedFileName(image: string, file: Pick<CarveFileFacts, 'volume' | 'path' | 'deleted' | 'fats'>, status: CarveEntry['status']): string {
  return `${basename(image)}@${nameFromImagePath(file.volume, file.path, suffixOf({ deleted: file.deleted, status: status as HiveFileStatus, fats: file.fats }))}`;
}

export function describeEntry(image: string, entry: CarveEntry): string {
  const raw = entry.physicalOffset === undefined ? '' : ` (raw ${hex(entry.physicalOffset)})`;
  if (entry.file !== null) {
    const file = entry.file;
    const runs = `${file.runs.length} run${file.runs.length === 1 ? '' : 's'}${file.runs.length > 1 ? ' (fragmented)' : ''}`;
    const state = file.fats.length === 1 && file.fats[0] === 1 ? ', FAT1 (uncommitted) state' : '';
    const facts = [`${entry.status}`, `${file.size} bytes`, entry.kind];
    if (entry.romSignature !== '') facts.push(`signature ${entry.romSignature}`);
    facts.push(`${entry.sections} sections, ${entry.keys} keys, ${entry.values} values`);
    if (entry.verify !== null) facts.push(entry.verify.errors + entry.verify.warnings === 0 ? 'verifies clean' : `verify: ${entry.verify.errors} errors, ${entry.verify.warnings} warnings`);
    facts.push(runs, `sha256 ${file.sha256}`);
    const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
    const lines = [`${image}@${hex(entry.offset)}${raw}: ${file.deleted ? 'deleted ' : ''}file ${file.path} on volume ${file.volume}${state}: ${facts.join(', ')}${reason}${entry.output === null ? ' (not written)' : ` → ${entry.output}`}`];
    if (file.history !== null && file.versions !== null) lines.push(...describeVersions(file.history, file.versions));
    return lines.map((line) => escapeForTerminal(line)).join('\n');
  }
  const where = `${image}@${hex(entry.offset)}${raw}`;
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
 * The line after an image's candidates when more were found than `--max-candidates`
 * reports: how many, and what they were.
 */
export function describeNotReported(image: string, counts: Readonly<Record<CarveStatus, number>>, max: number): string {
  const total = STATUSES.reduce((sum, status) => sum + counts[status], 0);
  const parts = STATUSES.filter((status) => counts[status] > 0).map((status) => `${counts[status]} ${status}`);
  return escapeForTerminal(`${image}: ${total} more candidate${total === 1 ? '' : 's'} past the first ${max}, not reported or written: ${parts.join(', ')}; raise --max-candidates to see them`);
}

/** What the flash translation layer showed, as lines: layout and its evidence, geometry, pages by state, findings. */
export function describeFal(image: string, fal: CarveFal): string[] {
  const g = fal.geometry;
  const c = fal.counts;
  const lines = [
    `${image}: FAL: spare layout ${fal.layout.offsets ?? 'undecided'} (${fal.layout.how}: ${fal.layout.evidence})`,
    `${image}: FAL: ${g.pages} pages of ${g.pageSize}+${g.spareSize} bytes in ${g.blocks} blocks of ${g.pagesPerBlock} (${g.badBlocks} bad, ${g.reservedBlocks} reserved, ${g.readOnlyBlocks} read-only); ${c.mapped} mapped, ${c.stale} stale, ${c.free} free, ${c.incomplete} incomplete writes, ${c.duplicates} duplicates, ${c.unreadable} unreadable; logical space ${fal.logicalSize} bytes (${c.logicalSectors} sectors); data read as stored, no ECC correction`,
  ];
  for (const finding of fal.findings) lines.push(`${image}: FAL: ${finding.message} at ${hex(finding.offset)} [${finding.code}]`);
  return lines.map((line) => escapeForTerminal(line));
}

/** What the layers showed, as lines: each volume, then each finding with its layer. */
export function describeLayers(image: string, layers: CarveLayers): string[] {
  const lines: string[] = [];
  for (const volume of layers.volumes) {
    const where = volume.partition === null ? `at ${hex(volume.offset)}` : `partition ${volume.partition}, at ${hex(volume.offset)}`;
    const tfat = volume.tfat === null ? '' : volume.tfat.open ? ', TFAT transaction open' : ', TFAT';
    lines.push(`${image}: volume ${volume.index} (${where}): ${volume.type}${tfat}, type string ${JSON.stringify(volume.typeString)}, label ${JSON.stringify(volume.label)}, ${volume.hiveFiles} hive file${volume.hiveFiles === 1 ? '' : 's'}`);
  }
  for (const finding of layers.findings) lines.push(`${image}: ${finding.layer}: ${finding.message} at ${hex(finding.offset)} [${finding.code}]`);
  return lines.map((line) => escapeForTerminal(line));
}

/**
 * A folder, FIFO or device at a name carve may give a hive (`IMAGE@0x….hv` in OUTDIR) is
 * refused before any image is scanned, so that nothing is written when one is there (a
 * link or a file at such a name is replaced when that hive is written).
 */
function refuseSpecialAtCarvedNames(outDir: string, images: readonly string[]): void {
  const prefixes = images.map((image) => `${basename(image)}@`);
  for (const entry of readdirSync(outDir)) {
    if (entry.endsWith('.hv') && prefixes.some((prefix) => entry.startsWith(prefix))) refuseSpecialAtGeneratedName(join(outDir, entry));
  }
}

/** Candidates without bytes the scan may post before the writing thread has handled them. */
const CANDIDATES_IN_FLIGHT = 256;

/** What the carve worker thread is given: one image and how to read it. */
export interface CarveScanData {
  image: string;
  pageSize: number | undefined;
  spareSize: number | undefined;
  region: RamRegion | undefined;
  /** Whether damaged candidates' bytes are read (only to be written, with --keep-damaged). */
  keepDamaged: boolean;
  /** Candidates sent to the writing thread; the rest are only counted, by status, here. */
  maxCandidates: number;
  /** Read the partitions, volumes and files first (see CarveArguments.layers). */
  layers: boolean;
  fal: FalArguments | undefined;
  /**
   * How many candidates the writing thread is done with (it adds one for each). A candidate
   * with bytes to write waits until the writing thread has caught up (one hive in flight);
   * others may run ahead by CANDIDATES_IN_FLIGHT: memory stays bounded either way.
   */
  ack: SharedArrayBuffer;
}

/** What the carve worker thread says, in order. */
export type CarveScanMessage =
  | { kind: 'start'; size: number; length: number; barTotal: number }
  | { kind: 'fal'; fal: CarveFal }
  | { kind: 'layers'; layers: CarveLayers }
  | { kind: 'file'; found: CarvedFile }
  | { kind: 'progress'; scanned: number }
  | { kind: 'found'; found: CarvedHive }
  | { kind: 'done'; notReported: Record<CarveStatus, number> }
  | { kind: 'failure'; line: string }
  | { kind: 'bug'; stack: string };

/**
 * On the carve worker thread: scans one image and posts each candidate, waiting until
 * the writing thread is done with it before looking for the next.
 */
export function scanImage(data: CarveScanData, post: (message: CarveScanMessage) => void): void {
  const { image, pageSize, spareSize, region, keepDamaged, maxCandidates } = data;
  const ack = new Int32Array(data.ack);
  let fd: number | undefined;
  try {
    // Opened without blocking: a FIFO opened for reading waits for a writer, for ever.
    // For a regular file the flag changes nothing; anything else is refused below.
    fd = openSync(image, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${image}: not a regular file`);
    const size = stat.size;
    const file = fd;
    let source: ByteSource = { length: size, read: (offset, count) => readFileRange(file, size, offset, count) };
    let fal: FalVolume | undefined;
    // The bar: the FAL's pass over the dump, then the signature scan of what it rebuilt.
    let barBase = 0;
    let barScale = 1;
    if (data.fal !== undefined) {
      const options = data.fal;
      const layout = spareLayoutOf(options.layout);
      post({ kind: 'start', size, length: 0, barTotal: 2 * size });
      const raw = source;
      fal = openFal({ size, read: (offset, count) => raw.read(offset, count) }, { pageSize: options.pageSize, spareSize: options.spareSize, layout, onProgress: (scanned) => post({ kind: 'progress', scanned }), ...(options.pagesPerBlock === undefined ? {} : { pagesPerBlock: options.pagesPerBlock }) });
      if (fal.layout.layout === null) throw new UsageError(`${image}: the spare layout cannot be decided: ${fal.layout.evidence}; name it with --spare-layout (ms16, samsung-sb, samsung-lb, ti-bch8, or offsets)`, true);
      const logical = fal.logical;
      source = { length: logical.size, read: (offset, count) => logical.read(offset, count) };
      post({ kind: 'fal', fal: { layout: { name: fal.layout.layout.name, offsets: describeLayout(fal.layout.layout), how: fal.layout.how, evidence: fal.layout.evidence }, geometry: fal.geometry, counts: fal.counts, logicalSize: logical.size, msflsh50: fal.msflsh50, findings: fal.findings } });
      barBase = size;
      barScale = logical.size === 0 ? 0 : size / logical.size;
    } else if (pageSize !== undefined) source = asUsage(image, () => stripSpareAreas(source, pageSize, spareSize ?? 0));
    // Damaged candidates' bytes are read only to be written.
    const options: CarveOptions = { damagedBytes: keepDamaged };
    if (region !== undefined) {
      const start = asUsage(image, () => ramRegionOffset(region, source.length));
      source = sliceSource(source, start, region.length);
      options.offsetBase = start;
      options.kind = 'combined';
    }
    if (fal === undefined) post({ kind: 'start', size: stat.size, length: source.length, barTotal: source.length });
    // Past --max-candidates a candidate is only counted here: a flood of crafted headers
    // costs no message and no wait per candidate.
    const notReported: Record<CarveStatus, number> = { hive: 0, truncated: 0, damaged: 0, 'object-store': 0, 'restore-record': 0 };
    let sent = 0;
    const waitFor = (ahead: number): void => {
      for (let done = Atomics.load(ack, 0); sent - done > ahead; done = Atomics.load(ack, 0)) Atomics.wait(ack, 0, done);
    };
    // Where a hive found as a file starts: its header, found again by the signature scan, is not reported twice.
    const fileStarts = new Set<number>();
    if (data.layers && region === undefined) {
      for (const found of hiveFiles(source, post, fal)) {
        fileStarts.add(found.offset);
        if (sent >= maxCandidates) {
          notReported[found.status === 'recovered' ? 'hive' : found.status === 'partial' ? 'damaged' : found.status]++;
          continue;
        }
        sent++;
        post({ kind: 'file', found });
        waitFor(0);
      }
    }
    options.onProgress = (scanned) => post({ kind: 'progress', scanned: barBase + scanned * barScale });
    for (const found of carveImage(source, options)) {
      if (fileStarts.has(found.offset)) continue;
      if (sent >= maxCandidates) {
        notReported[found.status]++;
        continue;
      }
      sent++;
      post({ kind: 'found', found });
      waitFor(found.bytes === undefined ? CANDIDATES_IN_FLIGHT : 0);
    }
    post({ kind: 'done', notReported });
  } catch (error) {
    const line = describeFailure(error, image);
    post(line === undefined ? { kind: 'bug', stack: error instanceof Error ? (error.stack ?? error.message) : String(error) } : { kind: 'failure', line });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The storage layers of the data scanned (`examineMedia`: MBR partitions, FAT/TFAT volumes,
 * hive files by name and content, read through their cluster chains): posts what they
 * showed, then yields each hive file with the facts a signature find has (from the file's
 * own bytes) and its runs as offsets in the data scanned. Never throws on damaged bytes.
 */
function* hiveFiles(source: ByteSource, post: (message: CarveScanMessage) => void, fal: FalVolume | undefined): Generator<CarvedFile> {
  const report = examineMedia({ size: source.length, read: (offset, count) => source.read(offset, count) }, { scanForRomHives: false });
  const stale = fal === undefined ? undefined : staleCopiesOf(fal, report);
  post({
    kind: 'layers',
    layers: {
      partitions: report.partitions,
      volumes: report.volumes.map((volume) => ({ index: volume.index, partition: volume.partition, offset: volume.offset, length: volume.length, type: volume.type, typeString: volume.typeString, label: volume.label, tfat: volume.tfat, fatsDiffer: volume.fatsDiffer, hiveFiles: volume.hives.length })),
      findings: report.findings,
    },
  });
  for (const volume of report.volumes) {
    while (volume.hives.length > 0) {
      // Each file's bytes are let go once sent.
      const hive = volume.hives.shift()!;
      const facts = examineCandidate(bytesSource(hive.bytes), 0, { damagedBytes: false, verify: false });
      const runs = hive.runs.map((run) => ({ offset: volume.offset + run.offset, length: run.length }));
      let history: CarveFileFacts['history'] = null;
      let versions: CarveVersion[] | null = null;
      const versionBytes: Uint8Array[] = [];
      if (fal !== undefined && stale !== undefined && !hive.deleted && hive.status === 'hive') {
        const found = fileVersions(fal, stale, runs, hive.bytes);
        history = found.history;
        versions = found.versions;
        versionBytes.push(...found.bytes);
      }
      yield {
        offset: runs[0]?.offset ?? volume.offset + hive.entryOffset,
        length: hive.bytes.length,
        extent: facts.extent,
        status: hive.status,
        kind: hive.kind,
        reason: hive.reason,
        romSignature: hive.romSignature,
        sections: facts.sections,
        keys: hive.keys,
        values: hive.values,
        freeBlocks: facts.freeBlocks,
        verify: hive.verify,
        bytes: hive.bytes,
        file: {
          volume: volume.index,
          partition: volume.partition,
          path: hive.path,
          deleted: hive.deleted,
          foundBy: hive.foundBy,
          fats: hive.fats,
          size: hive.size,
          runs,
          sha256: createHash('sha256').update(hive.bytes).digest('hex'),
          history,
          versions,
        },
        versionBytes,
      };
    }
  }
}

/** `auto`, a preset or explicit offsets, as openFal takes them; a UsageError naming the option for a bad one. */
function spareLayoutOf(text: string): 'auto' | SpareLayout {
  if (text === 'auto') return 'auto';
  if (isSpareLayoutName(text)) return text as unknown as SpareLayout;
  const layout = parseSpareLayout(text);
  if (typeof layout === 'string') throw new UsageError(`--spare-layout ${JSON.stringify(text)}: ${layout}; or name a preset: auto, ms16, samsung-sb, samsung-lb, ti-bch8`);
  return layout;
}

/**
 * Scans an image on a worker thread (scanImage); yields its messages but the last. A
 * failure is thrown as the line the worker made of it. Each candidate is acknowledged
 * when the loop asks for the next message.
 */
async function* scanOnThread(data: Omit<CarveScanData, 'ack'>): AsyncGenerator<Extract<CarveScanMessage, { kind: 'start' | 'fal' | 'layers' | 'file' | 'progress' | 'found' | 'done' }>> {
  const ack = new SharedArrayBuffer(4);
  const flag = new Int32Array(ack);
  const queue: CarveScanMessage[] = [];
  let wake: (() => void) | undefined;
  let ended: Error | undefined;
  const worker = startWorker(CARVE_WORKER, { ...data, ack } satisfies CarveScanData);
  const arrive = (): void => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (message: CarveScanMessage) => {
    queue.push(message);
    arrive();
  });
  worker.on('error', (error) => {
    ended = error;
    arrive();
  });
  worker.on('exit', () => {
    ended ??= new Error('the carve worker thread ended without a result');
    arrive();
  });
  try {
    for (;;) {
      const message = queue.shift();
      if (message === undefined) {
        if (ended !== undefined) throw ended;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (message.kind === 'done') {
        yield message;
        return;
      }
      if (message.kind === 'failure') throw new UsageError(message.line);
      if (message.kind === 'bug') throw new Error(`internal error on ${data.image}: ${message.stack}`);
      yield message;
      if (message.kind === 'found' || message.kind === 'file') {
        Atomics.add(flag, 0, 1);
        Atomics.notify(flag, 0);
      }
    }
  } finally {
    // Whatever the worker waits for, it waits no more (it is ended next).
    Atomics.store(flag, 0, 0x3fffffff);
    Atomics.notify(flag, 0);
    await worker.terminate();
  }
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
  if (args.fal !== undefined && args.ramRegion !== undefined) throw new UsageError('--fal reads a NAND dump, --ram-region a RAM capture: give one of them');
  const region = args.ramRegion === undefined ? undefined : asUsage(`--ram-region ${JSON.stringify(args.ramRegion)}`, () => parseRamRegion(args.ramRegion!));
  const sink = new StdoutSink(io);
  let failed = 0;
  let damaged = 0;
  // The scan runs on a worker thread, so that this thread, which writes the hives, stays
  // free to handle a signal at once: the hive being written is removed, and the line says
  // OUTDIR was not written in full (temporaries.ts).
  const done = pending(args.outDir, 'not written in full (the hives already in it are whole)');
  if (statSync(args.outDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UsageError(`${args.outDir}: is a file, not a folder: carve -o takes the folder the hives found are written into (created when missing)`, true);
  }
  // JSON is written as it is found, one image's document after the other: its size
  // follows the candidates reported, never all of them.
  let documents = 0;
  if (args.json) sink.write('{"format":"hivetool-carve","schemaVersion":2,"images":[');
  try {
    mkdirSync(args.outDir, { recursive: true });
    refuseSpecialAtCarvedNames(args.outDir, args.images);
    for (const image of args.images) {
      let bar: SingleBar | undefined;
      let documentOpen = false;
      const layersOn = args.layers && region === undefined;
      // The JSON document's `found` list opens once the layers are reported (or at once without them).
      let foundOpen = false;
      let scanned = 0;
      let falReport: CarveFal | null = null;
      const openFound = (layers: CarveLayers | null): void => {
        if (!args.json || foundOpen) return;
        sink.write(`,"scanned":${scanned},"fal":${JSON.stringify(falReport)},"layers":${JSON.stringify(layers)},"found":[`);
        foundOpen = true;
      };
      try {
        // Lines kept while a bar holds the terminal: at most --max-candidates of them.
        const lines: string[] = [];
        let reported = 0;
        const notReported: Record<CarveStatus, number> = { hive: 0, truncated: 0, damaged: 0, 'object-store': 0, 'restore-record': 0 };
        // Names given to files found through the layers, in lower case: never two under one.
        const used = new Set<string>();
        const show = (line: string): void => {
          if (bar === undefined) {
            // Without a bar to share the terminal with, each line is shown as it is found.
            sink.write(line + '\n');
            sink.close();
          } else lines.push(line);
        };
        for await (const message of scanOnThread({ image, pageSize: args.pageSize, spareSize: args.spareSize, region, keepDamaged: args.keepDamaged, maxCandidates: args.maxCandidates, layers: layersOn, fal: args.fal })) {
          if (message.kind === 'start') {
            bar = scanProgressBar(io, message.barTotal, basename(image));
            scanned = message.length;
            if (args.json) {
              sink.write(`${documents++ === 0 ? '\n' : ',\n'}{"image":${JSON.stringify(image)},"size":${message.size}`);
              documentOpen = true;
              if (!layersOn && args.fal === undefined) openFound(null);
            }
            continue;
          }
          if (message.kind === 'fal') {
            falReport = message.fal;
            scanned = message.fal.logicalSize;
            if (!args.json) for (const line of describeFal(image, message.fal)) show(line);
            if (!layersOn) openFound(null);
            continue;
          }
          if (message.kind === 'layers') {
            if (args.json) openFound(message.layers);
            else for (const line of describeLayers(image, message.layers)) show(line);
            continue;
          }
          if (message.kind === 'progress') {
            bar?.update(message.scanned, { scanned: Math.round(message.scanned / 1048576) });
            continue;
          }
          if (message.kind === 'done') {
            for (const status of STATUSES) notReported[status] += message.notReported[status];
            damaged += message.notReported.damaged + message.notReported.truncated;
            continue;
          }
          const found = message.found;
          if (NOT_WHOLE.has(found.status)) damaged++;
          const { bytes } = found;
          let entry: CarveEntry;
          let name: string;
          if (message.kind === 'file') {
            const { bytes: _bytes, versionBytes: _versions, ...facts } = message.found;
            entry = { ...facts, foundAs: 'file', output: null };
            const wanted = carvedFileName(image, facts.file, facts.status);
            name = wanted;
            for (let n = 2; used.has(name.toLowerCase()); n++) name = wanted.replace(/\.hv$/, `-${n}.hv`);
            used.add(name.toLowerCase());
          } else {
            const { bytes: _bytes, restorePageSize: _pageSize, ...facts } = message.found;
            entry = { ...facts, foundAs: 'signature', file: null, output: null };
            name = carvedName(image, message.found);
          }
          if (args.pageSize !== undefined && args.fal === undefined) entry.physicalOffset = Math.floor(found.offset / args.pageSize) * (args.pageSize + (args.spareSize ?? 0)) + (found.offset % args.pageSize);
          const write = bytes !== undefined && found.status !== 'object-store' && found.status !== 'restore-record' && (!NOT_WHOLE.has(found.status) || found.status === 'truncated' || args.keepDamaged);
          if (write) {
            const target = join(args.outDir, name);
            refuseInputAsOutput(args.images, target);
            writeFileAtomic(io, target, bytes, 'generated');
            entry.output = target;
          }
          if (message.kind === 'file' && entry.file?.versions != null) {
            // Each earlier version beside the file: NAME.version-N.hv (.unproven where it could be a hybrid).
            for (const version of entry.file.versions) {
              const target = join(args.outDir, name.replace(/\.hv$/, `.version-${version.index}${version.proven ? '' : '.unproven'}.hv`));
              refuseInputAsOutput(args.images, target);
              writeFileAtomic(io, target, message.found.versionBytes[version.index - 1]!, 'generated');
              version.output = target;
            }
          }
          openFound(null);
          if (args.json) sink.write(`${reported === 0 ? '\n' : ',\n'} ${JSON.stringify(entry)}`);
          else show(describeEntry(image, entry));
          reported++;
        }
        if (bar !== undefined) {
          bar.stop();
          bar = undefined;
          for (const line of lines) sink.write(line + '\n');
        }
        const more = STATUSES.some((status) => notReported[status] > 0);
        if (args.json) {
          openFound(null);
          sink.write(`\n],"maxCandidates":${args.maxCandidates},"notReported":${JSON.stringify({ total: STATUSES.reduce((sum, status) => sum + notReported[status], 0), ...notReported })}}`);
          documentOpen = false;
        } else if (more) sink.write(describeNotReported(image, notReported, args.maxCandidates) + '\n');
        else if (reported === 0) sink.write(`${image}: no hive header found\n`);
      } catch (error) {
        bar?.stop();
        // The image's document is closed where the scan stopped, marked as cut short.
        if (documentOpen) {
          openFound(null);
          sink.write('\n],"incomplete":true}');
        }
        if (!report.failure(image, error)) throw error;
        failed++;
      }
    }
  } finally {
    done();
  }
  if (args.json) sink.write(']}\n');
  sink.close();
  return failed > 0 ? ExitCode.FAILED : damaged > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
