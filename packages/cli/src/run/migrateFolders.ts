import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { splitDevicePath, storedHives, type StoredHive } from '@hivetool/boot';
import { ROOT_COUNT, terminalLines, terminalSafeJson } from '@hivetool/registry';
import { ExitCode, UsageError } from '../failures.js';
import { isDirectory, print, refuseInputAsOutput } from '../output.js';
import { mapDevicePath, openRomSet, realPathOf, romFailure, storageFolder, within } from './boot.js';
import { writeAll } from './compile.js';
import { checkPolicy, migrateHive, migrationJson, migrationLines, readDeviceRegistry, rootsForRole, summaryLine, type DeviceInput, type HiveMigration, type MergePolicyArguments, type NamedRomHive, type Summary } from './migrate.js';
import type { CommandIo } from '../command.js';

export interface MigrateFolderArguments {
  form: 'folders';
  /** The ROM folder the device runs now (boot.hv, default.hv, user.hv). */
  oldRomDir: string;
  /** The new image's ROM folder. */
  newRomDir: string;
  /** The device's persistent volume as a folder; undefined with `deviceReg`. */
  storageDir: string | undefined;
  /** The device's whole registry (.reg text, a registry image or an OEM stream) instead of STORAGEDIR. */
  deviceReg: string | undefined;
  /** The folder the migrated hives go to; undefined with --dry-run. */
  outDir: string | undefined;
  prefer: 'image' | 'device';
  keepDevice: string[];
  keepImage: string[];
  /** A folder for one .reg patch per hive (`system.reg`, `user-NAME.reg`). */
  patchDir: string | undefined;
  json: boolean;
  forceRom: boolean;
}

/** One hive of the device: where it is now, where the new image looks for it, and its migration. */
interface PlannedHive {
  role: 'system' | 'user';
  user: string | null;
  /** The device path the old image's boot configuration names; null for --device-reg. */
  from: string | null;
  /** The device path the new image's boot configuration names. */
  to: string;
  moved: boolean;
  /** The output file under OUTDIR; undefined with --dry-run. */
  target: string | undefined;
  patchFile: string | undefined;
  oldRom: NamedRomHive;
  newRom: NamedRomHive;
  result: HiveMigration;
}

const SUMMARY_KEYS = ['carried', 'equalToImage', 'deletions', 'conflicts', 'decidedForImage', 'decidedForDevice', 'removedByImage', 'dropped', 'volatileSkipped'] as const;

/** Refuses an output folder that is, lies inside, or holds one of the inputs, or that is a file. */
function checkOutputFolder(folder: string, option: string, inputs: readonly string[]): void {
  const target = realPathOf(folder);
  for (const input of inputs) {
    const source = realPathOf(input);
    if (within(target, source) || within(source, target)) throw new UsageError(`refusing ${option} ${folder}: it is or overlaps the input ${input}; choose a folder outside the inputs (hivetool never writes into its inputs)`);
  }
  if (existsSync(folder) && !statSync(folder).isDirectory()) throw new UsageError(`refusing ${option} ${folder}: it exists and is not a folder`);
}

const hiveLabel = (hive: { role: 'system' | 'user'; user: string | null }): string => (hive.role === 'system' ? 'system hive' : `user hive of ${hive.user ?? '(none)'}`);
const samePath = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

/**
 * `hivetool migrate OLD-ROMDIR NEW-ROMDIR STORAGEDIR -o OUTDIR` (or `--device-reg FILE`
 * for STORAGEDIR): every hive the old image's boot finds in STORAGEDIR migrated onto the
 * new image's ROM hive of its role and written where the new image's boot looks for it.
 * Everything is computed before anything is written: a hive that cannot be migrated
 * (exit 2) leaves OUTDIR as it was.
 */
