/**
 * How a command opens a hive it reads, by the one table of `@hivetool/hive`'s damage.ts
 * (docs/verify.md, "Which commands stop, which read on"): whole-file damage a command must
 * stop at is thrown here, before anything of the file is shown; damage it reads on past is
 * returned as the error line to report once what is intact has been shown.
 */
import { padCutHive } from '@hivetool/forensics';
import { assessHive, damageAction, openHive, skipsInWalk, type CommandKind, type DamageLoss, type Finding, type Hive, type HiveFormatError, type OpenHiveOptions } from '@hivetool/hive';
import { UsageError } from './failures.js';
import { inputName } from './input.js';

export interface OpenedHive {
  hive: Hive;
  /**
   * The damage read on past (the first; more are counted in it), or that the file is cut
   * short: a line for the reporter, without `hivetool: `, once what is intact is shown.
   */
  damage: string | undefined;
  /** Set when the file is cut short: the walk may stop where the missing bytes are needed, and this line says why. */
  cut: boolean;
}

const hex = (offset: number): string => `0x${(offset >>> 0).toString(16).padStart(8, '0')}`;

function findingLine(file: string, finding: Finding, more: number, kind: CommandKind): string {
  const shown = kind === 'copy' ? 'nothing is written' : 'what was shown is what is intact (reachable from the roots)';
  const others = more > 0 ? `, and ${more} more such error(s)` : '';
  return `${inputName(file)}: damaged hive: ${finding.message} at offset ${hex(finding.offset)} [${finding.code}]; ${shown}${others}; hivetool verify lists every finding`;
}

/**
 * Checks an open hive for the whole-file damage a walk does not meet, as a command of
 * `kind` must: throws the first problem it must stop at; returns the line for the damage
 * it reads on past (or undefined).
 */
export function checkWholeFile(hive: Hive, file: string, kind: CommandKind): string | undefined {
  const { stop, readOn } = assessHive(hive, kind);
  if (stop !== undefined) throw new UsageError(`${inputName(file)}: not a valid hive: ${stop.message} at offset ${hex(stop.offset)} [${stop.code}]; hivetool verify lists every finding`, true);
  const first = readOn[0];
  return first === undefined ? undefined : findingLine(file, first, readOn.length - 1, kind);
}

/**
 * Opens a hive's bytes for a command of `kind`. A hive cut short (the file ends before the
 * heap end its header gives) is read on, over its bytes padded with zeros, by the commands
 * the table lets read on; the others stop with `RESTORE_START_PAST_EOF`.
 */
export function openForReading(bytes: Uint8Array, file: string, kind: CommandKind, options: OpenHiveOptions = {}): OpenedHive {
  const padded = damageAction(kind, 'RESTORE_START_PAST_EOF') === 'read-on' ? padCutHive(bytes) : undefined;
  if (padded === undefined) {
    const hive = openHive(bytes, options);
    return { hive, damage: checkWholeFile(hive, file, kind), cut: false };
  }
  // The whole-file checks would only find the missing part (zeros): the walk goes as far
  // as the bytes present go, and the cut is the damage named.
  const hive = openHive(padded, options);
  const damage = `${inputName(file)}: the file ends after ${bytes.length} of the ${padded.length} bytes its header gives (a hive cut short) at offset ${hex(0x20)} [RESTORE_START_PAST_EOF]; what was shown is what the bytes present hold (the missing bytes read as zeros)`;
  return { hive, damage, cut: true };
}

/**
 * The damaged records a walk skipped (the `skip-record` action of the table): give `skip`
 * as the walk's `skipDamaged` and `damaged` as its visitor's; `line` is then the error line
 * for the file, once what is intact has been shown.
 */
export class SkippedRecords {
  count = 0;
  first: { error: HiveFormatError; path: string; lost: DamageLoss } | undefined;
  readonly skip: (error: HiveFormatError) => boolean;

  constructor(kind: CommandKind) {
    this.skip = skipsInWalk(kind);
  }

  readonly damaged = (error: HiveFormatError, path: string, lost: DamageLoss): void => {
    this.count++;
    this.first ??= { error, path, lost };
  };

  /** The line for the reporter (without `hivetool: `), or undefined when nothing was skipped. */
  line(file: string): string | undefined {
    if (this.first === undefined) return undefined;
    const { error, path } = this.first;
    return `${inputName(file)}: damaged hive: ${this.count} damaged record(s) or link(s) skipped, the first under ${path}: ${error.message}; what was shown is what is intact (reachable from the roots), without what only the damaged records lead to; hivetool verify lists every finding`;
  }
}
