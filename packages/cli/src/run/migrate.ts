import { encodeLinkedHive, hexBytes, hiveRole, hiveStatistics, openHive, readTree, type Hive, type HiveRole } from '@hivetool/hive';
import { MAX_SECTIONS, SLOTS_PER_SECTION } from '@hivetool/hive/layout';
import {
  KeyFlags,
  MergePolicyError,
  ROOT_COUNT,
  RegTreeBuilder,
  Utf8Writer,
  countSubtree,
  diffTrees,
  foldName,
  rootName,
  jsonValue,
  mergeTrees,
  terminalLines,
  terminalSafeJson,
  parseMergePolicy,
  renderRegData,
  type HiveTree,
  type MergeConflict,
  type MergeEntry,
  type MergeReport,
  type TreeKey,
  type TreeValue,
} from '@hivetool/registry';
import { FORMAT_DESCRIPTIONS, identifyFormat } from '@hivetool/image';
import { ExitCode, UsageError, building, withFile } from '../failures.js';
import { inputName, openHiveFile, readInputFile } from '../input.js';
import { readRegistry } from '../registrySources.js';
import { runFolders, type MigrateFolderArguments } from './migrateFolders.js';
import { print, refuseInputAsOutput, writeFileAtomic, type TextSink } from '../output.js';
import { checkedAgainstRom } from '../rom.js';
import { nodeSha256, readRegBytes } from './build.js';
import { renderReg } from './diff.js';
import type { CommandIo } from '../command.js';

export type MigrateArguments = MigrateHiveArguments | MigrateFolderArguments;

export interface MigrateHiveArguments {
  form: 'hive';
  /** The device's persistent hive, built against `oldRom`; with `deviceReg`, its whole registry (.reg, image or OEM stream). */
  input: string;
  deviceReg: boolean;
  oldRom: { file: string; hive: Hive };
  newRom: { file: string; hive: Hive };
  /** The migrated hive; undefined with --dry-run. */
  output?: string | undefined;
  prefer: 'image' | 'device';
  keepDevice: string[];
  keepImage: string[];
  /** The device's changes against the old ROM, as a .reg patch. */
  patch?: string | undefined;
  json: boolean;
  forceRom: boolean;
}

/** Records a hive can hold: 4096 sections of 1024, less the roots record. */
const MAX_RECORDS = MAX_SECTIONS * SLOTS_PER_SECTION - 1;