export function runFolders(args: MigrateFolderArguments, io: CommandIo): number {
  const policy: MergePolicyArguments = { prefer: args.prefer, keepDevice: args.keepDevice, keepImage: args.keepImage };
  checkPolicy(policy);
  const inputs = [args.oldRomDir, args.newRomDir, ...(args.storageDir === undefined ? [] : [args.storageDir]), ...(args.deviceReg === undefined ? [] : [args.deviceReg])];
  for (const dir of [args.oldRomDir, args.newRomDir]) {
    if (!isDirectory(dir)) throw new UsageError(`${dir}: ${existsSync(dir) ? 'not a folder' : 'no such folder'}: OLD-ROMDIR and NEW-ROMDIR are ROM folders holding boot.hv, default.hv and user.hv (as boot and compile take them)`, true);
  }
  if (args.outDir !== undefined) checkOutputFolder(args.outDir, '-o', inputs);
  if (args.patchDir !== undefined) checkOutputFolder(args.patchDir, '--patch', inputs);
  const oldSet = openRomSet(io, args.oldRomDir);
  const newSet = openRomSet(io, args.newRomDir);
  const roms = (set: typeof oldSet, role: 'system' | 'user'): NamedRomHive => (role === 'system' ? { file: set.files.system, hive: set.system } : { file: set.files.user, hive: set.user });

  // The device's hives: as the old image's boot finds them, or its whole registry split by roots.
  const sources: Array<{ role: 'system' | 'user'; user: string | null; from: StoredHive | null; device: DeviceInput }> = [];
  if (args.deviceReg !== undefined) {
    const tree = readDeviceRegistry(io, args.deviceReg);
    const has = (role: 'system' | 'user'): boolean => {
      const part = rootsForRole(tree, role);
      for (let root = 0; root < ROOT_COUNT; root++) if ((part.roots[root]?.length ?? 0) > 0) return true;
      return false;
    };
    if (!has('system') && !has('user')) throw new UsageError(`${args.deviceReg}: the device's registry holds no key under any root: nothing to migrate`, true);
    if (has('system')) sources.push({ role: 'system', user: null, from: null, device: { kind: 'registry', file: args.deviceReg, tree } });
    if (has('user')) sources.push({ role: 'user', user: null, from: null, device: { kind: 'registry', file: args.deviceReg, tree } });
  } else {
    const storageDir = args.storageDir!;
    if (!isDirectory(storageDir)) throw new UsageError(`${storageDir}: ${existsSync(storageDir) ? 'not a folder' : 'no such folder'}: STORAGEDIR is the device's persistent volume as a folder (as boot takes it)`, true);
    const found = romFailure(args.oldRomDir, () => storedHives(oldSet, storageFolder(io, storageDir)));
    const present = found.filter((hive) => hive.decision.outcome !== 'CREATED');
    if (present.length === 0) {
      const looked = found.length === 0 ? "the old image's boot configuration names no hive file (no SystemHive, no ProfileDir)" : `the old image's boot looks for ${found.map((hive) => hive.path).join(', ')}`;
      throw new UsageError(`${storageDir}: no hive to migrate: ${looked}, and none is there; give the device's persistent volume as STORAGEDIR (or its whole registry with --device-reg)`, true);
    }
    for (const hive of present) sources.push({ role: hive.role, user: hive.user, from: hive, device: { kind: 'hive', file: mapDevicePath(storageDir, hive.volumePath).host } });
  }

  // Where the new image's boot looks for each of them.
  const users = sources.flatMap((source) => (source.role === 'user' && source.user !== null ? [source.user] : []));
  const targets = romFailure(args.newRomDir, () => storedHives(newSet, { find: () => undefined, folders: () => users }));
  const planned: PlannedHive[] = [];
  for (const source of sources) {
    const target = source.role === 'system' ? targets.find((hive) => hive.role === 'system') : source.user === null ? targets.find((hive) => hive.role === 'user') : targets.find((hive) => hive.role === 'user' && hive.user === source.user);
    if (target === undefined) {
      const why = source.role === 'system' ? 'its boot.hv sets no SystemHive (the system hive lives in the object store, lost at every cold boot)' : source.user === null ? 'it loads no user at boot (NoDefaultUser, or no ProfileDir)' : 'its boot.hv sets no ProfileDir (user profiles live in the object store)';
      throw new UsageError(`${args.newRomDir}: the new image keeps no ${hiveLabel(source)} in a file: ${why}; ${source.from === null ? `the ${source.role === 'system' ? 'HKEY_LOCAL_MACHINE' : 'HKEY_CURRENT_USER'} part of ${args.deviceReg}` : `the device's ${source.from.path}`} has nowhere to go`, true);
    }
    const user = source.user ?? target.user;
    const targetFile = args.outDir === undefined ? undefined : join(args.outDir, ...splitDevicePath(target.volumePath).names);
    const patchFile = args.patchDir === undefined ? undefined : join(args.patchDir, source.role === 'system' ? 'system.reg' : `user-${user ?? 'default'}.reg`);
    const oldRom = roms(oldSet, source.role);
    const newRom = roms(newSet, source.role);
    const result = migrateHive(io, source.device, oldRom, newRom, policy, { forceRom: args.forceRom, output: targetFile, patch: patchFile !== undefined });
    planned.push({ role: source.role, user, from: source.from?.path ?? null, to: target.path, moved: source.from !== null && !samePath(source.from.volumePath, target.volumePath), target: targetFile, patchFile, oldRom, newRom, result });
  }

  // Written only now, all at once: temporary files renamed into place once every one is written.
  const files: Array<[string, Uint8Array]> = [];
  for (const hive of planned) {
    if (hive.target !== undefined && hive.result.bytes !== undefined) files.push([hive.target, hive.result.bytes]);
    if (hive.patchFile !== undefined && hive.result.patch !== undefined) files.push([hive.patchFile, hive.result.patch]);
  }
  for (const [file] of files) {
    mkdirSync(dirname(file), { recursive: true });
    refuseInputAsOutput(inputs.filter((input) => !isDirectory(input)), file);
  }
  if (files.length > 0) writeAll(io, files);

  const exitCode = planned.reduce((worst, hive) => Math.max(worst, hive.result.exitCode), ExitCode.OK as number);
  const summary = Object.fromEntries(SUMMARY_KEYS.map((key) => [key, planned.reduce((sum, hive) => sum + (hive.result.summary?.[key] ?? 0), 0)])) as unknown as Summary;
  if (args.json) {
    const document = {
      format: 'hivetool-migrate-folders',
      schemaVersion: 1,
      oldRomDir: args.oldRomDir,
      newRomDir: args.newRomDir,
      storage: args.storageDir ?? null,
      deviceReg: args.deviceReg ?? null,
      output: args.outDir ?? null,
      patch: args.patchDir ?? null,
      policy,
      hives: planned.map((hive) => ({
        role: hive.role,
        user: hive.user,
        from: hive.from,
        to: hive.to,
        moved: hive.moved,
        file: hive.target ?? null,
        patchFile: hive.patchFile ?? null,
        report: migrationJson(hive.result, { oldRom: hive.oldRom.file, newRom: hive.newRom.file, output: hive.target ?? null, patch: hive.patchFile ?? null }, policy, hive.target !== undefined),
      })),
      summary: { hives: planned.length, ...summary },
      exitCode,
    };
    print(io, terminalSafeJson(JSON.stringify(document, null, 2)) + '\n');
    return exitCode;
  }
  const lines: string[] = [`migrate ${args.storageDir ?? args.deviceReg}: old image ${args.oldRomDir} → new image ${args.newRomDir}${args.outDir === undefined ? ' (dry run: nothing written)' : `, into ${args.outDir}`}`];
  for (const hive of planned) {
    lines.push('', `${hiveLabel(hive)}: ${hive.from ?? `${hive.role === 'system' ? 'every root but HKEY_CURRENT_USER' : 'HKEY_CURRENT_USER'} of ${args.deviceReg}`} → ${hive.to}`);
    if (hive.moved) lines.push(`moved: the new image's boot looks for it at ${hive.to} (${hive.role === 'system' ? 'its SystemHive' : 'its ProfileDir'}), the old image's at ${hive.from}`);
    lines.push(...migrationLines(hive.result, { oldRom: hive.oldRom.file, newRom: hive.newRom.file, output: hive.target, patch: hive.patchFile }));
    if (hive.result.summary !== undefined) lines.push(summaryLine(hive.result.summary));
  }
  lines.push('', `${args.outDir === undefined ? 'dry run (nothing written): ' : ''}${planned.length} hive(s): ${summaryLine(summary)}`);
  print(io, terminalLines(lines));
  return exitCode;
}
