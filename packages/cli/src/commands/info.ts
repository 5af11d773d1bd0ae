import { hexBytes, hiveStatistics, pendingLogEntries, readLogEntry, LOG_ENTRY_SLOTS, RestoreFlags, type Hive, type HiveStatistics } from '@hivetool/hive';
import { rootName, valueTypeName } from '@hivetool/registry';
import { inputName, openHiveFile } from '../input.js';
import { StdoutSink } from '../output.js';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { Progress, summary } from '../batch.js';
import { runPool } from '../pool.js';
import type { Reporter } from '../report.js';

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
  kind: string;
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
  roots: Array<{ index: number; name: string; ref: number }>;
  statistics: HiveStatistics;
}

function restoreState(flags: number): string {
  switch (flags) {
    case RestoreFlags.CLEAN:
      return 'clean';
    case RestoreFlags.APPENDING:
      return 'interrupted flush: pages were being appended (recovery discards them)';
    case RestoreFlags.COPYING:
      return 'interrupted flush: pages were being copied into the heap (recovery finishes the copy)';
    default:
      return `not known (${flags})`;
  }
}

export function collectInfo(hive: Hive, file: string): HiveInfo {
  const h = hive.header;
  let logSlotsInUse = 0;
  for (let i = 0; i < LOG_ENTRY_SLOTS; i++) {
    const entry = readLogEntry(h, i);
    if (entry.type !== 0 || entry.d1 !== 0 || entry.d2 !== 0 || entry.d3 !== 0) logSlotsInUse++;
  }
  return {
    file,
    kind: hive.kind,
    header: {
      version: h.version,
      magic1: h.magic1,
      magic2: h.magic2,
      volumeGuid: hexBytes(h.volumeGuid),
      restoreFlags: h.restoreFlags,
      restoreState: restoreState(h.restoreFlags),
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
    },
    roots: hive.rootRefs().flatMap((ref, index) => (ref === 0 ? [] : [{ index, name: rootName(index), ref }])),
    statistics: hiveStatistics(hive),
  };
}

const hex = (value: number, width = 8): string => '0x' + (value >>> 0).toString(16).padStart(width, '0');

export function renderInfoText(info: HiveInfo): string {
  const h = info.header;
  const s = info.statistics;
  const rows: Array<[string, string]> = [
    ['file length', `${s.fileLength} bytes${s.pageAligned ? '' : ' (not a multiple of 4096)'}`],
    ['kind', info.kind === 'rom' ? 'rom (own references carry store nibble 2)' : 'persistent (own references nibble 0, links into ROM nibble 2)'],
    ['version', hex(h.version, 3)],
    ['magic1 / magic2', `${hex(h.magic1)} / ${hex(h.magic2)} (EKIM)`],
    ['volume GUID', h.volumeGuid],
    ['ROM signature', h.romSignature],
    ['restore state', `${h.restoreState} (restoreFlags ${h.restoreFlags})`],
    ['restoreStart', `${h.restoreStart}${h.restoreStart === s.fileLength ? ' (= file length)' : ` (file length is ${s.fileLength})`}`],
    ['restoreSize', String(h.restoreSize)],
    ['recovery log', `${h.logEntryCount} pending, ${h.logSlotsInUse} non-zero slot(s) in the log area`],
    ['virtbase', hex(h.virtbase)],
    ['boot sequence', String(h.bootSequence)],
    ['database root', hex(h.databaseRoot)],
    ['registry handle', hex(h.registryHandle)],
    ['flags', `${hex(h.flags)} (LCID ${h.lcid})`],
    ['password hash', h.passwordHash],
    ['sections', String(s.sectionCount)],
    ['slots', `${s.slots.used} used, ${s.slots.free} free`],
    ['keys', `${s.blocks.keys} in heap, ${s.reachable.keys} reachable`],
    ['values', `${s.blocks.values} in heap, ${s.reachable.values} reachable`],
    ['unresolved links', String(s.reachable.unresolvedLinks)],
    ['free blocks', `${s.blocks.free} (${s.blocks.freeBytes} bytes)`],
    ['other blocks', Object.entries(s.blocks.other).map(([name, count]) => `${name} ${count}`).join(', ') || 'none'],
    ['value types', Object.entries(s.valueTypes).map(([type, count]) => `${valueTypeName(Number(type))} ${count}`).join(', ') || 'none'],
    ['roots', info.roots.map((root) => `${root.name} → ${hex(root.ref)}`).join(', ') || 'none'],
    ['unknown bits', s.unknownBits.length === 0 ? 'none' : s.unknownBits.map((u) => `${u.field}: ${u.count}× (first at ${hex(u.firstOffset)}, values ${u.values.map((v) => hex(v, 2)).join(' ')})`).join('; ')],
  ];
  for (const entry of h.pendingLogEntries) rows.push(['log entry', `type ${entry.type} d1 ${hex(entry.d1)} d2 ${hex(entry.d2)} d3 ${hex(entry.d3)}`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${info.file}\n` + rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}\n`).join('');
}

/** What a worker needs to describe one file (plain data, sent to worker threads). */
export interface InfoJob {
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
}

export type InfoOutcome = { file: string; info: HiveInfo } | { file: string; error: string } | { file: string; bug: string };

export function infoOne(file: string, job: InfoJob): InfoOutcome {
  try {
    const hive = openHiveFile(file, { kind: job.kind ?? 'auto', limits: job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth } });
    return { file, info: collectInfo(hive, inputName(file)) };
  } catch (error) {
    const line = describeFailure(error, file);
    if (line === undefined) return { file, bug: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    return { file, error: line };
  }
}

/** `hivetool info FILE...`; with `--jobs N`, on N threads, output in file order. */
export async function runInfo(args: InfoArguments, report: Reporter): Promise<number> {
  const sink = new StdoutSink();
  const infos: Array<HiveInfo | { file: string; error: string }> = [];
  const job: InfoJob = { kind: args.kind, maxDepth: args.maxDepth };
  const progress = new Progress(args.files.length);
  let failed = 0;
  let printed = 0;
  await runPool(args.files, args.jobs, new URL('../batchWorker.js', import.meta.url), { command: 'info', options: job }, (file) => infoOne(file, job), (outcome) => {
    progress.step(outcome.file);
    if ('bug' in outcome) throw new Error(`internal error on ${outcome.file}: ${outcome.bug}`);
    if ('error' in outcome) {
      report.failure(outcome.file, new UsageError(outcome.error));
      // In the JSON too, as verify --json lists the files it could not read.
      if (args.json) infos.push({ file: inputName(outcome.file), error: outcome.error });
      failed++;
      return;
    }
    if (args.json) infos.push(outcome.info);
    else sink.write((printed++ > 0 ? '\n' : '') + renderInfoText(outcome.info));
  });
  progress.stop();
  if (args.json) sink.write(JSON.stringify({ format: 'hivetool-info', schemaVersion: 1, hives: infos }, null, 2) + '\n');
  sink.close();
  summary(args.files.length, [
    [args.files.length - failed, 'described'],
    [failed, 'could not be read'],
  ]);
  return failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}
