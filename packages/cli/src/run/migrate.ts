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
import { ExitCode, UsageError, building, withFile } from '../failures.js';
import { inputName, openHiveFile } from '../input.js';
import { print, refuseInputAsOutput, writeFileAtomic, type TextSink } from '../output.js';
import { checkedAgainstRom } from '../rom.js';
import { nodeSha256 } from './build.js';
import { renderReg } from './diff.js';
import type { CommandIo } from '../command.js';

export interface MigrateArguments {
  /** The device's persistent hive, built against `oldRom`. */
  input: string;
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

interface Summary {
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

function summarize(report: MergeReport): Summary {
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

const summaryLine = (s: Summary): string =>
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

/**
 * `hivetool migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv`: the device's
 * persistent hive, read through the old ROM, merged three-way with the new ROM (the old
 * one the base) and written as a persistent hive linked into the new ROM.
 */
export function run(args: MigrateArguments, io: CommandIo): number {
  const inputs = [args.input, args.oldRom.file, args.newRom.file];
  if (args.patch !== undefined) refuseInputAsOutput(inputs, args.patch);
  const policy = { prefer: args.prefer, keepDevice: args.keepDevice, keepImage: args.keepImage };
  try {
    parseMergePolicy(policy);
  } catch (error) {
    if (error instanceof MergePolicyError) throw new UsageError(`--keep-device/--keep-image: ${error.message}`);
    throw error;
  }
  const oldRom = args.oldRom.hive;
  const newRom = args.newRom.hive;
  const opened = openHiveFile(io, args.input, { rom: oldRom });
  const name = inputName(args.input);
  if (opened.kind !== 'persistent') {
    throw new UsageError(`${name}: this is a ROM hive (its roots carry store nibble 2): migrate takes the device's persistent hive (system.hv or a user.hv), the ROM hives go to --old-rom and --new-rom`, true);
  }
  // The one ROM check first: the hive must have been built against the old ROM.
  const { hive } = checkedAgainstRom(io.report, args.input, opened, args.oldRom.file, args.forceRom, 'migrated through it as it is; what its broken links point to is left out');
  // The new ROM hive must be the old one's counterpart: default.hv for default.hv, user.hv for user.hv.
  const oldRole = hiveRole(oldRom.rootRefs());
  const newRole = hiveRole(newRom.rootRefs());
  if (oldRole !== newRole && oldRole !== 'empty' && newRole !== 'empty') {
    throw new UsageError(`${inputName(args.newRom.file)}: the new ROM hive holds ${ROLE_ROOTS[newRole]}, the old one ${ROLE_ROOTS[oldRole]}: give the new image's hive of the same role as --new-rom [ROM_WRONG_ROLE]`, true);
  }
  const oldSignature = hexBytes(oldRom.header.romSignature);
  const newSignature = hexBytes(newRom.header.romSignature);
  const heading = `migrate ${name}: old ROM ${inputName(args.oldRom.file)} (signature ${oldSignature}) → new ROM ${inputName(args.newRom.file)} (signature ${newSignature})`;
  const policyJson = { prefer: args.prefer, keepDevice: args.keepDevice, keepImage: args.keepImage };
  const jsonHead = {
    format: 'hivetool-migrate',
    schemaVersion: 1,
    input: name,
    oldRom: { file: inputName(args.oldRom.file), signature: oldSignature },
    newRom: { file: inputName(args.newRom.file), signature: newSignature },
    output: args.output ?? null,
    policy: policyJson,
  };

  // The same build given for the new image: the hive already belongs over it.
  if (oldSignature === newSignature) {
    if (args.output !== undefined) writeFileAtomic(io, args.output, hive.file);
    const note = `note: ${inputName(args.newRom.file)} carries the old ROM's signature ${oldSignature}: it is the same build, the hive needs no migration${args.output === undefined ? '' : `; ${args.output} is a copy of ${name}, byte for byte`}`;
    if (args.json) print(io, terminalSafeJson(JSON.stringify({ ...jsonHead, sameBuild: true, written: args.output !== undefined, exitCode: ExitCode.OK }, null, 2)) + '\n');
    else print(io, terminalLines([heading, note]));
    return ExitCode.OK;
  }

  const base = withFile(args.oldRom.file, () => readTree(oldRom));
  const device = withFile(args.input, () => plainTree(readTree(hive)));
  const image = withFile(args.newRom.file, () => readTree(newRom));
  const { tree, report } = mergeTrees(base, device, image, policy);
  const summary = summarize(report);

  // The merged registry is written as `build --rom NEW` writes the .reg patch of its
  // changes: the new ROM's tree, the patch applied (new entries at the head of their
  // chains, as on the device), linked into the new ROM.
  const changes = patchBetween(image, tree, `${inputName(args.newRom.file)} (new ROM)`, `${name} migrated`);
  if (changes.skipped > 0) io.report.note(`warning: ${name}: ${changes.skipped} key(s) or value(s) of the migrated registry have names .reg text cannot hold; they are left out of the output`);
  let written: { bytes: number; keys: number; values: number } | undefined;
  let bytes: Uint8Array | undefined;
  if (args.output !== undefined) {
    const output = args.output;
    const builder = RegTreeBuilder.fromTree(image, { newEntriesFirst: true, maxRecords: MAX_RECORDS, unrecognisedLines: 'skip' });
    builder.applyBytes(changes.bytes, `${name} (migrated)`);
    bytes = building(output, () => encodeLinkedHive(newRom, builder.tree(), { sha256: nodeSha256 }));
  }
  let patchBytes: Uint8Array | undefined;
  if (args.patch !== undefined) patchBytes = patchBetween(base, device, `${inputName(args.oldRom.file)} (old ROM)`, `${name} (the device's registry)`).bytes;
  // Written only once everything is computed: a failure leaves nothing behind.
  if (bytes !== undefined && args.output !== undefined) {
    writeFileAtomic(io, args.output, bytes);
    const stats = hiveStatistics(openHive(bytes, { kind: 'persistent' }));
    written = { bytes: bytes.length, keys: stats.blocks.keys, values: stats.blocks.values };
  }
  if (patchBytes !== undefined && args.patch !== undefined) writeFileAtomic(io, args.patch, patchBytes);
  const exitCode = summary.conflicts > 0 || summary.dropped > 0 ? ExitCode.FINDINGS : ExitCode.OK;

  if (args.json) {
    print(
      io,
      terminalSafeJson(JSON.stringify(
        {
          ...jsonHead,
          sameBuild: false,
          written: written !== undefined,
          stored: written ?? null,
          patch: args.patch ?? null,
          summary,
          carried: report.carried.map(jsonEntry),
          equalToImage: report.equalToImage.map(jsonEntry),
          deletions: report.deletions.map(jsonEntry),
          conflicts: report.conflicts.map((conflict) => ({ ...jsonEntry(conflict), decision: conflict.decision, rule: conflict.rule })),
          removedByImage: report.removedByImage.map((entry) => ({ path: entry.path, decision: entry.decision })),
          exitCode,
        },
        null,
        2,
      )) + '\n',
    );
    return exitCode;
  }
  const lines = [heading, ...reportText(report)];
  if (written !== undefined && args.output !== undefined) {
    lines.push(`${args.output}: ${written.bytes} bytes, persistent hive linked into ${inputName(args.newRom.file)}: ${written.keys} keys and ${written.values} values stored, the rest linked; ROM signature ${newSignature}`);
  }
  if (args.patch !== undefined) lines.push(`${args.patch}: the device's changes against ${inputName(args.oldRom.file)} as a .reg patch`);
  lines.push(`${args.output === undefined ? 'dry run (nothing written): ' : ''}${summaryLine(summary)}`);
  print(io, terminalLines(lines));
  return exitCode;
}
