/**
 * One set of rules for what every command does with a damaged hive (docs/verify.md,
 * "Which commands stop, which read on"). Every problem has a code (`FindingCode`); each
 * code belongs to one class of damage; for each kind of command, each class has one
 * action. The CLI asks `damageAction` and `structuralDamage` instead of deciding per
 * command.
 *
 * A walk from the roots checks every record and link it passes (the reader throws); what
 * it does not pass — the heap's tiling, the slot tables, the free-slot chains, the header
 * and the restore area — is checked for it by `structuralDamage`, so a reader sees the
 * same whole-file damage `verify` reports. "Intact" means reachable from the roots without
 * passing through a damaged record.
 */
import type { FindingCode, HiveFormatError } from './errors.js';
import type { Hive } from './reader.js';
import type { HeapCensus } from './census.js';
import type { Finding } from './verify/report.js';
import { verifyHive } from './verify/index.js';
import { HeaderOffset, LOG_ENTRY_SLOTS, RestoreFlags } from './header.js';

/** The classes of damage (and of harmless oddities), one per section of the format guide. */
export type DamageClass =
  /** TRUNCATED, BAD_MAGIC: not (the start of) a hive. */
  | 'not-a-hive'
  /** Fields no reader needs (version, magic1, length in whole pages). */
  | 'header'
  /** A flush cut short that Windows CE finishes at the next mount (a state, not damage). */
  | 'flush'
  /** A restore area or recovery log no one can apply: which bytes the device mounts is not known. */
  | 'restore'
  /** The file ends before the hive does. */
  | 'cut'
  /** The section directory: ids cannot be resolved. */
  | 'directory'
  /** The heap does not tile to the end of the hive. */
  | 'heap'
  /** Slot tables and free-slot chains. */
  | 'slots'
  /** A record that does not fit its block, or no roots record. */
  | 'records'
  /** Links: to nothing, to the wrong type, reaching a record twice, nesting too deep, counts past a limit. */
  | 'links'
  /** Links into the ROM hive, the ROM hive itself, the signature. */
  | 'rom'
  /** Unknown bits, slack, lost space, unreachable records: kept as stored, nothing to read differently. */
  | 'notes'
  /** A bug in hivetool (VERIFY_INTERNAL), a path that names no key (BAD_PATH). */
  | 'other';

export const DAMAGE_CLASS: Readonly<Record<FindingCode, DamageClass>> = {
  TRUNCATED: 'not-a-hive',
  BAD_MAGIC: 'not-a-hive',
  UNKNOWN_VERSION: 'header',
  MAGIC1_SET: 'header',
  NOT_PAGE_ALIGNED: 'header',
  RESTORE_APPENDING: 'flush',
  RESTORE_COPYING: 'flush',
  RESTORE_TAIL: 'flush',
  LOG_PENDING: 'flush',
  RESTORE_FLAGS_UNKNOWN: 'restore',
  RESTORE_START_UNALIGNED: 'restore',
  RESTORE_PAGE_SIZE_BAD: 'restore',
  RESTORE_COUNT_TOO_LARGE: 'restore',
  RESTORE_TARGET_PAST_HIVE: 'restore',
  RESTORE_TARGET_UNALIGNED: 'restore',
  LOG_COUNT_TOO_LARGE: 'restore',
  RESTORE_START_PAST_EOF: 'cut',
  DIRECTORY_OFFSET_PAST_EOF: 'directory',
  SECTION_TABLE_NOT_A_BLOCK: 'directory',
  BAD_SECTION_TABLE: 'directory',
  HEAP_CUT: 'heap',
  BLOCK_PAST_EOF: 'heap',
  BLOCK_SIZE_UNALIGNED: 'heap',
  SLOT_OUT_OF_HEAP: 'slots',
  SLOT_NOT_A_BLOCK: 'slots',
  SLOT_POINTS_TO_FREE: 'slots',
  SLOT_SHARED: 'slots',
  ID_MISMATCH: 'slots',
  FREE_HEAD_OUT_OF_RANGE: 'slots',
  FREE_CHAIN_CYCLE: 'slots',
  FREE_CHAIN_USED_SLOT: 'slots',
  RECORD_TOO_SMALL: 'records',
  NAME_PAST_BLOCK: 'records',
  DATA_PAST_BLOCK: 'records',
  NO_ROOTS: 'records',
  LINK_TO_MISSING_SECTION: 'links',
  LINK_TO_FREE_SLOT: 'links',
  LINK_WRONG_TYPE: 'links',
  LINK_UNKNOWN_STORE: 'links',
  SIBLING_CYCLE: 'links',
  CHILD_CYCLE: 'links',
  VALUE_CYCLE: 'links',
  DEPTH_LIMIT: 'links',
  LIMIT_EXCEEDED: 'links',
  NOT_A_ROM_HIVE: 'rom',
  ROM_LINKS_UNCHECKED: 'rom',
  ROM_LINK_BROKEN: 'rom',
  ROM_LINK_WRONG_TYPE: 'rom',
  ROM_DAMAGED: 'rom',
  ROM_WRONG_ROLE: 'rom',
  ROM_COPY_ON_CHAIN: 'rom',
  SIGNATURE_MISMATCH: 'rom',
  SIGNATURE_DIFFERS: 'rom',
  BLOCK_WORD2_SET: 'notes',
  FOREIGN_BLOCK_TYPE: 'notes',
  NO_FINAL_FREE_BLOCK: 'notes',
  SLOT_UNKNOWN_BITS: 'notes',
  FREE_SLOT_BITS: 'notes',
  FREE_SLOTS_UNCHAINED: 'notes',
  ORPHAN_BLOCK: 'notes',
  KEY_FLAGS_UNKNOWN: 'notes',
  KEY_BYTE13_SET: 'notes',
  VALUE_FLAGS_SET: 'notes',
  RECORD_SLACK: 'notes',
  UNUSED_ROOT_SET: 'notes',
  VOLATILE_STALE_CHILD: 'notes',
  UNREACHABLE_RECORD: 'notes',
  BAD_PATH: 'other',
  VERIFY_INTERNAL: 'other',
};

