import { ROOT_COUNT } from './limits.js';
import { foldName } from './names.js';
import { rootName } from './roots.js';
import { KeyFlags, type HiveTree, type TreeKey, type TreeValue } from './tree.js';

/**
 * Where a change is: the key's `path` (root name and key names joined with `\`), and the
 * key names below the root one by one (`names`), since a name may itself hold a `\`.
 */
export interface ChangePlace {
  path: string;
  names: readonly string[];
}

/** One difference between two registries, in the order a reader of B meets it. */
export type TreeChange = ChangePlace &
  (
    | { op: 'add-key'; key: TreeKey }
    | { op: 'remove-key'; key: TreeKey }
    | { op: 'change-key-flags'; before: number; after: number }
    | { op: 'add-value'; value: TreeValue }
    | { op: 'remove-value'; value: TreeValue }
    | { op: 'change-value'; before: TreeValue; after: TreeValue }
  );

/** Key flags that describe the registry; 0x2 only says a persistent hive stores a copy. */
const registryFlags = (flags: number | undefined): number => (flags ?? 0) & ~KeyFlags.ROM_COPY;

function sameData(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function diffValues({ path, names }: ChangePlace, before: TreeValue[], after: TreeValue[], changes: TreeChange[]): void {
  const old = new Map(before.map((value) => [foldName(value.name), value]));
  const seen = new Set<string>();
  for (const value of after) {
    const name = foldName(value.name);
    seen.add(name);
    const previous = old.get(name);
    if (previous === undefined) changes.push({ op: 'add-value', path, names, value });
    else if (previous.type !== value.type || (previous.flags ?? 0) !== (value.flags ?? 0) || !sameData(previous.data, value.data)) {
      changes.push({ op: 'change-value', path, names, before: previous, after: value });
    }
  }
  for (const value of before) if (!seen.has(foldName(value.name))) changes.push({ op: 'remove-value', path, names, value });
}

/**
 * The differences that turn registry `a` into registry `b`: keys and values added and
 * removed, values whose type, data or flags changed, keys whose flags changed (the 0x2 "copy of
 * a ROM key" bit aside). Names match case-insensitively, as in the registry, so a change
 * of case alone is not a difference, nor is the order of keys and values in a chain. An added or removed key is one
 * change, its subtree included. Changes come in pre-order of B (keys only in A after
 * B's keys of the same parent). Iterative: any depth.
 */
export function diffTrees(a: HiveTree, b: HiveTree): TreeChange[] {
  const changes: TreeChange[] = [];
  type Pair = ChangePlace & { before: TreeKey | undefined; after: TreeKey | undefined };
  const work: Pair[] = [];
  /** The pairs of two key lists: B's keys in B's order, then A's keys that B lacks. */
  const pairs = ({ path, names }: ChangePlace, before: TreeKey[], after: TreeKey[]): Pair[] => {
    const old = new Map(before.map((key) => [foldName(key.name), key]));
    const result: Pair[] = after.map((key) => ({ path: path + '\\' + key.name, names: [...names, key.name], before: old.get(foldName(key.name)), after: key }));
    const kept = new Set(after.map((key) => foldName(key.name)));
    for (const key of before) if (!kept.has(foldName(key.name))) result.push({ path: path + '\\' + key.name, names: [...names, key.name], before: key, after: undefined });
    return result;
  };
  // Pushed in reverse so that changes come out in pre-order.
  const push = (list: Pair[]): void => {
    for (let i = list.length - 1; i >= 0; i--) work.push(list[i]!);
  };
  for (let index = ROOT_COUNT - 1; index >= 0; index--) {
    const list = pairs({ path: rootName(index), names: [] }, a.roots[index] ?? [], b.roots[index] ?? []);
    for (let i = list.length - 1; i >= 0; i--) work.push(list[i]!);
  }
  while (work.length > 0) {
    const { path, names, before, after } = work.pop()!;
    if (before === undefined) {
      changes.push({ op: 'add-key', path, names, key: after! });
      continue;
    }
    if (after === undefined) {
      changes.push({ op: 'remove-key', path, names, key: before });
      continue;
    }
    if (registryFlags(before.flags) !== registryFlags(after.flags)) {
      changes.push({ op: 'change-key-flags', path, names, before: registryFlags(before.flags), after: registryFlags(after.flags) });
    }
    diffValues({ path, names }, before.values ?? [], after.values ?? [], changes);
    push(pairs({ path, names }, before.subkeys ?? [], after.subkeys ?? []));
  }
  return changes;
}

/** Keys and values in a whole tree. */
export function countTree(tree: HiveTree): { keys: number; values: number } {
  let keys = 0;
  let values = 0;
  for (const list of Object.values(tree.roots)) {
    for (const key of list ?? []) {
      const counts = countSubtree(key);
      keys += counts.keys;
      values += counts.values;
    }
  }
  return { keys, values };
}

/** Keys and values in a subtree, the key itself included. */
export function countSubtree(key: TreeKey): { keys: number; values: number } {
  let keys = 0;
  let values = 0;
  const stack = [key];
  while (stack.length > 0) {
    const next = stack.pop()!;
    keys++;
    values += next.values?.length ?? 0;
    for (const child of next.subkeys ?? []) stack.push(child);
  }
  return { keys, values };
}
