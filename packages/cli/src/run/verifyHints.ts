import type { VerifyReport } from '@hivetool/hive';

/**
 * The codec's verify messages name no CLI flags; the CLI points at the option that helps,
 * in the same sentence, by code (docs/verify.md).
 */
const HINTS: Array<{ code: string; from: string; to: string }> = [
  { code: 'DEPTH_LIMIT', from: 'raise the limit for forensic work', to: 'raise the limit with --max-depth for forensic work' },
  { code: 'ROM_LINKS_UNCHECKED', from: 'give the ROM hive to check them', to: 'give the ROM hive (--rom) to check them' },
  { code: 'RESTORE_COPYING', from: '(checked here as mounted)', to: '(checked here as mounted; --as-stored checks the bytes as stored)' },
];

const BOOT_HINT = { from: 'without the ROM hive the signature', to: 'without the ROM hive (--rom) the signature' };

/** Adds the CLI's option hints to a report's messages and boot reasons (in place). */
export function addCliHints(report: VerifyReport): VerifyReport {
  for (const finding of report.findings) {
    // ROM_DAMAGED quotes the ROM hive's first error, hint included.
    for (const hint of HINTS) if (finding.code === hint.code || finding.code === 'ROM_DAMAGED') finding.message = finding.message.replace(hint.from, hint.to);
  }
  report.boot.reasons = report.boot.reasons.map((reason) => reason.replace(BOOT_HINT.from, BOOT_HINT.to));
  return report;
}
