import {
  damageAction,
  describeRestoreFlags,
  hexBytes,
  hiveStatistics,
  HeapCensus,
  isHiveFormatError,
  openHive,
  pendingLogEntries,
  readHeader,
  structuralDamageCounted,
  MAX_RESTORE_RECORDS_LISTED,
  type Hive,
  type HiveFormatError,
  type HiveHeader,
  type HiveStatistics,
  type OpenHiveOptions,
  type RecoveryAction,
} from '@hivetool/hive';
import {
  isRegistryRoot,
  readLogEntry,
  LOG_ENTRY_SLOTS,
} from '@hivetool/hive/layout';
import { rootName, terminalLines, terminalSafeJson, valueTypeName } from '@hivetool/registry';
import { inputName, readHiveFile, stdinForWorkers } from '../input.js';
import { SkippedRecords } from '../damage.js';
import { StdoutSink } from '../output.js';
import { ExitCode, UsageError, describeFailure, fileFailure } from '../failures.js';
import { Progress, summary } from '../batch.js';
import { runPool } from '../pool.js';
import type { CommandIo } from '../command.js';
import type { CliIo } from '../io.js';
import { BATCH_WORKER } from '../workers.js';

export interface InfoArguments {
  files: string[];
  /** Worker threads (1 = this thread). */
  jobs: number;
  json: boolean;
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
}

/** Everything `info` reports about one hive; the `--json` form (docs/json-schema.md). */
export interface HiveInfo {
  file: string;
  /** `rom`, `persistent`, or `unknown` when the roots record could not be read. */
  kind: string;
  fileLength: number;
  header: {
    version: number;
    magic1: number;
    magic2: number;
    volumeGuid: string;
    restoreFlags: number;
    restoreState: string;
    restoreStart: number;
    restoreSize: number;
    romSignature: string;
    passwordHash: string;
    virtbase: number;
    logEntryCount: number;
    /** Non-zero log entry slots, stale ones included. */
    logSlotsInUse: number;
    pendingLogEntries: Array<{ type: number; d1: number; d2: number; d3: number }>;
    databaseRoot: number;
    registryHandle: number;
    bootSequence: number;
    flags: number;
    lcid: number;
  };
  /** Non-zero entries of the roots record; `followed` is false for the unused entries 4–7. */
  roots: Array<{ index: number; name: string; ref: number; followed: boolean }>;
  /** Counts; null when the hive could not be opened past its header. */
  statistics: HiveStatistics | null;
  /**
   * What could not be read (a damaged hive), each as its error line; the counts of a part
   * that stopped are those made before the error, and the tree's are of what is intact
   * (the walk skips damaged records). Empty for a whole hive.
   */
  problems: string[];
  /** The restore area after the hive (format guide §3a), as stored, and the next mount; null when the hive could not be opened. */
  restore: null | {
    /** restoreStart: the hive's length, without the restore records. */
    hiveLength: number;
    pageSize: number;
    dirtyPages: number;
    tailLength: number;
    recordCount: number;
    trailingBytes: number;
    nextMount: RecoveryAction;
    pages: number;
    /** The hive described below is the one mounted (a pending copy applied), or as stored. */
    view: 'as-stored' | 'as-mounted';
    repaired: boolean;
    /** The first records of the tail (at most 256). */
    records: Array<{ index: number; offset: number; targetOffset: number; insideHive: boolean; live: boolean }>;
  };
}


/**
 * Describes a hive: with a `Hive`, everything; with bytes, as much as can be read, header
 * fields first: a hive whose roots record, heap or tree is damaged still shows its header,
 * and the counts it can make (the heap's up to the damage, the tree's of what is intact),
 * with each error in `problems`.
 *
 * @throws {HiveFormatError} only when not even the header can be read (`TRUNCATED`, `BAD_MAGIC`).
 */
