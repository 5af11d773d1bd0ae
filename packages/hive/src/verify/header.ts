/** verify, format guide §3 and §3a: the header page and the restore area. */
import { toHex } from '@hivetool/registry';
import { HEADER_SIZE, HIVE_MAGIC, HIVE_VERSION, HeaderOffset, LOG_ENTRY_SLOTS, RestoreFlags } from '../header.js';
import { PAGE_SIZE } from '../layout.js';
import { measureRestoreArea, mountedView, restoreProblem, restoreRecord } from '../restore.js';
import { hex, type Findings } from './findings.js';
import { MAX_RESTORE_RECORDS_LISTED, type RestoreReport, type VerifyOptions, type VerifyReport } from './report.js';

/**
 * The restore area (§3, §3a): reports it and returns the hive the other checks look at —
 * the file up to restoreStart, or the hive as mounted when a copy is pending; the whole
 * file when restoreStart is unusable.
 */
export function checkRestoreArea(file: Uint8Array, options: VerifyOptions, findings: Findings, report: VerifyReport): Uint8Array {
  if (file.length < HEADER_SIZE) return file;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(HeaderOffset.magic2, true) !== HIVE_MAGIC) return file;
  const area = measureRestoreArea(file.length, view);
  const problem = restoreProblem(area, view);
  const recovery = options.recovery ?? 'as-mounted';
  const records: RestoreReport['records'] = [];
  for (let i = 0; i < Math.min(area.recordCount, MAX_RESTORE_RECORDS_LISTED); i++) {
    const { index, offset, targetOffset, insideHive, live } = restoreRecord(file, area, i);
    records.push({ index, offset, targetOffset, insideHive, live });
  }
  report.restore = {
    flags: area.flags,
    restoreStart: area.restoreStart,
    restoreSize: area.restoreSize,
    pageSize: area.pageSize,
    dirtyPages: area.dirtyPages,
    tailLength: area.tailLength,
    recordCount: area.recordCount,
    trailingBytes: area.trailingBytes,
    action: area.action,
    pages: area.actionPages,
    view: recovery,
    records,
  };
  const tail = `${area.recordCount} restore record(s) of ${area.pageSize} bytes${area.trailingBytes > 0 ? ` and ${area.trailingBytes} byte(s) of a cut record` : ''}`;
  if (area.flags === RestoreFlags.APPENDING) {
    findings.add('warning', 'RESTORE_APPENDING', HeaderOffset.restoreFlags, `restoreFlags = 1: a flush was appending pages after the hive when it stopped; at the next mount Windows CE discards ${area.recordCount} page(s) (${tail}) and keeps the hive as it was before the flush`);
  } else if (area.flags === RestoreFlags.COPYING && problem === undefined) {
    findings.add('warning', 'RESTORE_COPYING', HeaderOffset.restoreFlags, `restoreFlags = 2: a flush was copying pages into the hive when it stopped; at the next mount Windows CE copies ${area.liveCount} page(s) into the hive from the restore records after restoreStart (checked here as ${recovery === 'as-mounted' ? 'mounted' : 'stored'})`);
  } else if (area.flags !== RestoreFlags.CLEAN && area.flags !== RestoreFlags.COPYING) {
    findings.add('error', 'RESTORE_FLAGS_UNKNOWN', HeaderOffset.restoreFlags, `restoreFlags = ${area.flags}: not a value the format guide knows (0, 1 or 2); what Windows CE does with it is not known`);
  }
  if (problem !== undefined) {
    findings.add('error', problem.code, problem.offset, `${problem.message}${area.flags === RestoreFlags.COPYING ? '; the pending copy cannot be made as stored, what Windows CE does then is not known' : ''}`);
    if (problem.code === 'RESTORE_START_PAST_EOF' || problem.code === 'RESTORE_START_UNALIGNED') return file;
    report.hiveLength = area.restoreStart;
    return file.subarray(0, area.restoreStart);
  }
  if (area.flags === RestoreFlags.CLEAN && area.tailLength > 0) {
    findings.add('info', 'RESTORE_TAIL', area.restoreStart, `the file continues after the hive's logical end (restoreStart ${area.restoreStart}) with ${tail} left by an earlier flush; Windows CE ignores them`);
  }
  report.hiveLength = area.restoreStart;
  if (area.action === 'copy' && recovery === 'as-mounted') {
    const mounted = mountedView(file, area);
    mounted.load(0, mounted.bytes.length);
    return mounted.bytes;
  }
  return file.subarray(0, area.restoreStart);
}

/**
 * The header fields (§3): returns false when the file is no hive at all (too short, or
 * the wrong magic), so that no later check runs.
 */
export function checkHeader(bytes: Uint8Array, u32: (offset: number) => number, findings: Findings, report: VerifyReport): boolean {
  const length = bytes.length;
  // Header (format guide §3).
  if (length < HEADER_SIZE) {
    findings.add('error', 'TRUNCATED', 0, `the file is ${length} bytes, shorter than the 4096-byte header page: it is not a whole hive`);
    return false;
  }
  if (u32(HeaderOffset.magic2) !== HIVE_MAGIC) {
    findings.add('error', 'BAD_MAGIC', HeaderOffset.magic2, `bytes 8–11 are ${toHex(bytes.subarray(8, 12))}, not 454b494d ("EKIM"): this is not a Windows CE hive`);
    return false;
  }
  report.romSignature = toHex(bytes.subarray(HeaderOffset.romSignature, HeaderOffset.romSignature + 16));
  const version = u32(HeaderOffset.version);
  if (version !== HIVE_VERSION) findings.add('warning', 'UNKNOWN_VERSION', 0, `header version is ${hex(version)}, not 0x400 as in every known hive; the rest is read as version 0x400`);
  if (u32(HeaderOffset.magic1) !== 0) findings.add('info', 'MAGIC1_SET', HeaderOffset.magic1, `magic1 is ${hex(u32(HeaderOffset.magic1))}; it is 0 in files and set only while the hive is mapped (the file may have been copied from a running device)`);
  if (length % PAGE_SIZE !== 0) findings.add('warning', 'NOT_PAGE_ALIGNED', length, `the file length ${length} is not a multiple of 4096 as in every real hive: it may be cut short`);
  const logCount = u32(HeaderOffset.logEntryCount);
  if (logCount > LOG_ENTRY_SLOTS) findings.add('error', 'LOG_COUNT_TOO_LARGE', HeaderOffset.logEntryCount, `the recovery log claims ${logCount} entries; the header page holds at most ${LOG_ENTRY_SLOTS}`);
  else if (logCount > 0) findings.add('warning', 'LOG_PENDING', HeaderOffset.logEntryCount, `${logCount} recovery log entr${logCount === 1 ? 'y is' : 'ies are'} pending: Windows CE replays them at boot, so the registry after boot differs from what this file holds`);

  return true;
}
