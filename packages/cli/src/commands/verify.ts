import { verifyHive, type Finding, type Hive, type VerifyReport } from '@hivetool/hive';
import { readInputFile } from '../input.js';
import { StdoutSink } from '../output.js';
import { ExitCode, describeFailure } from '../failures.js';
import type { Reporter } from '../report.js';

export interface VerifyArguments {
  files: string[];
  rom?: { file: string; hive: Hive } | undefined;
  json: boolean;
  strict: boolean;
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
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
  return lines.join('\n') + '\n';
}

/** Exit 1 when any hive has errors (or warnings with --strict), else 0. */
function failed(report: VerifyReport, strict: boolean): boolean {
  return report.summary.errors > 0 || (strict && report.summary.warnings > 0);
}

/**
 * `hivetool verify [--rom ROM.hv] HIVE...`; with only `--rom`, the ROM hive itself is
 * verified (and its signature shown).
 */
export function runVerify(args: VerifyArguments, report: Reporter): number {
  const files = args.files.length > 0 ? args.files : args.rom !== undefined ? [args.rom.file] : [];
  const sink = new StdoutSink();
  const results: Array<{ file: string; report?: VerifyReport; error?: string }> = [];
  let couldNotRun = false;
  let withFindings = false;
  for (const file of files) {
    try {
      const bytes = readInputFile(file);
      const isRomItself = args.rom !== undefined && file === args.rom.file;
      const result = verifyHive(bytes, {
        kind: args.kind ?? 'auto',
        ...(args.rom !== undefined && !isRomItself ? { rom: args.rom.hive } : {}),
        ...(args.maxDepth !== undefined ? { maxDepth: args.maxDepth } : {}),
      });
      results.push({ file, report: result });
      if (failed(result, args.strict)) withFindings = true;
      if (!args.json) sink.write((results.length > 1 ? '\n' : '') + renderText(file, result, args.strict));
    } catch (error) {
      const line = describeFailure(error, file);
      if (line === undefined) throw error;
      report.failure(file, error);
      results.push({ file, error: line });
      couldNotRun = true;
    }
  }
  if (args.json) {
    const document = {
      format: 'hivetool-verify',
      schemaVersion: 1,
      strict: args.strict,
      rom: args.rom === undefined ? null : { file: args.rom.file, romSignature: Buffer.from(args.rom.hive.header.romSignature).toString('hex') },
      hives: results.map(({ file, report: r, error }) => (r === undefined ? { file, error } : { file, ...r, findings: r.findings.map((f: Finding) => ({ ...f })) })),
    };
    sink.write(JSON.stringify(document, null, 2) + '\n');
  }
  sink.close();
  if (couldNotRun) return ExitCode.FAILED;
  return withFindings ? ExitCode.FINDINGS : ExitCode.OK;
}
