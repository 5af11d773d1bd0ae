/**
 * `verifyHive`: every check of a hive file, one checker per section of the format guide
 * (header.ts §3, directory.ts §4, heap.ts §5, slots.ts §6, records.ts §8, links.ts §7–8,
 * romLinks.ts §9, boot.ts), over the file as u32 words.
 */
import { Hive } from '../reader.js';
import { wordsOf, type Context } from './context.js';
import { Findings } from './findings.js';
import { checkHeader, checkRestoreArea } from './header.js';
import { readSections } from './directory.js';
import { tileHeap } from './heap.js';
import { checkSections } from './slots.js';
import { checkRecords, checkRoots } from './records.js';
import { walkLinks } from './links.js';
import { checkRomCopies, checkRomHive, checkRomRole, checkSignature } from './romLinks.js';
import { predictBoot } from './boot.js';
import type { VerifyOptions, VerifyReport } from './report.js';

export { MAX_FINDINGS_PER_CODE } from './findings.js';
export { MAX_RESTORE_RECORDS_LISTED, type BootOutcome, type BootPrediction, type Finding, type RestoreReport, type Severity, type VerifyOptions, type VerifyReport } from './report.js';

/**
 * Checks a hive file and reports every finding instead of stopping at the first: header
 * and recovery state, the section directory, heap tiling, slots and free-slot chains,
 * record bounds, links and their targets' types, cycles, depth, reachability, links into
 * the ROM hive, the ROM signature, and what Windows CE will do with the file at boot.
 * Names are never decoded. It does not throw on any input.
 *
 * Takes the file's bytes, or an open `Hive`: its bytes are checked, with its kind, its
 * ROM hive and its `maxDepth` unless `options` say otherwise.
 */
export function verifyHive(source: Uint8Array | Hive, options: VerifyOptions = {}): VerifyReport {
  if (source instanceof Hive) {
    source.loadAll();
    const rom = options.rom ?? source.rom;
    return verifyHive(source.file, { kind: options.kind ?? source.kind, maxDepth: options.maxDepth ?? source.limits.maxDepth, recovery: options.recovery ?? source.recovery, ...(rom === undefined ? {} : { rom }), ...(options.scope === undefined ? {} : { scope: options.scope }), ...(options.census === undefined ? {} : { census: options.census }) });
  }
  const bytes = source;
  const findings = new Findings();
  const report: VerifyReport = {
    kind: 'unknown',
    fileLength: bytes.length,
    hiveLength: bytes.length,
    restore: null,
    romSignature: null,
    findings: findings.list,
    summary: { errors: 0, warnings: 0, infos: 0 },
    counts: { sections: 0, keys: 0, values: 0, freeBlocks: 0, freeBytes: 0, reachableKeys: 0, reachableValues: 0 },
    romLinks: { total: 0, checked: options.rom !== undefined, broken: 0 },
    signature: null,
    boot: { outcome: 'unknown', regPersisted: null, reasons: [] },
  };
  try {
    checkFile(bytes, options, findings, report);
  } catch (error) {
    // A bug in a check must not hide the findings already made.
    findings.add('error', 'VERIFY_INTERNAL', 0, `the verifier stopped unexpectedly (${error instanceof Error ? error.message : String(error)}); the findings above stand, later checks did not run`);
  }
  report.boot = predictBoot(report, findings, options);
  for (const finding of findings.list) {
    if (finding.severity === 'error') report.summary.errors++;
    else if (finding.severity === 'warning') report.summary.warnings++;
    else report.summary.infos++;
  }
  // The walk's counts stand for a walk of the tree only when nothing was damaged.
  if (options.census !== undefined && report.summary.errors > 0) options.census.tree = undefined;
  return report;
}

function checkFile(file: Uint8Array, options: VerifyOptions, findings: Findings, report: VerifyReport): void {
  const bytes = checkRestoreArea(file, options, findings, report);
  const length = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Reads through a Uint32Array are several times faster than DataView calls on the hot
  // loops; every u32 the checks read is at a 4-aligned file offset. The file is copied
  // only if it does not start 4-aligned in its buffer (or on a big-endian host).
  const words = wordsOf(bytes);
  const u32 = (offset: number): number => words[offset >>> 2]!;
  if (!checkHeader(bytes, u32, findings, report)) return;
  const sections = readSections(length, u32, findings, report);
  if (sections === undefined) return;
  const ctx: Context = { bytes, view, words, length, findings, report, census: options.census };
  const records = options.scope !== 'structure';
  const heap = tileHeap(ctx, sections.length, records);
  const slots = checkSections(ctx, sections, heap);
  if (options.census !== undefined) options.census.structureFindings = findings.list.length;
  if (!records) return;
  const table = slots;
  if (slots.confirmed !== undefined && heap.ids.recordsRegular) {
    // Every slot confirmed against the tiling and every record regular: the tiling checked
    // the records (heap.ts), in the blocks the slots point at.
    report.counts.keys = slots.confirmed.keys;
    report.counts.values = slots.confirmed.values;
  } else {
    checkRecords(ctx, table);
  }
  const roots = checkRoots(ctx, table, options);
  if (roots === undefined) return;
  walkLinks(ctx, table, roots, options);
  const rom = options.rom;
  if (rom !== undefined && roots.kind === 'persistent') {
    checkRomHive(rom, options, findings, verifyHive);
    // The rest of the ROM check (romCheck.ts): the role, then same-build evidence where every link resolves.
    if (checkRomRole(roots.refs, roots.at, rom, findings) && report.romLinks.broken === 0) checkRomCopies(bytes, rom, options, findings);
  }
  if (rom !== undefined) checkSignature(rom, roots.kind, findings, report);
}
