import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import { readHeader, verifyHive, type Finding, type Hive, type RestoreReport, type VerifyReport } from '@hivetool/hive';
import { BLOCK_HEADER_SIZE, HEAP_OFFSET, isSectionTable } from '@hivetool/hive/layout';
import { addCliHints } from './verifyHints.js';
import { inputName, readHiveFile, stdinForWorkers } from '../input.js';
import { StdoutSink } from '../output.js';
import { ExitCode, UsageError, fileFailure } from '../failures.js';
import { Progress, summary } from '../batch.js';
import { runPool } from '../pool.js';
import type { CommandIo } from '../command.js';
import type { CliIo } from '../io.js';
import { BATCH_WORKER } from '../workers.js';

export interface VerifyArguments {
  files: string[];
  /** Worker threads (1 = this thread). */
  jobs: number;
  rom?: { file: string; hive: Hive } | undefined;
  json: boolean;
  strict: boolean;
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
  /** Check a hive with a pending copy (restoreFlags 2) as stored, not as mounted. */
  asStored?: boolean | undefined;
}

const hex = (value: number): string => '0x' + value.toString(16).padStart(8, '0');

const OUTCOME: Record<VerifyReport['boot']['outcome'], string> = {
  kept: 'KEPT: the device keeps this hive at the next boot',
  'clean-boot': 'CLEAN BOOT: the device deletes this hive at the next boot and recreates it from ROM',
  unknown: 'NOT KNOWN: what the device does with this hive cannot be told from what was given',
  rom: 'ROM hive: part of the OS image',
};

function renderText(file: string, report: VerifyReport, strict: boolean): string {
  const lines: string[] = [];
  const kind = report.kind === 'unknown' ? 'unreadable' : `${report.kind} hive`;
  lines.push(`${file}: ${kind}, ${report.fileLength} bytes${report.romSignature === null ? '' : `, ROM signature ${report.romSignature}`}`);
  if (report.restore !== null && (report.restore.flags !== 0 || report.restore.tailLength > 0)) lines.push(...renderRestore(report.restore));
  if (report.kind !== 'unknown') {
    const c = report.counts;
    lines.push(`  ${c.sections} section(s), ${c.keys} keys, ${c.values} values (${c.reachableKeys} keys and ${c.reachableValues} values reachable), ${c.freeBlocks} free block(s) of ${c.freeBytes} bytes`);
  }
  if (report.romLinks.total > 0) {
    lines.push(`  links into ROM: ${report.romLinks.total}${report.romLinks.checked ? `, ${report.romLinks.broken} broken` : ' (not checked: give --rom)'}`);
  }
  if (report.signature !== null) {
    lines.push(`  signature: hive ${report.signature.hive}, ROM ${report.signature.rom}: ${report.signature.match ? 'match' : 'MISMATCH'}`);
  }
  const width = Math.max(0, ...report.findings.map((f) => f.code.length));
  for (const finding of report.findings) {
    const severity = finding.severity === 'error' || (strict && finding.severity === 'warning') ? finding.severity.toUpperCase() : finding.severity;
    lines.push(`  ${severity.padEnd(7)} ${finding.code.padEnd(width)} at ${hex(finding.offset)}: ${finding.message}`);
  }
  lines.push(`  boot: ${OUTCOME[report.boot.outcome]}`);
  if (report.boot.regPersisted !== null) lines.push(`        RegPersisted after boot: ${report.boot.regPersisted ? 'set (dword:1)' : 'not set'}`);
  for (const reason of report.boot.reasons) lines.push(`        - ${reason}`);
  const s = report.summary;
  lines.push(`  result: ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} note(s)`);
  return terminalLines(lines);
}

/** Exit 1 when any hive has errors (or warnings with --strict) or a recovery pending, else 0. */
function failed(report: VerifyReport, strict: boolean): boolean {
  return report.summary.errors > 0 || (strict && report.summary.warnings > 0) || (report.restore !== null && report.restore.action !== 'none');
}

const MOUNT_ACTION: Record<RestoreReport['action'], (pages: number) => string> = {
  none: () => 'nothing to recover',
  discard: (pages) => `recovery pending: Windows CE discards ${pages} restore page(s) and keeps the hive as it was before the cut flush`,
  copy: (pages) => `recovery pending: Windows CE copies ${pages} restore page(s) into the hive, finishing the cut flush`,
};

/** The restore area in a few lines: where the hive ends, the tail, the next mount. */
function renderRestore(restore: RestoreReport): string[] {
  const lines = [`  restore: restoreFlags ${restore.flags}, hive ends at restoreStart ${restore.restoreStart}, restoreSize ${hex(restore.restoreSize)} (${restore.dirtyPages} dirty page(s) of ${restore.pageSize} bytes)`];
  if (restore.tailLength > 0) {
    const live = restore.records.filter((r) => r.live).length;
    lines.push(
      `  tail: ${restore.tailLength} bytes after the hive: ${restore.recordCount} restore record(s)${restore.trailingBytes > 0 ? ` and ${restore.trailingBytes} byte(s) of a cut one` : ''}${restore.action === 'copy' ? `, ${live} live` : ', stale'}`,
    );
    for (const record of restore.records) {
      lines.push(`        record ${record.index} at ${hex(record.offset)} → ${hex(record.targetOffset)} ${record.insideHive ? 'inside the hive' : 'OUTSIDE the hive'}, ${record.live ? 'live' : 'stale'}`);
    }
    if (restore.records.length < restore.recordCount) lines.push(`        … ${restore.recordCount - restore.records.length} more record(s) not listed`);
  }
  lines.push(`  next mount: ${MOUNT_ACTION[restore.action](restore.pages)}${restore.action === 'copy' ? ` (checked ${restore.view === 'as-mounted' ? 'as mounted' : 'as stored'})` : ''}`);
  return lines;
}