export function collectInfo(source: Hive | Uint8Array, file: string, options: OpenHiveOptions = {}): HiveInfo {
  const problems: string[] = [];
  const problem = (error: HiveFormatError): void => void problems.push(describeFailure(error, file) ?? error.message);
  let hive: Hive | undefined;
  let header: HiveHeader;
  if (source instanceof Uint8Array) {
    header = readHeader(source, new DataView(source.buffer, source.byteOffset, source.byteLength));
    try {
      hive = openHive(source, options);
    } catch (error) {
      if (!isHiveFormatError(error)) throw error;
      problem(error);
    }
  } else {
    hive = source;
    // As stored: the header of a hive read as mounted has its restore fields cleared.
    header = readHeader(source.file, new DataView(source.file.buffer, source.file.byteOffset, source.file.byteLength));
  }
  // The whole-file damage verify reports and the statistics' walk does not meet (damage.ts).
  // Verify's passes also count the blocks, the slots and, when nothing is damaged, the
  // records reachable from the roots for the statistics, which then walk none of them.
  const census = new HeapCensus();
  const structural = hive === undefined ? [] : structuralDamageCounted(hive, census);
  // A walk of a damaged tree skips each damaged record and counts the rest (the table's
  // `describe`): the counts are of what is intact.
  const skipped = new SkippedRecords('info');
  const statistics = hive === undefined ? null : hiveStatistics(hive, { onError: problem, census, skipDamaged: skipped.skip, damaged: skipped.damaged });
  if (skipped.first !== undefined) {
    const { error, path } = skipped.first;
    problems.push(`damaged hive: ${skipped.count} damaged record(s) or link(s) skipped, the first under ${path}: ${error.message}; what was shown is what is intact (reachable from the roots): the reachable counts leave out what only the damaged records lead to; hivetool verify lists every finding`);
  }
  if (hive !== undefined) {
    for (const finding of structural) {
      if (damageAction('info', finding.code) !== 'describe' || problems.some((line) => line.endsWith(`[${finding.code}]`)) || skipped.first?.error.code === finding.code) continue;
      problems.push(`not a valid hive: ${finding.message} at offset ${hex(finding.offset)} [${finding.code}]`);
    }
  }
  return {
    file,
    kind: hive?.kind ?? 'unknown',
    fileLength: hive?.file.length ?? source.length,
    header: headerInfo(header),
    roots: hive === undefined ? [] : hive.rootRefs().flatMap((ref, index) => (ref === 0 ? [] : [{ index, name: rootName(index), ref, followed: isRegistryRoot(index) }])),
    restore: hive === undefined ? null : restoreInfo(hive),
    statistics,
    problems,
  };
}

function restoreInfo(hive: Hive): NonNullable<HiveInfo['restore']> {
  const area = hive.restore;
  const records: NonNullable<HiveInfo['restore']>['records'] = [];
  for (let i = 0; i < Math.min(area.recordCount, MAX_RESTORE_RECORDS_LISTED); i++) {
    const { index, offset, targetOffset, insideHive, live } = hive.restoreRecord(i);
    records.push({ index, offset, targetOffset, insideHive, live });
  }
  return {
    hiveLength: hive.length,
    pageSize: area.pageSize,
    dirtyPages: area.dirtyPages,
    tailLength: area.tailLength,
    recordCount: area.recordCount,
    trailingBytes: area.trailingBytes,
    nextMount: area.action,
    pages: area.actionPages,
    view: hive.recovery,
    repaired: hive.repaired,
    records,
  };
}

function headerInfo(h: HiveHeader): HiveInfo['header'] {
  let logSlotsInUse = 0;
  for (let i = 0; i < LOG_ENTRY_SLOTS; i++) {
    const entry = readLogEntry(h, i);
    if (entry.type !== 0 || entry.d1 !== 0 || entry.d2 !== 0 || entry.d3 !== 0) logSlotsInUse++;
  }
  return {
    version: h.version,
    magic1: h.magic1,
    magic2: h.magic2,
    volumeGuid: hexBytes(h.volumeGuid),
    restoreFlags: h.restoreFlags,
    restoreState: describeRestoreFlags(h.restoreFlags),
    restoreStart: h.restoreStart,
    restoreSize: h.restoreSize,
    romSignature: hexBytes(h.romSignature),
    passwordHash: hexBytes(h.passwordHash),
    virtbase: h.virtbase,
    logEntryCount: h.logEntryCount,
    logSlotsInUse,
    pendingLogEntries: pendingLogEntries(h).map((entry) => ({ ...entry })),
    databaseRoot: h.databaseRoot,
    registryHandle: h.registryHandle,
    bootSequence: h.bootSequence,
    flags: h.flags,
    lcid: h.flags >>> 8,
  };
}

