import { lintBoot } from '@hivetool/boot';
import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import { ExitCode } from '../failures.js';
import { StdoutSink } from '../output.js';
import { openRomSet, renderFinding, romFailure } from './boot.js';
import type { CommandIo } from '../command.js';

/**
 * `hivetool lint ROMDIR`: checks the boot configuration of a ROM set (docs/boot.md lists
 * the checks). Exit 1 when a check finds an error.
 */
export function run({ romDir, json }: { romDir: string; json: boolean }, io: CommandIo): number {
  const rom = openRomSet(io, romDir);
  const findings = romFailure(romDir, () => lintBoot(rom));
  const summary = {
    errors: findings.filter((finding) => finding.severity === 'error').length,
    warnings: findings.filter((finding) => finding.severity === 'warning').length,
    notes: findings.filter((finding) => finding.severity === 'info').length,
  };
  const sink = new StdoutSink(io);
  if (json) {
    sink.write(terminalSafeJson(JSON.stringify({ format: 'hivetool-lint', schemaVersion: 1, rom: rom.files, findings, summary }, null, 2)) + '\n');
  } else {
    const lines = [`${romDir}: ${summary.errors} error(s), ${summary.warnings} warning(s), ${summary.notes} note(s)`];
    for (const finding of findings) lines.push(...renderFinding(finding));
    sink.write(terminalLines(lines));
  }
  sink.close();
  return summary.errors > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