/**
 * The kinds of command, by what they do with a hive:
 * `verify` checks; `info` describes; `read` prints the tree (dump `-f reg`/`-f json`,
 * `--deleted`, find, diff, the viewer's model); `subtree` prints one key's subtree reading
 * only its pages (dump `--key`); `heap` lists the heap's blocks (dump `-f raw`); `copy`
 * writes a new file from the hive (rewrite, build `--rom`'s ROM hive, image pack, oem
 * pack); `repair` writes what Windows CE makes of it at the next mount (recover).
 */
export type CommandKind = 'verify' | 'info' | 'read' | 'subtree' | 'heap' | 'copy' | 'repair';

/**
 * What a command does with a class of damage:
 * - `report`: a finding (verify: exit 1; recover: the repaired file is written, exit 1);
 * - `describe`: everything readable is shown, the problem listed; exit 2;
 * - `stop`: nothing (more) of the file is shown or written; exit 2;
 * - `stop-at-record`: the walk stops at the damaged record (or block): what it showed before
 *   stands, then the error; exit 2 (with `-o`, nothing written);
 * - `skip-record`: the walk skips the damaged record and what only it leads to, and goes on:
 *   everything intact is shown, the records skipped counted, then one error line; exit 2
 *   (with `-o`, nothing written);
 * - `read-on`: everything intact is shown, then one error line naming the damage; exit 2
 *   (with `-o`, nothing written);
 * - `as-mounted`: read as Windows CE mounts it, with a warning; exit 0;
 * - `unaffected`: read as usual, exit 0 (verify notes it);
 * - `not-checked`: the whole-file check is not made (only the subtree's pages are read).
 */
export type DamageAction = 'report' | 'describe' | 'stop' | 'stop-at-record' | 'skip-record' | 'read-on' | 'as-mounted' | 'unaffected' | 'not-checked';

/** The table of docs/verify.md: for each class of damage, what each kind of command does. */
export const DAMAGE_RULES: Readonly<Record<DamageClass, Readonly<Record<CommandKind, DamageAction>>>> = {
  'not-a-hive': { verify: 'stop', info: 'stop', read: 'stop', subtree: 'stop', heap: 'stop', copy: 'stop', repair: 'stop' },
  header: { verify: 'report', info: 'unaffected', read: 'unaffected', subtree: 'unaffected', heap: 'unaffected', copy: 'unaffected', repair: 'unaffected' },
  flush: { verify: 'report', info: 'as-mounted', read: 'as-mounted', subtree: 'as-mounted', heap: 'as-mounted', copy: 'as-mounted', repair: 'as-mounted' },
  restore: { verify: 'report', info: 'describe', read: 'stop', subtree: 'stop', heap: 'stop', copy: 'stop', repair: 'stop' },
  cut: { verify: 'report', info: 'describe', read: 'read-on', subtree: 'read-on', heap: 'read-on', copy: 'stop', repair: 'stop' },
  directory: { verify: 'report', info: 'describe', read: 'stop', subtree: 'stop', heap: 'stop', copy: 'stop', repair: 'report' },
  heap: { verify: 'report', info: 'describe', read: 'read-on', subtree: 'not-checked', heap: 'stop-at-record', copy: 'stop', repair: 'report' },
  slots: { verify: 'report', info: 'describe', read: 'read-on', subtree: 'not-checked', heap: 'read-on', copy: 'stop', repair: 'report' },
  records: { verify: 'report', info: 'describe', read: 'skip-record', subtree: 'skip-record', heap: 'unaffected', copy: 'stop', repair: 'report' },
  links: { verify: 'report', info: 'describe', read: 'skip-record', subtree: 'skip-record', heap: 'unaffected', copy: 'stop', repair: 'report' },
  rom: { verify: 'report', info: 'unaffected', read: 'stop-at-record', subtree: 'stop-at-record', heap: 'stop-at-record', copy: 'stop', repair: 'unaffected' },
  notes: { verify: 'report', info: 'unaffected', read: 'unaffected', subtree: 'unaffected', heap: 'unaffected', copy: 'unaffected', repair: 'unaffected' },
  other: { verify: 'report', info: 'stop', read: 'stop', subtree: 'stop', heap: 'stop', copy: 'stop', repair: 'stop' },
};