/** .reg text gathered in memory (a patch the command applies itself, or writes). */
class MemorySink implements TextSink {
  private readonly pieces: Uint8Array[] = [];
  readonly utf8 = new Utf8Writer((bytes) => this.pieces.push(bytes.slice()));
  write(text: string): void {
    this.utf8.text(text);
  }
  writeBytes(bytes: Uint8Array): void {
    this.utf8.flush();
    this.pieces.push(bytes.slice());
  }
  close(): void {
    this.utf8.flush();
  }
  abort(): void {
    this.utf8.drop();
    this.pieces.length = 0;
  }
  bytes(): Uint8Array {
    this.utf8.flush();
    const out = new Uint8Array(this.pieces.reduce((sum, piece) => sum + piece.length, 0));
    let at = 0;
    for (const piece of this.pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
}

/** The device's registry as the registry sees it: no 0x2 copy flag on keys, no value flags (a persistent hive's values carry 0x02). */
function plainTree(tree: HiveTree): HiveTree {
  const out: HiveTree = { roots: {} };
  const copy = (key: TreeKey): TreeKey => ({ name: key.name, flags: (key.flags ?? 0) & ~KeyFlags.ROM_COPY, values: (key.values ?? []).map((value) => ({ name: value.name, type: value.type, data: value.data })), subkeys: [] });
  const stack: Array<[TreeKey, TreeKey]> = [];
  for (let root = 0; root < ROOT_COUNT; root++) {
    const list = tree.roots[root];
    if (list === undefined) continue;
    out.roots[root] = list.map((key) => {
      const top = copy(key);
      stack.push([key, top]);
      return top;
    });
  }
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    for (const child of from.subkeys ?? []) {
      const next = copy(child);
      to.subkeys!.push(next);
      stack.push([child, next]);
    }
  }
  return out;
}

/** A .reg patch that turns `from` into `to`, and how many names it had to leave out as comments. */
function patchBetween(from: HiveTree, to: HiveTree, fromName: string, toName: string): { bytes: Uint8Array; skipped: number } {
  const sink = new MemorySink();
  const writer = renderReg(diffTrees(from, to), fromName, toName, sink, 'ce');
  sink.close();
  return { bytes: sink.bytes(), skipped: writer.skippedKeys + writer.skippedValues };
}

/** What a ROM hive of each role holds, for messages. */
const ROLE_ROOTS: Record<HiveRole, string> = { system: 'system roots (HKLM/HKCR: default.hv)', user: 'HKCU only (user.hv)', combined: 'system and user roots', empty: 'no roots' };

const valueText = (value: TreeValue | undefined): string => (value === undefined ? '(none)' : renderRegData(value.type, value.data));
const keyText = (key: TreeKey | undefined): string => {
  if (key === undefined) return '(none)';
  const { keys, values } = countSubtree(key);
  return `${keys} key(s), ${values} value(s)`;
};
const entryPlace = (entry: MergeEntry): string => (entry.what === 'value' ? `${entry.path}  ${JSON.stringify(entry.name)}` : `[${entry.path}]`);

function conflictText(conflict: MergeConflict): string {
  if (conflict.what === 'value') {
    return `! ${entryPlace(conflict)}: old ROM ${valueText(conflict.base)}, device ${valueText(conflict.device)}, new image ${valueText(conflict.image)} → ${conflict.decision} (${conflict.rule})`;
  }
  const why = conflict.image === undefined ? 'the new image removed the key, the device changed it' : conflict.device === undefined ? 'the device deleted the key, the new image changed it' : 'both changed the key';
  return `! ${entryPlace(conflict)}: ${why}; old ROM ${keyText(conflict.base)}, device ${keyText(conflict.device)}, new image ${keyText(conflict.image)} → ${conflict.decision} (${conflict.rule})`;
}

function changeText(entry: MergeEntry, mark: string): string {
  if (entry.what === 'value') return `${mark} ${entryPlace(entry)}${entry.device === undefined ? ' (deleted)' : `=${valueText(entry.device)}`}`;
  return `${mark} ${entryPlace(entry)}${entry.device === undefined ? ' (deleted)' : `  (${keyText(entry.device)})`}`;
}

export interface Summary {
  carried: number;
  equalToImage: number;
  deletions: number;
  conflicts: number;
  decidedForImage: number;
  decidedForDevice: number;
  removedByImage: number;
  dropped: number;
  volatileSkipped: number;
}

export function summarize(report: MergeReport): Summary {
  return {
    carried: report.carried.length,
    equalToImage: report.equalToImage.length,
    deletions: report.deletions.length,
    conflicts: report.conflicts.length,
    decidedForImage: report.conflicts.filter((conflict) => conflict.decision === 'image').length,
    decidedForDevice: report.conflicts.filter((conflict) => conflict.decision === 'device').length,
    removedByImage: report.removedByImage.length,
    dropped: report.removedByImage.filter((entry) => entry.decision === 'dropped').length,
    volatileSkipped: report.volatileSkipped,
  };
}

export const summaryLine = (s: Summary): string =>
  `${s.carried} change(s) carried, ${s.equalToImage} now equal to the new image, ${s.deletions} deletion(s) carried, ${s.conflicts} conflict(s) (${s.decidedForImage} decided for the image, ${s.decidedForDevice} for the device), ${s.removedByImage} changed key(s) the new image no longer has (${s.dropped} dropped)${s.volatileSkipped > 0 ? `, ${s.volatileSkipped} volatile key(s) not carried` : ''}`;

function reportText(report: MergeReport): string[] {
  const lines: string[] = [];
  const section = (title: string, entries: readonly string[]): void => {
    if (entries.length === 0) return;
    lines.push(`${title} (${entries.length}):`);
    for (const entry of entries) lines.push(`  ${entry}`);
  };
  section('carried from the device', report.carried.map((entry) => changeText(entry, entry.what === 'key' ? '+' : '~')));
  section('now equal to the new image (nothing to store)', report.equalToImage.map((entry) => changeText(entry, '=')));
  section('deletions carried', report.deletions.map((entry) => changeText(entry, '-')));
  section('conflicts', report.conflicts.map(conflictText));
  section('keys the new image no longer has, changed on the device', report.removedByImage.map((entry) => `[${entry.path}]: the device's changes ${entry.decision === 'kept' ? 'kept (the key is written whole)' : 'dropped'}`));
  return lines;
}

function jsonSide(side: TreeValue | TreeKey | undefined, what: 'value' | 'key'): object | null {
  if (side === undefined) return null;
  if (what === 'key') return countSubtree(side as TreeKey);
  const value = side as TreeValue;
  return jsonValue(value.name, value.type, value.flags ?? 0, value.data);
}

function jsonEntry(entry: MergeEntry): object {
  return {
    what: entry.what,
    path: entry.path,
    ...(entry.what === 'value' ? { name: entry.name } : {}),
    base: jsonSide(entry.base, entry.what),
    device: jsonSide(entry.device, entry.what),
    image: jsonSide(entry.image, entry.what),
  };
}

/** The device's registry: its persistent hive (read through the old ROM), or a whole registry (`--device-reg`). */
export type DeviceInput = { kind: 'hive'; file: string } | { kind: 'registry'; file: string; tree: HiveTree };

/** A ROM hive named on the command line or found in a ROM folder. */
export interface NamedRomHive {
  file: string;
  hive: Hive;
}

/** One hive migrated in memory: the report, and the bytes to write (nothing is written yet). */
export interface HiveMigration {
  /** How the device's hive is named in reports. */
  name: string;
  oldSignature: string;
  newSignature: string;
  /** The new ROM carries the old one's signature: the output is the input, byte for byte. */
  sameBuild: boolean;
  report: MergeReport | undefined;
  summary: Summary | undefined;
  /** The migrated hive (when asked for). */
  bytes: Uint8Array | undefined;
  /** The device's changes against the old ROM as a .reg patch (when asked for). */
  patch: Uint8Array | undefined;
  exitCode: number;
}

export interface MergePolicyArguments {
  prefer: 'image' | 'device';
  keepDevice: string[];
  keepImage: string[];
}

/** The --prefer/--keep-* policy, checked before anything is read. */
export function checkPolicy(policy: MergePolicyArguments): void {
  try {
    parseMergePolicy(policy);
  } catch (error) {
    if (error instanceof MergePolicyError) throw new UsageError(`--keep-device/--keep-image: ${error.message}`);
    throw error;
  }
}

/** The roots of a whole registry that go to a hive of `role`: HKEY_CURRENT_USER to a user hive, every other root to the system hive. */
export function rootsForRole(tree: HiveTree, role: 'system' | 'user' | 'combined'): HiveTree {
  const out: HiveTree = { roots: {} };
  for (let root = 0; root < ROOT_COUNT; root++) {
    const keys = tree.roots[root];
    if (keys === undefined || keys.length === 0) continue;
    if (role === 'combined' || (role === 'user') === (root === HKCU)) out.roots[root] = keys;
  }
  return out;
}

const HKCU = 1;

/**
 * The device's whole registry for `--device-reg`: `.reg` text (REGEDIT4 or "Windows
 * Registry Editor Version 5.00", as a remote registry tool exports it), a registry image
 * or an OEM stream. A syntax error in the text names the file and the line.
 */
export function readDeviceRegistry(io: CommandIo, file: string): HiveTree {
  const bytes = readInputFile(io, file);
  const format = identifyFormat(bytes);
  if (format === 'image' || format === 'oem-stream') return readRegistry(io, file, {});
  if (format !== 'unknown') throw new UsageError(`${inputName(file)}: this is ${FORMAT_DESCRIPTIONS[format]}; --device-reg takes the device's whole registry as .reg text, a registry image or an OEM stream (a persistent hive is given as HIVE or in STORAGEDIR)`, true);
  const text = readRegBytes(io, file);
  const builder = new RegTreeBuilder({ maxRecords: MAX_RECORDS });
  withFile(file, () => builder.applyBytes(text, inputName(file)));
  for (const warning of builder.warnings) io.report.note(`warning: ${warning.file}:${warning.line}: ${warning.what} [${warning.code}]`);
  return plainTree(builder.tree());
}

/**
 * A whole registry that lacks top-level keys of the old ROM deletes them on the device: said,
 * since a partial export (or a patch given by mistake) would otherwise silently delete them.
 */
function warnPartialRegistry(io: CommandIo, name: string, base: HiveTree, device: HiveTree): void {
  for (let root = 0; root < ROOT_COUNT; root++) {
    const keys = base.roots[root] ?? [];
    const present = new Set((device.roots[root] ?? []).map((key) => foldName(key.name)));
    const missing = keys.filter((key) => !present.has(foldName(key.name)));
    if (missing.length === 0) continue;
    io.report.note(
      `warning: ${name}: the device's registry lacks ${missing.length} of the old ROM's ${keys.length} key(s) under ${rootName(root)} (${missing.slice(0, 3).map((key) => key.name).join(', ')}${missing.length > 3 ? ', …' : ''}): they are migrated as deleted; --device-reg takes the device's whole registry, not a patch`,
    );
  }
}

/**
 * One hive through the three-way merge: the device's registry (its hive through the old
 * ROM, or the given registry), the old ROM as the base, the new ROM as the image. Throws
 * (exit 2) when the hive fails the ROM check; computes the output and the patch in memory.
 */
export function migrateHive(io: CommandIo, device: DeviceInput, oldRomHive: NamedRomHive, newRomHive: NamedRomHive, policy: MergePolicyArguments, options: { forceRom: boolean; output: string | undefined; patch: boolean }): HiveMigration {
  const oldRom = oldRomHive.hive;
  const newRom = newRomHive.hive;
  const name = inputName(device.file);
  let hive: Hive | undefined;
  if (device.kind === 'hive') {
    const opened = openHiveFile(io, device.file, { rom: oldRom });
    if (opened.kind !== 'persistent') {
      throw new UsageError(`${name}: this is a ROM hive (its roots carry store nibble 2): migrate takes the device's persistent hive (system.hv or a user.hv), the ROM hives go to --old-rom and --new-rom`, true);
    }
    // The one ROM check first: the hive must have been built against the old ROM.
    hive = checkedAgainstRom(io.report, device.file, opened, oldRomHive.file, options.forceRom, 'migrated through it as it is; what its broken links point to is left out').hive;
  }
  // The new ROM hive must be the old one's counterpart: default.hv for default.hv, user.hv for user.hv.
  const oldRole = hiveRole(oldRom.rootRefs());
  const newRole = hiveRole(newRom.rootRefs());
  if (oldRole !== newRole && oldRole !== 'empty' && newRole !== 'empty') {
    throw new UsageError(`${inputName(newRomHive.file)}: the new ROM hive holds ${ROLE_ROOTS[newRole]}, the old one ${ROLE_ROOTS[oldRole]}: give the new image's hive of the same role as --new-rom [ROM_WRONG_ROLE]`, true);
  }
  const oldSignature = hexBytes(oldRom.header.romSignature);
  const newSignature = hexBytes(newRom.header.romSignature);
  const common = { name, oldSignature, newSignature };

  // The same build given for the new image: the hive already belongs over it.
  if (oldSignature === newSignature && hive !== undefined) {
    return { ...common, sameBuild: true, report: undefined, summary: undefined, bytes: options.output !== undefined ? hive.file : undefined, patch: undefined, exitCode: ExitCode.OK };
  }

  const base = withFile(oldRomHive.file, () => readTree(oldRom));
  // A whole registry goes by roots: HKEY_CURRENT_USER to a user hive, the rest to the system hive.
  const role = oldRole === 'empty' ? newRole : oldRole;
  const deviceTree = device.kind === 'hive' ? withFile(device.file, () => plainTree(readTree(hive!))) : rootsForRole(device.tree, role === 'user' ? 'user' : role === 'combined' ? 'combined' : 'system');
  if (device.kind === 'registry') warnPartialRegistry(io, name, base, deviceTree);
  const image = withFile(newRomHive.file, () => readTree(newRom));
  const { tree, report } = mergeTrees(base, deviceTree, image, policy);
  const summary = summarize(report);

  // The merged registry is written as `build --rom NEW` writes the .reg patch of its
  // changes: the new ROM's tree, the patch applied (new entries at the head of their
  // chains, as on the device), linked into the new ROM.
  const changes = patchBetween(image, tree, `${inputName(newRomHive.file)} (new ROM)`, `${name} migrated`);
  if (changes.skipped > 0) io.report.note(`warning: ${name}: ${changes.skipped} key(s) or value(s) of the migrated registry have names .reg text cannot hold; they are left out of the output`);
  let bytes: Uint8Array | undefined;
  if (options.output !== undefined) {
    const output = options.output;
    const builder = RegTreeBuilder.fromTree(image, { newEntriesFirst: true, maxRecords: MAX_RECORDS, unrecognisedLines: 'skip' });
    builder.applyBytes(changes.bytes, `${name} (migrated)`);
    bytes = building(output, () => encodeLinkedHive(newRom, builder.tree(), { sha256: nodeSha256 }));
  }
  const patch = options.patch ? patchBetween(base, deviceTree, `${inputName(oldRomHive.file)} (old ROM)`, `${name} (the device's registry)`).bytes : undefined;
  const exitCode = summary.conflicts > 0 || summary.dropped > 0 ? ExitCode.FINDINGS : ExitCode.OK;
  return { ...common, sameBuild: false, report, summary, bytes, patch, exitCode };
}

/** What the output stores: its size and the records it holds (the rest is linked). */
export function storedCounts(bytes: Uint8Array): { bytes: number; keys: number; values: number } {
  const stats = hiveStatistics(openHive(bytes, { kind: 'persistent' }));
  return { bytes: bytes.length, keys: stats.blocks.keys, values: stats.blocks.values };
}

/** The JSON document of one hive's migration (docs/schemas/migrate.schema.json, `single`). */
export function migrationJson(result: HiveMigration, files: { oldRom: string; newRom: string; output: string | null; patch: string | null }, policy: MergePolicyArguments, written: boolean): object {
  const head = {
    format: 'hivetool-migrate',
    schemaVersion: 1,
    input: result.name,
    oldRom: { file: inputName(files.oldRom), signature: result.oldSignature },
    newRom: { file: inputName(files.newRom), signature: result.newSignature },
    output: files.output,
    policy: { prefer: policy.prefer, keepDevice: policy.keepDevice, keepImage: policy.keepImage },
  };
  if (result.sameBuild || result.report === undefined || result.summary === undefined) return { ...head, sameBuild: true, written, exitCode: result.exitCode };
  const report = result.report;
  return {
    ...head,
    sameBuild: false,
    written,
    stored: written && result.bytes !== undefined ? storedCounts(result.bytes) : null,
    patch: files.patch,
    summary: result.summary,
    carried: report.carried.map(jsonEntry),
    equalToImage: report.equalToImage.map(jsonEntry),
    deletions: report.deletions.map(jsonEntry),
    conflicts: report.conflicts.map((conflict) => ({ ...jsonEntry(conflict), decision: conflict.decision, rule: conflict.rule })),
    removedByImage: report.removedByImage.map((entry) => ({ path: entry.path, decision: entry.decision })),
    exitCode: result.exitCode,
  };
}

/** The text report of one hive's migration, without the closing summary line. */
export function migrationLines(result: HiveMigration, files: { oldRom: string; newRom: string; output: string | undefined; patch: string | undefined }): string[] {
  const heading = `migrate ${result.name}: old ROM ${inputName(files.oldRom)} (signature ${result.oldSignature}) → new ROM ${inputName(files.newRom)} (signature ${result.newSignature})`;
  if (result.sameBuild || result.report === undefined) {
    return [heading, `note: ${inputName(files.newRom)} carries the old ROM's signature ${result.oldSignature}: it is the same build, the hive needs no migration${files.output === undefined ? '' : `; ${files.output} is a copy of ${result.name}, byte for byte`}`];
  }
  const lines = [heading, ...reportText(result.report)];
  if (files.output !== undefined && result.bytes !== undefined) {
    const written = storedCounts(result.bytes);
    lines.push(`${files.output}: ${written.bytes} bytes, persistent hive linked into ${inputName(files.newRom)}: ${written.keys} keys and ${written.values} values stored, the rest linked; ROM signature ${result.newSignature}`);
  }
  if (files.patch !== undefined) lines.push(`${files.patch}: the device's changes against ${inputName(files.oldRom)} as a .reg patch`);
  return lines;
}

/**
 * `hivetool migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv` (or `--device-reg
 * FILE` for HIVE): the device's registry merged three-way with the new ROM (the old one
 * the base) and written as a persistent hive linked into the new ROM.
 */
export function run(args: MigrateArguments, io: CommandIo): number {
  if (args.form === 'folders') return runFolders(args, io);
  const inputs = [args.input, args.oldRom.file, args.newRom.file];
  if (args.patch !== undefined) refuseInputAsOutput(inputs, args.patch);
  const policy = { prefer: args.prefer, keepDevice: args.keepDevice, keepImage: args.keepImage };
  checkPolicy(policy);
  const device: DeviceInput = args.deviceReg ? { kind: 'registry', file: args.input, tree: readDeviceRegistry(io, args.input) } : { kind: 'hive', file: args.input };
  const result = migrateHive(io, device, args.oldRom, args.newRom, policy, { forceRom: args.forceRom, output: args.output, patch: args.patch !== undefined });
  // Written only once everything is computed: a failure leaves nothing behind.
  if (result.bytes !== undefined && args.output !== undefined) writeFileAtomic(io, args.output, result.bytes);
  if (result.patch !== undefined && args.patch !== undefined) writeFileAtomic(io, args.patch, result.patch);
  if (args.json) {
    print(io, terminalSafeJson(JSON.stringify(migrationJson(result, { oldRom: args.oldRom.file, newRom: args.newRom.file, output: args.output ?? null, patch: args.patch ?? null }, policy, args.output !== undefined), null, 2)) + '\n');
    return result.exitCode;
  }
  const lines = migrationLines(result, { oldRom: args.oldRom.file, newRom: args.newRom.file, output: args.output, patch: args.patch });
  if (result.summary !== undefined) lines.push(`${args.output === undefined ? 'dry run (nothing written): ' : ''}${summaryLine(result.summary)}`);
  print(io, terminalLines(lines));
  return result.exitCode;
}
