/** verify, format guide §9 and §1: links into the ROM hive, the ROM hive itself, the signature. */
import { toHex } from '@hivetool/registry';
import { HeaderOffset } from '../header.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { isHiveFormatError } from '../errors.js';
import { openHive, type Hive, type HiveKind } from '../reader.js';
import { ROLE_WORDS, hiveRole, roleMatches, romFileForRole } from '../romRole.js';
import { findRomCopies } from '../romCopies.js';
import { RecordKind } from './context.js';
import { hex, type Findings } from './findings.js';
import type { VerifyOptions, VerifyReport } from './report.js';


export function checkRomLink(rom: Hive, ref: number, from: number, want: number, link: string, cache: Map<number, boolean>, findings: Findings, report: VerifyReport): void {
  // One reference may be checked as a key and as a value: cache the two apart.
  const cacheKey = ref + (want === RecordKind.KEY ? 0 : 2 ** 32);
  let ok = cache.get(cacheKey);
  if (ok === undefined) {
    try {
      if (want === RecordKind.KEY) rom.resolveKey(ref, 'child', from);
      else rom.resolveValue(ref, from);
      ok = true;
    } catch (error) {
      if (!isHiveFormatError(error)) throw error;
      ok = false;
      findings.add('error', error.code === 'LINK_WRONG_TYPE' ? 'ROM_LINK_WRONG_TYPE' : 'ROM_LINK_BROKEN', from, `${link} link ${hex(ref)} into the ROM hive does not resolve there to a ${want === RecordKind.KEY ? 'key' : 'value'}: ${error.message}. The hive was built against another ROM, or is damaged`);
    }
    cache.set(cacheKey, ok);
  }
  if (!ok) report.romLinks.broken++;
}

// A batch verifies many hives against one ROM hive: it is checked once.
const romReports = new WeakMap<Hive, Map<number, VerifyReport>>();

/**
 * A persistent hive is read through its ROM hive (format guide §9), so a damaged ROM hive
 * makes the hive unreadable where its links lead: the ROM hive is verified by the same
 * rules, and its errors reported here as `ROM_DAMAGED` (its offset is the ROM file's).
 */
export function checkRomHive(rom: Hive, options: VerifyOptions, findings: Findings, verify: (bytes: Uint8Array, options: VerifyOptions) => VerifyReport): void {
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  let byDepth = romReports.get(rom);
  if (byDepth === undefined) {
    byDepth = new Map();
    romReports.set(rom, byDepth);
  }
  let romReport = byDepth.get(maxDepth);
  if (romReport === undefined) {
    rom.loadAll();
    romReport = verify(rom.bytes, { kind: 'rom', maxDepth });
    byDepth.set(maxDepth, romReport);
  }
  const errors = romReport.findings.filter((finding) => finding.severity === 'error');
  if (errors.length === 0) return;
  const first = errors[0]!;
  findings.add(
    'error',
    'ROM_DAMAGED',
    first.offset,
    `the ROM hive given has ${romReport.summary.errors} error(s) (first ${first.code} at ${hex(first.offset)} of the ROM hive: ${first.message}); this hive cannot be read through it where its links lead there (verify the ROM hive alone for the list)`,
  );
}

/** The ROM signature (§1, §3): a persistent hive whose signature differs is wiped at boot. */
export function checkSignature(rom: Hive, kind: HiveKind, findings: Findings, report: VerifyReport): void {
  // Set by the header check, which runs first.
  const hiveSignature = report.romSignature ?? '';
  const romSignature = toHex(rom.header.romSignature);
  const match = hiveSignature === romSignature;
  report.signature = { hive: hiveSignature, rom: romSignature, match };
  if (!match && kind === 'persistent') {
    findings.add(
      'error',
      'SIGNATURE_MISMATCH',
      HeaderOffset.romSignature,
      `the hive carries ROM signature ${hiveSignature} but the ROM hive's is ${romSignature}: at the next boot Windows CE deletes this hive and recreates it from ROM (a clean boot), and every change stored in it is lost`,
    );
  } else if (!match) {
    findings.add('warning', 'SIGNATURE_DIFFERS', HeaderOffset.romSignature, `this ROM hive's signature ${hiveSignature} differs from ${romSignature}: the two come from different OS images (the ROM hives of one image share one signature)`);
  }
}

/**
 * The role (format guide §1, §8): a system hive links into the ROM default.hv, a user hive
 * into the ROM user.hv; their roots say which is which. Returns whether it matches.
 */
export function checkRomRole(rootRefs: readonly number[], rootsAt: number, rom: Hive, findings: Findings): boolean {
  const hive = hiveRole(rootRefs);
  const romRole = hiveRole(rom.rootRefs());
  if (roleMatches(hive, romRole)) return true;
  findings.add('error', 'ROM_WRONG_ROLE', rootsAt, `this is ${ROLE_WORDS[hive]} but the ROM hive given is ${ROLE_WORDS[romRole]}: it links into ${romFileForRole(hive)}, so its links lead to the wrong records`);
  return false;
}

/**
 * Same-build evidence (format guide §9): key copies (flags 0x2) whose ROM original is
 * still on the chain they replace. Walked through the ROM only when every link resolves.
 */
export function checkRomCopies(bytes: Uint8Array, rom: Hive, options: VerifyOptions, findings: Findings): void {
  let hive: Hive;
  try {
    hive = openHive(bytes, { kind: 'persistent', rom, recovery: 'as-stored', limits: { maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth } });
  } catch (error) {
    if (isHiveFormatError(error)) return;
    throw error;
  }
  const copies = findRomCopies(hive, 1);
  const first = copies.first[0];
  if (first === undefined) return;
  findings.add(
    'error',
    'ROM_COPY_ON_CHAIN',
    first.offset,
    `${copies.count} key copy(ies) (flags 0x2) still have their ROM original on the chain they replace (first ${first.path}): the hive was built against another build of the ROM with the same signature, and the device would see both`,
  );
}
