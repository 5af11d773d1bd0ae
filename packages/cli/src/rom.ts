/** The one way hivetool opens the ROM hive named by --rom, on any thread; the ROM check; a ROM folder's hives. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { foldName } from '@hivetool/registry';
import { checkRom, openHive, walkTree, type Hive, type RomCheckResult } from '@hivetool/hive';
import { UsageError, describeFailure } from './failures.js';
import { inputName, openHiveFile } from './input.js';
import { checkWholeFile } from './damage.js';
import type { Reporter } from './report.js';
import type { CliIo } from './io.js';

/**
 * Opens the hive named by --rom, which must be a ROM hive. `walk`: read it whole now (on
 * the thread that parses the options; worker threads that open it again, and verify,
 * which reports a damaged ROM hive as findings, do not).
 */
export function openRom(io: CliIo, path: string, walk = true): Hive {
  try {
    const rom = openHiveFile(io, path, { source: 'rom' });
    if (rom.kind !== 'rom') throw new UsageError(`${path}: this is a persistent hive (its roots carry store nibble 0); --rom takes the ROM hive (default.hv or the ROM user.hv)`, true);
    // Walked whole now, so that damage in the ROM hive is reported against it, with
    // offsets in it, rather than surfacing later while reading the hive that links into it.
    // (Not for verify, which reports damage in the ROM hive as findings.)
    // The whole-file checks too: a ROM hive others are read through must be sound (damage.ts).
    if (walk) {
      checkWholeFile(rom, path, 'copy');
      walkTree(rom, { key: () => undefined, value: () => undefined, unresolved: () => undefined }, { paths: false });
    }
    return rom;
  } catch (error) {
    if (error instanceof UsageError && error.named) throw error;
    const line = describeFailure(error, path);
    if (line === undefined) throw error;
    throw new UsageError(`${line.startsWith(`${path}: `) ? line : `${path}: ${line}`}; this is the --rom hive`, true);
  }
}

/** `--force-rom`: one name and one help text for every command that takes `--rom`. */
export const FORCE_ROM_OPTION = {
  type: 'boolean',
  default: false,
  describe: 'read a persistent hive through a ROM hive that fails the ROM check (another build, the wrong role, links that do not resolve); every record read from that ROM is then marked unverified',
} as const;

/** The source label of records read through a ROM hive that failed the ROM check. */
export const UNVERIFIED_ROM = 'rom-unverified';

/** The one line that says what does not match, for an error (exit 2) or a --force-rom warning. */
export function romMismatchLine(file: string, romFile: string, check: RomCheckResult): string {
  return `${inputName(file)}: does not match the ROM hive ${inputName(romFile)}: ${check.problems.join('; ')}`;
}

/** What to do about a mismatch. */
export const ROM_MISMATCH_ADVICE = `give the ROM hive of this hive's image and role (a system hive links into the ROM default.hv, a user hive into the ROM user.hv), or --force-rom to read it anyway with every record from the ROM marked unverified`;

/**
 * The ROM check (`checkRom` of @hivetool/hive) for a persistent hive read through a ROM
 * hive: on a mismatch, throws a UsageError (exit 2) that says first what does not match,
 * unless `force`, when it warns (`forced`: what happens to the ROM's records) and returns
 * the hive reopened over the ROM labelled
 * `rom-unverified` (dumps, find and diff mark those records). A ROM hive given as the
 * file, or a hive opened without a ROM, passes unchanged.
 */
export function checkedAgainstRom(report: Reporter, file: string, hive: Hive, romFile: string, force: boolean, forced = 'every record from the ROM is marked unverified'): { hive: Hive; check: RomCheckResult } {
  const check = checkRom(hive);
  if (check.ok) return { hive, check };
  const line = romMismatchLine(file, romFile, check);
  if (!force) throw new UsageError(`${line} [ROM_MISMATCH]; ${ROM_MISMATCH_ADVICE}`, true);
  report.note(`warning: ${line} [ROM_MISMATCH]; read anyway (--force-rom): ${forced}`);
  const rom = hive.rom!.withSource(UNVERIFIED_ROM);
  return { hive: openHive(hive.file, { kind: hive.kind, limits: hive.limits, recovery: hive.recovery, source: hive.source, rom, brokenRomLinks: 'unresolved' }), check };
}

/** Whether a record was read through a ROM hive that failed the ROM check. */
export function isUnverified(source: string): boolean {
  return source === UNVERIFIED_ROM;
}

/** The entry of `dir` named `name`, ignoring letter case (two such entries are refused). */
export function findEntry(dir: string, name: string): string | undefined {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const matches = entries.filter((entry) => foldName(entry) === foldName(name));
  // The device's file systems ignore letter case: two such names would be one file there,
  // and which of them the device has cannot be told.
  if (matches.length > 1) throw new UsageError(`${dir}: ${matches.join(' and ')} are one file on the device (names ignore letter case): keep only the one the device has`, true);
  return matches[0];
}

/** The path of ROM hive `name` (boot.hv, default.hv, user.hv) in ROM folder `dir`, named in any case; undefined when absent. */
export function romInFolder(dir: string, name: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: a ROM folder must be a folder holding the image's ROM hives (boot.hv, default.hv, user.hv)`);
  const entry = findEntry(dir, name);
  return entry === undefined ? undefined : join(dir, entry);
}
