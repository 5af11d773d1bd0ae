import { readTree, type Hive } from '@hivetool/hive';
import { RegTextWriter, terminalLines, terminalSafeJson, type RegStyle, countSubtree, diffTrees, jsonValue, renderRegData, type HiveTree, type ChangePlace, type TreeChange, type TreeKey, type TreeValue } from '@hivetool/registry';
import { ExitCode, UsageError, safeLine, withFile } from '../failures.js';
import { inputName, readHiveFile } from '../input.js';
import { checkedAgainstRom } from '../rom.js';
import { openForReading } from '../damage.js';
import { inputBytes, limitOutputToInput, outputSink, type TextSink } from '../output.js';
import { regSink } from '../regeditSink.js';
import type { CommandIo } from '../command.js';

export type DiffFormat = 'text' | 'json' | 'reg';

export interface DiffArguments {
  files: string[];
  rom?: { file: string; hive: Hive } | undefined;
  format: DiffFormat;
  output?: string | undefined;
  maxDepth?: number | undefined;
  /** .reg patch style (see dump --reg-style): `regedit` writes regedit 5's UTF-16LE text. */
  regStyle?: RegStyle | undefined;
  /** `--force-rom`: compare a hive that fails the ROM check, noting that what came from the ROM is unverified. */
  forceRom?: boolean | undefined;
}

/** The note a diff carries when a side was read through a ROM hive that failed the ROM check. */
const UNVERIFIED_NOTE = 'unverified: a side was read through a ROM hive that failed the ROM check (--force-rom); differences in what came from the ROM prove nothing';

/**
 * A side of the comparison: a file's registry, read through the ROM hive when it links
 * into one. Whole-file damage is read on past by the rules of damage.ts: `damage` names it.
 */
function side(io: CommandIo, file: string, args: DiffArguments, unverified: { any: boolean }, damage: string[]): HiveTree {
  return withFile(file, () => {
    const opened = openForReading(readHiveFile(io, file), file, 'read', {
      ...(args.rom !== undefined ? { rom: args.rom.hive } : {}),
      ...(args.maxDepth !== undefined ? { limits: { maxDepth: args.maxDepth } } : {}),
    });
    if (opened.damage !== undefined) damage.push(opened.damage);
    let hive = opened.hive;
    // The one ROM check: refused on a mismatch (exit 2) unless --force-rom.
    if (args.rom !== undefined && hive.rom !== undefined) {
      const checked = checkedAgainstRom(io.report, file, hive, args.rom.file, args.forceRom === true);
      if (!checked.check.ok) unverified.any = true;
      hive = checked.hive;
    }
    return readTree(hive);
  });
}

// On one line: .reg text wraps long hex data with `\` line ends.
const valueText = (value: TreeValue): string => renderRegData(value.type, value.data).replace(/\\\r?\n\s*/g, '');

function renderText(changes: TreeChange[], a: string, b: string): string {
  const lines = [`--- ${a}`, `+++ ${b}`];
  const tally = { keysAdded: 0, keysRemoved: 0, valuesAdded: 0, valuesRemoved: 0, valuesChanged: 0, flagsChanged: 0 };
  for (const change of changes) {
    switch (change.op) {
      case 'add-key': {
        const { keys, values } = countSubtree(change.key);
        tally.keysAdded++;
        lines.push(`+ [${change.path}]  (${keys} key(s), ${values} value(s))`);
        break;
      }
      case 'remove-key': {
        const { keys, values } = countSubtree(change.key);
        tally.keysRemoved++;
        lines.push(`- [${change.path}]  (${keys} key(s), ${values} value(s))`);
        break;
      }
      case 'change-key-flags':
        tally.flagsChanged++;
        lines.push(`~ [${change.path}]  key flags 0x${change.before.toString(16).padStart(4, '0')} → 0x${change.after.toString(16).padStart(4, '0')}`);
        break;
      case 'add-value':
        tally.valuesAdded++;
        lines.push(`+ ${change.path}  ${JSON.stringify(change.value.name)}=${valueText(change.value)}`);
        break;
      case 'remove-value':
        tally.valuesRemoved++;
        lines.push(`- ${change.path}  ${JSON.stringify(change.value.name)}=${valueText(change.value)}`);
        break;
      case 'change-value':
        tally.valuesChanged++;
        {
          const flags = (change.before.flags ?? 0) === (change.after.flags ?? 0) ? '' : `  (value flags 0x${(change.before.flags ?? 0).toString(16)} → 0x${(change.after.flags ?? 0).toString(16)})`;
          lines.push(`~ ${change.path}  ${JSON.stringify(change.after.name)}: ${valueText(change.before)} → ${valueText(change.after)}${flags}`);
        }
        break;
    }
  }
  lines.push(
    changes.length === 0
      ? 'no differences'
      : `${tally.keysAdded} key(s) added, ${tally.keysRemoved} removed, ${tally.flagsChanged} with new flags; ${tally.valuesAdded} value(s) added, ${tally.valuesRemoved} removed, ${tally.valuesChanged} changed`,
  );
  // Names and data come from the files: each line escaped for a terminal.
  return terminalLines(lines);
}