const NEXT_MOUNT: Record<RecoveryAction, (pages: number) => string> = {
  none: () => 'nothing to recover',
  discard: (pages) => `discard ${pages} restore page(s) (the hive stays as before the cut flush)`,
  copy: (pages) => `copy ${pages} restore page(s) into the hive (finishing the cut flush)`,
};

function restoreTail(r: NonNullable<HiveInfo['restore']>): string {
  if (r.tailLength === 0) return 'none (the file ends at the hive)';
  const kind = r.nextMount === 'copy' ? 'live' : r.nextMount === 'discard' ? 'to be discarded' : 'stale';
  return `${r.tailLength} bytes: ${r.recordCount} record(s) (${kind})${r.trailingBytes > 0 ? `, ${r.trailingBytes} byte(s) of a cut record` : ''}`;
}

const hex = (value: number, width = 8): string => '0x' + (value >>> 0).toString(16).padStart(width, '0');

const KIND_TEXT: Record<string, string> = {
  rom: 'rom (own references carry store nibble 2)',
  persistent: 'persistent (own references nibble 0, links into ROM nibble 2)',
  unknown: 'not known (the roots record cannot be read)',
};

export function renderInfoText(info: HiveInfo): string {
  const h = info.header;
  const s = info.statistics;
  const fileLength = info.fileLength;
  const r = info.restore;
  // Header fields first: they are readable whatever the damage further on.
  const rows: Array<[string, string]> = [
    ['file length', `${fileLength} bytes${r !== null && r.hiveLength !== fileLength ? ` (the hive's ${r.hiveLength}, then restore records)` : ''}${(r?.hiveLength ?? fileLength) % 4096 === 0 ? '' : ' (the hive is not a multiple of 4096)'}`],
    ['version', hex(h.version, 3)],
    ['magic1 / magic2', `${hex(h.magic1)} / ${hex(h.magic2)} (EKIM)`],
    ['volume GUID', h.volumeGuid],
    ['ROM signature', h.romSignature],
    ['restore state', `${h.restoreState} (restoreFlags ${h.restoreFlags})`],
    ['restoreStart', `${h.restoreStart} (the hive's logical end)${h.restoreStart === fileLength ? ' (= file length)' : ` (file length is ${fileLength})`}`],
    ['restoreSize', r === null ? hex(h.restoreSize) : `${hex(h.restoreSize)} (${r.dirtyPages} dirty page(s), pages of ${r.pageSize} bytes)`],
    ...(r === null ? [] : ([
      ['restore tail', restoreTail(r)],
      ['next mount', NEXT_MOUNT[r.nextMount](r.pages) + (r.repaired ? '; the figures below are for the hive as mounted' : '')],
    ] as Array<[string, string]>)),
    ['recovery log', `${h.logEntryCount} pending, ${h.logSlotsInUse} non-zero slot(s) in the log area`],
    ['virtbase', hex(h.virtbase)],
    ['boot sequence', String(h.bootSequence)],
    ['database root', hex(h.databaseRoot)],
    ['registry handle', hex(h.registryHandle)],
    ['flags', `${hex(h.flags)} (LCID ${h.lcid})`],
    ['password hash', h.passwordHash],
  ];
  for (const entry of h.pendingLogEntries) rows.push(['log entry', `type ${entry.type} d1 ${hex(entry.d1)} d2 ${hex(entry.d2)} d3 ${hex(entry.d3)}`]);
  if (r !== null) {
    for (const record of r.records) {
      rows.push(['restore record', `${record.index} at ${hex(record.offset)} → ${hex(record.targetOffset)}, ${record.insideHive ? 'inside the hive' : 'outside the hive'}, ${record.live ? 'live' : 'stale'}`]);
    }
    if (r.records.length < r.recordCount) rows.push(['restore record', `… ${r.recordCount - r.records.length} more not listed`]);
  }
  rows.push(['kind', KIND_TEXT[info.kind] ?? info.kind]);
  rows.push([
    'roots',
    info.roots.map((root) => `${root.name} → ${hex(root.ref)}${root.followed ? '' : ' (unused entry, not followed)'}`).join(', ') || (info.kind === 'unknown' ? 'not readable' : 'none'),
  ]);
  if (s !== null) rows.push(...statisticsRows(s));
  for (const line of info.problems) rows.push(['could not read', line]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return terminalLines([info.file, ...rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`)]);
}

function statisticsRows(s: HiveStatistics): Array<[string, string]> {
  return [
    ['sections', String(s.sectionCount)],
    ['slots', `${s.slots.used} used, ${s.slots.free} free`],
    ['keys', `${s.blocks.keys} in heap, ${s.reachable.keys} reachable`],
    ['values', `${s.blocks.values} in heap, ${s.reachable.values} reachable`],
    ['unresolved links', String(s.reachable.unresolvedLinks)],
    ['free blocks', `${s.blocks.free} (${s.blocks.freeBytes} bytes)`],
    ['other blocks', Object.entries(s.blocks.other).map(([name, count]) => `${name} ${count}`).join(', ') || 'none'],
    ['value types', Object.entries(s.valueTypes).map(([type, count]) => `${valueTypeName(Number(type))} ${count}`).join(', ') || 'none'],
    ['unknown bits', s.unknownBits.length === 0 ? 'none' : s.unknownBits.map((u) => `${u.field}: ${u.count}× (first at ${hex(u.firstOffset)}, values ${u.values.map((v) => hex(v, 2)).join(' ')})`).join('; ')],
  ];
}

/** What a worker needs to describe one file (plain data, sent to worker threads). */
export interface InfoJob {
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  asStored?: boolean | undefined;
  maxDepth?: number | undefined;
}

export type InfoOutcome = { file: string; info: HiveInfo } | { file: string; error: string } | { file: string; bug: string };

export function infoOne(io: CliIo, file: string, job: InfoJob): InfoOutcome {
  try {
    const bytes = readHiveFile(io, file);
    return { file, info: collectInfo(bytes, inputName(file), { kind: job.kind ?? 'auto', recovery: job.asStored === true ? 'as-stored' : 'as-mounted', limits: job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth } }) };
  } catch (error) {
    return fileFailure(file, error);
  }
}

/** `hivetool info FILE...`; with `--jobs N`, on N threads, output in file order. */
export async function run(args: InfoArguments, io: CommandIo): Promise<number> {
  const report = io.report;
  const sink = new StdoutSink(io);
  const infos: Array<HiveInfo | { file: string; error: string }> = [];
  const job: InfoJob = { kind: args.kind, maxDepth: args.maxDepth };
  // Read before the bar starts: a terminal on standard input stops the run here.
  const stdin = stdinForWorkers(io, args.files, args.jobs);
  const progress = new Progress(io, args.files.length);
  let failed = 0;
  let damaged = 0;
  let printed = 0;
  try {
    await runPool(args.files, args.jobs, BATCH_WORKER, { command: 'info', options: job, stdin }, (file) => infoOne(io, file, job), (outcome) => {
      progress.step(outcome.file);
      if ('bug' in outcome) throw new Error(`internal error on ${outcome.file}: ${outcome.bug}`);
      if ('error' in outcome) {
        report.failure(outcome.file, new UsageError(outcome.error));
        // In the JSON too, as verify --json lists the files it could not read.
        if (args.json) infos.push({ file: inputName(outcome.file), error: outcome.error });
        failed++;
        return;
      }
      if (outcome.info.problems.length > 0) {
        damaged++;
        for (const line of outcome.info.problems) report.failure(outcome.file, new UsageError(line));
      }
      if (args.json) infos.push(outcome.info);
      else sink.write((printed++ > 0 ? '\n' : '') + renderInfoText(outcome.info));
    });
  } finally {
    progress.stop();
  }
  if (args.json) sink.write(terminalSafeJson(JSON.stringify({ format: 'hivetool-info', schemaVersion: 1, hives: infos }, null, 2)) + '\n');
  sink.close();
  summary(io, args.files.length, [
    [args.files.length - failed - damaged, 'described'],
    ...(damaged > 0 ? [[damaged, 'described in part (damaged)'] as [number, string]] : []),
    [failed, 'could not be read'],
  ]);
  // A damaged hive described in part fails as `dump` of it does (2): what was printed is
  // what could be read, not the whole hive. Findings about a hive are `verify`'s (1).
  return failed + damaged > 0 ? ExitCode.FAILED : ExitCode.OK;
}
