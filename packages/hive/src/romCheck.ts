/**
 * The ROM check (format guide §1, §3, §7–§9): does this persistent hive belong over this
 * ROM hive? The signature, the role (a system hive over the ROM `default.hv`, a user hive
 * over the ROM `user.hv`), every link into the ROM resolved to a record of the type its
 * field expects (the checks of verify, `verify/romLinks.ts`), and the mark of a
 * same-signature different build: a persistent key copy (flags 0x2) whose name is still
 * on the ROM chain it replaces. Pure: no Node built-in, never throws on bad bytes.
 */
import { toHex } from '@hivetool/registry';
import { Hive, openHive } from './reader.js';
import { verifyHive } from './verify/index.js';
import { ROLE_WORDS, hiveRole, roleMatches, romFileForRole, type HiveRole } from './romRole.js';
import { findRomCopies, type RomCopy } from './romCopies.js';

export { hiveRole, romFileForRole, type HiveRole } from './romRole.js';

/** A link into the ROM hive that does not resolve to a record of the expected type. */
export interface RomCheckLink {
  code: 'ROM_LINK_BROKEN' | 'ROM_LINK_WRONG_TYPE';
  /** Offset of the link field in the persistent hive. */
  offset: number;
  /** The link and its reference, e.g. `sibling link 0x2000079b`. */
  link: string;
  message: string;
}

/** A persistent key copy (flags 0x2) whose ROM original is still on the chain it replaces. */
export type RomCheckCopy = RomCopy;

/** How many broken links and copies a result lists; the rest are counted. */
export const ROM_CHECK_LISTED = 8;

export interface RomCheckResult {
  /** True when every part below holds (always true for a ROM hive: it links nowhere). */
  ok: boolean;
  /** Whether the hive is persistent (a ROM hive is not checked). */
  applies: boolean;
  signature: { hive: string; rom: string; match: boolean };
  role: { hive: HiveRole; rom: HiveRole; match: boolean };
  /** Links into the ROM hive met on the walk from the roots; `first` lists the first broken ones. */
  links: { total: number; broken: number; first: RomCheckLink[] };
  /** Same-build evidence: copies whose ROM original is still on the chain (0 when not checked). */
  copies: { count: number; checked: boolean; first: RomCheckCopy[] };
  /** What does not match, in plain sentences, most telling first (empty when `ok`). */
  problems: string[];
}

/**
 * Checks `hive` (a persistent hive, opened with or without its ROM) against `rom`
 * (a ROM hive; default: the one `hive` was opened with).
 */
export function checkRom(hive: Hive, rom: Hive | undefined = hive.rom): RomCheckResult {
  const hiveSignature = toHex(hive.header.romSignature);
  const result: RomCheckResult = {
    ok: true,
    applies: hive.kind === 'persistent' && rom !== undefined,
    signature: { hive: hiveSignature, rom: rom === undefined ? '' : toHex(rom.header.romSignature), match: true },
    role: { hive: hiveRole(hive.rootRefs()), rom: rom === undefined ? 'empty' : hiveRole(rom.rootRefs()), match: true },
    links: { total: 0, broken: 0, first: [] },
    copies: { count: 0, checked: false, first: [] },
    problems: [],
  };
  if (!result.applies || rom === undefined) return result;
  const problems = result.problems;
  result.signature.match = result.signature.hive === result.signature.rom;
  if (!result.signature.match) problems.push(`the hive carries ROM signature ${result.signature.hive}, the ROM hive ${result.signature.rom}: they are of different builds (the device would wipe this hive at boot)`);
  result.role.match = roleMatches(result.role.hive, result.role.rom);
  if (!result.role.match) problems.push(`the hive is ${ROLE_WORDS[result.role.hive]} but the ROM hive is ${ROLE_WORDS[result.role.rom]}: it links into ${romFileForRole(result.role.hive)}`);

  // The links: verify's walk from the roots checks each one against the ROM hive.
  hive.loadAll();
  const report = verifyHive(hive.file, { kind: 'persistent', rom, maxDepth: hive.limits.maxDepth, recovery: hive.recovery });
  result.links.total = report.romLinks.total;
  result.links.broken = report.romLinks.broken;
  for (const finding of report.findings) {
    if ((finding.code === 'ROM_LINK_BROKEN' || finding.code === 'ROM_LINK_WRONG_TYPE') && result.links.first.length < ROM_CHECK_LISTED) {
      const link = /^\w+ link 0x[0-9a-f]{8}/.exec(finding.message)?.[0] ?? 'link';
      result.links.first.push({ code: finding.code, offset: finding.offset, link, message: finding.message });
    }
  }
  if (result.links.broken > 0) {
    const first = result.links.first[0];
    problems.push(`${result.links.broken} of ${result.links.total} link(s) into the ROM hive do not resolve to a record of the expected type${first === undefined ? '' : ` (first: the ${first.link} at 0x${first.offset.toString(16).padStart(8, '0')}, ${first.code})`}`);
  }
  // The copies: only where every link resolves (a walk through broken links reads garbage).
  if (result.links.broken === 0 && result.role.match) {
    result.copies = findRomCopies(hive.rom === rom ? hive : reopen(hive, rom), ROM_CHECK_LISTED);
    if (result.copies.count > 0) {
      const first = result.copies.first[0]!;
      problems.push(
        `${result.copies.count} key copy(ies) (flags 0x2) still have their ROM original on the chain they replace (first ${first.path}, at 0x${first.offset.toString(16).padStart(8, '0')}): the mark of a hive built against another build of the same signature`,
      );
    }
  }
  result.ok = problems.length === 0;
  return result;
}

function reopen(hive: Hive, rom: Hive): Hive {
  return openHive(hive.file, { kind: 'persistent', rom, limits: hive.limits, recovery: hive.recovery, source: hive.source });
}