function jsonChange(change: TreeChange): object {
  const value = (v: TreeValue): object => jsonValue(v.name, v.type, v.flags ?? 0, v.data);
  switch (change.op) {
    case 'add-key':
    case 'remove-key':
      return { op: change.op, path: change.path, ...countSubtree(change.key) };
    case 'change-key-flags':
      return { op: change.op, path: change.path, before: change.before, after: change.after };
    case 'add-value':
    case 'remove-value':
      return { op: change.op, path: change.path, name: change.value.name, value: value(change.value) };
    case 'change-value':
      return { op: change.op, path: change.path, name: change.after.name, before: value(change.before), after: value(change.after) };
  }
}

/** A .reg patch that turns A into B when imported (or given to `build` after A's dump). */
function renderReg(changes: TreeChange[], a: string, b: string, sink: TextSink, style: RegStyle, unverified = false): RegTextWriter {
  const writer = new RegTextWriter(sink.utf8, style);
  writer.header();
  writer.comment(safeLine(`hivetool diff: imported over ${a}, this gives ${b}`));
  if (unverified) writer.comment(UNVERIFIED_NOTE);
  // The key whose line was written last, by its root and names (two keys can share a path
  // string when a name holds a `\`, never their names).
  let open: string | undefined;
  const idOf = (path: string, names: readonly string[]): string => JSON.stringify([path.slice(0, path.indexOf('\\')), ...names]);
  // Where a change's key sits: its parent's path and names, and its own name (the path is
  // not split at its last `\`).
  const place = ({ path, names }: ChangePlace): { parent: string; parentNames: readonly string[]; name: string } => {
    const name = names[names.length - 1]!;
    return { parent: path.slice(0, path.length - name.length - 1), parentNames: names.slice(0, -1), name };
  };
  // A key line out of a walk: the key is at depth 1 below its parent's path.
  const openKey = (change: ChangePlace, flags = 0, noteFlags = false): void => {
    const id = idOf(change.path, change.names);
    if (open === id && !noteFlags) return;
    const { parent, parentNames, name } = place(change);
    writer.start(parent, parentNames);
    writer.key(1, name, flags, noteFlags);
    open = id;
  };
  for (const change of changes) {
    switch (change.op) {
      case 'remove-key': {
        const { parent, parentNames, name } = place(change);
        writer.removeKey(parent, name, parentNames);
        open = undefined;
        break;
      }
      case 'add-key': {
        // The whole subtree, key by key, in pre-order below the new key's parent. Two
        // siblings of one name (a damaged hive) share one key line, as they share a path;
        // a second added key of the same names goes on under the first one's line.
        const { parent, parentNames } = place(change);
        if (idOf(change.path, change.names) !== open) writer.start(parent, parentNames);
        const stack: Array<{ key: TreeKey; depth: number; names: readonly string[] }> = [{ key: change.key, depth: 1, names: change.names }];
        while (stack.length > 0) {
          const { key, depth, names } = stack.pop()!;
          const id = idOf(change.path, names);
          if (id !== open) writer.key(depth, key.name, key.flags ?? 0);
          open = id;
          for (const value of key.values ?? []) writer.value(value.name, value.type, value.data, value.flags ?? 0);
          const children = key.subkeys ?? [];
          for (let i = children.length - 1; i >= 0; i--) stack.push({ key: children[i]!, depth: depth + 1, names: [...names, children[i]!.name] });
        }
        break;
      }
      case 'change-key-flags':
        openKey(change, change.after, true);
        break;
      case 'add-value':
        openKey(change);
        writer.value(change.value.name, change.value.type, change.value.data, change.value.flags ?? 0);
        break;
      case 'change-value':
        openKey(change);
        writer.value(change.after.name, change.after.type, change.after.data, change.after.flags ?? 0);
        break;
      case 'remove-value':
        openKey(change);
        writer.removeValue(change.value.name);
        break;
    }
  }
  return writer;
}