/** What a command of `kind` does with a problem of `code`. */
export function damageAction(kind: CommandKind, code: FindingCode): DamageAction {
  return DAMAGE_RULES[DAMAGE_CLASS[code]][kind];
}

/**
 * Which errors a walk of a command of `kind` skips (`WalkOptions.skipDamaged`): a record or
 * link of a class the command skips or reads on past, describes (`info`: counts what is
 * intact), or does not check as a whole (a slot or block met on the way), is passed over
 * with what only it leads to; the others
 * (a ROM link that does not resolve, the caps on counts) stop the walk.
 */
export function skipsInWalk(kind: CommandKind): (error: HiveFormatError) => boolean {
  return (error) => {
    const action = damageAction(kind, error.code);
    return action === 'skip-record' || action === 'read-on' || action === 'not-checked' || action === 'describe';
  };
}

/**
 * The errors of the whole file that a walk from the roots does not meet (header, restore
 * area, directory, heap tiling, slot tables, free-slot chains): the checks of `verifyHive`
 * for those sections, on the hive as it was opened (as mounted or as stored). With a
 * `census`, the heap's tiling also counts its blocks for `hiveStatistics`.
 */
export function structuralDamage(hive: Hive, census?: HeapCensus): Finding[] {
  return verifyHive(hive, census === undefined ? { scope: 'structure' } : { scope: 'structure', census }).findings.filter((finding) => finding.severity === 'error');
}

/**
 * `structuralDamage`'s errors, for `info`, from one run of every check of `verifyHive`,
 * which fills `census` for `hiveStatistics` on the way: the heap's blocks, the slots, and
 * the records reachable from the roots when nothing is damaged. The statistics then walk
 * neither the heap, nor the slots, nor the tree.
 */
export function structuralDamageCounted(hive: Hive, census: HeapCensus): Finding[] {
  const findings = verifyHive(hive, { census }).findings;
  return findings.slice(0, census.structureFindings ?? findings.length).filter((finding) => finding.severity === 'error');
}

/**
 * The errors of the header page alone (the checks of verify's header.ts that need no other
 * page): restoreFlags with a value the guide does not know, a recovery log longer than
 * the header page.
 */
export function headerDamage(hive: Hive): Finding[] {
  const findings: Finding[] = [];
  const { restoreFlags, logEntryCount } = hive.header;
  if (restoreFlags !== RestoreFlags.CLEAN && restoreFlags !== RestoreFlags.APPENDING && restoreFlags !== RestoreFlags.COPYING) {
    findings.push({ severity: 'error', code: 'RESTORE_FLAGS_UNKNOWN', offset: HeaderOffset.restoreFlags, message: `restoreFlags = ${restoreFlags}: not a value the format guide knows (0, 1 or 2); what Windows CE does with it is not known`, count: 1 });
  }
  if (logEntryCount > LOG_ENTRY_SLOTS) {
    findings.push({ severity: 'error', code: 'LOG_COUNT_TOO_LARGE', offset: HeaderOffset.logEntryCount, message: `the recovery log claims ${logEntryCount} entries; the header page holds at most ${LOG_ENTRY_SLOTS}`, count: 1 });
  }
  return findings;
}

/**
 * What a command of `kind` must do about the whole-file damage of `hive` before it reads
 * the tree: the first finding it must stop at, and those it reads on past (to name once
 * it has read what is intact). Classes the walk itself meets, or that do not concern the
 * command, are left out.
 */
export function assessHive(hive: Hive, kind: CommandKind): { stop: Finding | undefined; readOn: Finding[] } {
  let stop: Finding | undefined;
  const readOn: Finding[] = [];
  // One subtree reads only its pages: of the whole-file checks, only the header page's.
  for (const finding of kind === 'subtree' ? headerDamage(hive) : structuralDamage(hive)) {
    const action = damageAction(kind, finding.code);
    if (action === 'stop' && stop === undefined) stop = finding;
    else if (action === 'read-on') readOn.push(finding);
  }
  return { stop, readOn };
}