/** What a worker needs to verify one file (plain data, sent to worker threads). */
export interface VerifyJob {
  romFile?: string | undefined;
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
  asStored?: boolean | undefined;
}

export type VerifyOutcome = { file: string; report: VerifyReport } | { file: string; error: string } | { file: string; bug: string };

/**
 * Whether bytes without a readable header still hold a hive's heap: section table 0 at
 * 0x5000 (format guide §6). Such a file is a damaged hive to report on; anything else is
 * not a hive at all.
 */
function hasHiveHeap(bytes: Uint8Array): boolean {
  if (bytes.length < HEAP_OFFSET + BLOCK_HEADER_SIZE) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isSectionTable(view.getUint32(HEAP_OFFSET, true), view.getUint32(HEAP_OFFSET + 8, true), 0);
}

/**
 * Verifies one file; a file that cannot be read becomes `error`, a bug `bug`. So does a
 * file that is not a hive: another registry format is named (as `dump` names it), and
 * bytes with neither a hive header nor a hive heap fail with the header's error, as in
 * `dump`: verify could not run on them (exit 2), it has no findings about a hive (exit 1).
 */
export function verifyOne(io: CliIo, file: string, job: VerifyJob, rom: Hive | undefined): VerifyOutcome {
  try {
    const bytes = readHiveFile(io, file);
    const isRomItself = job.romFile !== undefined && file === job.romFile;
    const report = addCliHints(verifyHive(bytes, {
      kind: job.kind ?? 'auto',
      recovery: job.asStored === true ? 'as-stored' : 'as-mounted',
      ...(rom !== undefined && !isRomItself ? { rom } : {}),
      ...(job.maxDepth !== undefined ? { maxDepth: job.maxDepth } : {}),
    }));
    // Throws `TRUNCATED` or `BAD_MAGIC` as the reader does for `dump`.
    if (report.kind === 'unknown' && !hasHiveHeap(bytes)) readHeader(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { file, report };
  } catch (error) {
    return fileFailure(file, error);
  }
}

/**
 * `hivetool verify [--rom ROM.hv] HIVE...`; with only `--rom`, the ROM hive itself is
 * verified (and its signature shown). With `--jobs N`, files are checked on N threads;
 * output keeps the order of the files.
 */
export async function run(args: VerifyArguments, io: CommandIo): Promise<number> {
  const report = io.report;
  const files = args.files.length > 0 ? args.files : args.rom !== undefined ? [args.rom.file] : [];
  const sink = new StdoutSink(io);
  const job: VerifyJob = { romFile: args.rom?.file, kind: args.kind, maxDepth: args.maxDepth, asStored: args.asStored };
  const results: VerifyOutcome[] = [];
  // Read before the bar starts: a terminal on standard input stops the run here.
  const stdin = stdinForWorkers(io, files, args.jobs);
  const progress = new Progress(io, files.length);
  let unreadable = 0;
  let withFindings = 0;
  let pending = 0;
  let printed = 0;
  try {
    await runPool(files, args.jobs, BATCH_WORKER, { command: 'verify', options: job, stdin }, (file) => verifyOne(io, file, job, args.rom?.hive), (outcome) => {
      progress.step(outcome.file);
      if ('bug' in outcome) throw new Error(`internal error on ${outcome.file}: ${outcome.bug}`);
      results.push(outcome);
      if ('error' in outcome) {
        report.failure(outcome.file, new UsageError(outcome.error));
        unreadable++;
        return;
      }
      if (failed(outcome.report, args.strict)) withFindings++;
      if (outcome.report.restore !== null && outcome.report.restore.action !== 'none') pending++;
      if (!args.json) sink.write((printed++ > 0 ? '\n' : '') + renderText(inputName(outcome.file), outcome.report, args.strict));
    });
  } finally {
    progress.stop();
  }
  if (args.json) {
    const document = {
      format: 'hivetool-verify',
      schemaVersion: 1,
      strict: args.strict,
      rom: args.rom === undefined ? null : { file: args.rom.file, romSignature: Buffer.from(args.rom.hive.header.romSignature).toString('hex') },
      hives: results.map((outcome) => ('report' in outcome ? { file: inputName(outcome.file), ...outcome.report, findings: outcome.report.findings.map((f: Finding) => ({ ...f })) } : outcome)),
    };
    sink.write(terminalSafeJson(JSON.stringify(document, null, 2)) + '\n');
  }
  sink.close();
  summary(io, files.length, [
    [files.length - withFindings - unreadable, 'clean'],
    [withFindings, `with errors${args.strict ? ' or warnings' : ''}${pending > 0 ? ' or a recovery pending' : ''}`],
    [unreadable, 'could not be read'],
  ]);
  if (unreadable > 0) return ExitCode.FAILED;
  return withFindings > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
