/** verify, format guide §1: what Windows CE does with the hive at the next boot. */
import type { Findings } from './findings.js';
import type { BootPrediction, VerifyOptions, VerifyReport } from './report.js';


/** Errors of the ROM check, said above in their own reasons. */
const ROM_CHECK_CODES = new Set<string>(['ROM_LINK_BROKEN', 'ROM_LINK_WRONG_TYPE', 'ROM_WRONG_ROLE', 'ROM_COPY_ON_CHAIN']);

export function predictBoot(report: VerifyReport, findings: Findings, options: VerifyOptions): BootPrediction {
  if (report.kind === 'rom') {
    return {
      outcome: 'rom',
      regPersisted: null,
      reasons: [`a ROM hive is part of the OS image and is not replaced at boot; persistent hives built against it must carry ROM signature ${report.romSignature ?? '(unreadable)'}`],
    };
  }
  if (report.kind === 'unknown') return { outcome: 'unknown', regPersisted: null, reasons: ['the file could not be read as a hive'] };
  const reasons: string[] = [];
  const restore = findings.list.find((f) => f.code === 'RESTORE_APPENDING' || f.code === 'RESTORE_COPYING');
  if (restore !== undefined) {
    const pages = report.restore?.pages ?? 0;
    reasons.push(`first, Windows CE recovers the interrupted flush (${restore.code === 'RESTORE_APPENDING' ? `discarding ${pages} appended page(s)` : `copying ${pages} page(s) into the hive`})`);
  }
  if (options.rom === undefined || report.signature === null) {
    reasons.push('without the ROM hive the signature cannot be compared, so whether the device keeps this hive is not known');
    return { outcome: 'unknown', regPersisted: null, reasons };
  }
  if (findings.list.some((finding) => finding.code === 'ROM_DAMAGED')) {
    reasons.push('the ROM hive given is damaged (ROM_DAMAGED above), so it is not a copy of the ROM hive the device has: what the device does with this hive cannot be told from it');
    return { outcome: 'unknown', regPersisted: null, reasons };
  }
  if (!report.signature.match) {
    reasons.push('the ROM signature does not match: the hive is deleted and recreated from ROM (clean boot)');
    reasons.push('RegPersisted will not be set: its absence after boot is how the device shows a clean boot');
    return { outcome: 'clean-boot', regPersisted: false, reasons };
  }
  reasons.push('the ROM signature matches: the hive is kept (unless the OEM forces a clean boot through IOCTL_HAL_GET_HIVE_CLEAN_FLAG)');
  reasons.push('after the boot, RegPersisted = dword:1 is set (under HKLM for the system hive, HKCU for a user hive)');
  if (report.romLinks.broken > 0) {
    const first = findings.list.find((finding) => finding.code === 'ROM_LINK_BROKEN' || finding.code === 'ROM_LINK_WRONG_TYPE');
    reasons.push(
      `but ${report.romLinks.broken} link(s) into the ROM hive do not resolve there${first === undefined ? '' : ` (first at 0x${first.offset.toString(16).padStart(8, '0')}, ${first.code})`}: the device keeps the hive and reads garbage through them (a patched signature, or another build with the same signature)`,
    );
  }
  const role = findings.list.find((finding) => finding.code === 'ROM_WRONG_ROLE');
  if (role !== undefined) reasons.push(`but the ROM hive given has the wrong role (ROM_WRONG_ROLE): ${role.message}`);
  const copies = findings.list.find((finding) => finding.code === 'ROM_COPY_ON_CHAIN');
  if (copies !== undefined) reasons.push(`but it was built against another build of the ROM (ROM_COPY_ON_CHAIN): ${copies.message}`);
  if (findings.list.some((finding) => finding.severity === 'error' && !ROM_CHECK_CODES.has(finding.code))) reasons.push('the structural errors reported above are not covered by the documented boot checks: what filesys does with a damaged hive is not known');
  return { outcome: 'kept', regPersisted: true, reasons };
}