/**
 * `hivetool diff A B [--rom ROM]`, or `hivetool diff --rom ROM HIVE` (what the device
 * changed relative to ROM). Exit 0 when the registries are the same, 1 when they differ.
 */
export function run(args: DiffArguments, io: CommandIo): number {
  let aName: string;
  let bName: string;
  let a: HiveTree;
  let b: HiveTree;
  const unverified = { any: false };
  const damage: string[] = [];
  if (args.files.length === 1) {
    if (args.rom === undefined) throw new UsageError('diff needs two hives, or one persistent hive and --rom ROM.hv');
    aName = `${args.rom.file} (ROM)`;
    bName = `${inputName(args.files[0]!)} (through its ROM)`;
    a = withFile(args.rom.file, () => readTree(args.rom!.hive));
    b = side(io, args.files[0]!, args, unverified, damage);
  } else if (args.files.length === 2) {
    aName = inputName(args.files[0]!);
    bName = inputName(args.files[1]!);
    a = side(io, args.files[0]!, args, unverified, damage);
    b = side(io, args.files[1]!, args, unverified, damage);
  } else {
    throw new UsageError('diff compares two hives (A B), or one hive with --rom');
  }
  const changes = diffTrees(a, b);
  limitOutputToInput(inputBytes(io, [...args.files, args.rom?.file]), 'raise the limit with --max-output');
  const output: TextSink = outputSink(io, args.output);
  const sink = args.format === 'reg' ? regSink(output, args.regStyle ?? 'ce') : output;
  try {
    if (args.format === 'text') sink.write((unverified.any ? `note: ${UNVERIFIED_NOTE}\n` : '') + renderText(changes, aName, bName));
    else if (args.format === 'json') sink.write(terminalSafeJson(JSON.stringify({ format: 'hivetool-diff', schemaVersion: 1, a: aName, b: bName, ...(unverified.any ? { unverified: true } : {}), changes: changes.map(jsonChange) }, null, 2)) + '\n');
    else {
      const { skippedKeys, skippedValues } = renderReg(changes, aName, bName, sink, args.regStyle ?? 'ce', unverified.any);
      if (skippedKeys + skippedValues > 0) {
        io.report.note(`warning: ${args.output === undefined || args.output === '-' ? '<stdout>' : args.output}: ${skippedKeys} key(s) and ${skippedValues} value(s) of the patch have names .reg text cannot hold; they are left out as comments (--format json keeps them)`);
      }
    }
  } catch (error) {
    sink.abort();
    throw error;
  }
  if (damage.length > 0) {
    // Read on past whole-file damage: the differences were shown, but the run fails, and
    // a file named with -o is not written.
    if (args.output === undefined || args.output === '-') sink.close();
    else sink.abort();
    for (const line of damage) io.report.note(line);
    return ExitCode.FAILED;
  }
  sink.close();
  return changes.length === 0 ? ExitCode.OK : ExitCode.FINDINGS;
}
