import { ROOT_COUNT } from './limits.js';
import { foldName } from './names.js';
import { parseKeyPath, rootName } from './roots.js';
import { KeyFlags, type HiveTree, type TreeKey, type TreeValue } from './tree.js';

/** Which side a conflict goes to. */
export type MergeSide = 'image' | 'device';

/**
 * How `mergeTrees` decides a conflict (both sides changed the same value or key, each
 * differently): `prefer` (default `image`: the image's author changed it on purpose), and
 * per subtree `keepDevice` / `keepImage`, key paths such as `HKLM\Comm\Tcpip`; where they
 * overlap, the most specific (longest) path wins.
 */
export interface MergePolicy {
  prefer?: MergeSide;
  keepDevice?: readonly string[];
  keepImage?: readonly string[];
}

/** Where an entry of the report is: its key's path and names, and the value's name (none for a whole key). */
interface MergePlace {
  /** The key's path: root name and key names joined with `\`. */
  path: string;
  /** The key names below the root, one by one (a name may hold a `\`). */
  names: readonly string[];
}

/** A value of the report, on each side (absent: the side has no such value). */
export interface MergeValueEntry extends MergePlace {
  what: 'value';
  /** The value's name (`Default` for the unnamed value), as the device or the image spells it. */
  name: string;
  base?: TreeValue | undefined;
  device?: TreeValue | undefined;
  image?: TreeValue | undefined;
}

/** A whole key of the report, on each side (absent: the side has no such key). */
export interface MergeKeyEntry extends MergePlace {
  what: 'key';
  base?: TreeKey | undefined;
  device?: TreeKey | undefined;
  image?: TreeKey | undefined;
}

export type MergeEntry = MergeValueEntry | MergeKeyEntry;

/** A conflict: both sides, and who won and by which rule (`prefer image`, `keep-device HKLM\X`). */
export type MergeConflict = MergeEntry & { decision: MergeSide; rule: string };

/** What `mergeTrees` did, class by class, in pre-order of the registry. */
export interface MergeReport {
  /** Device changes carried into the result: values set or changed, keys added. */
  carried: MergeEntry[];
  /** Device changes the image made too, the same way: nothing left to store for them. */
  equalToImage: MergeEntry[];
  /** Values and keys of the old ROM the device deleted, deleted in the result too. */
  deletions: MergeEntry[];
  /** Values and keys both sides changed differently, with the decision. */
  conflicts: MergeConflict[];
  /**
   * Keys the new image no longer has under which the device had changes (each is also a
   * conflict): `dropped` when the image won, `kept` when the device won (the key is then
   * written whole, with the device's values).
   */
  removedByImage: Array<MergeKeyEntry & { decision: 'dropped' | 'kept' }>;
  /** Volatile keys of the device left out (never carried). */
  volatileSkipped: number;
}

export interface MergeResult {
  /** The merged registry: the new image with the device's changes carried over. */
  tree: HiveTree;
  report: MergeReport;
}

/** A `keepDevice`/`keepImage` path that names no root, or one path given for both sides. */
export class MergePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergePolicyError';
  }
}

interface KeepRule {
  root: number;
  names: string[];
  side: MergeSide;
  text: string;
}

/** The keep rules of a policy, parsed; throws `MergePolicyError` on a path with no root or one given for both sides. */
export function parseMergePolicy(policy: MergePolicy): KeepRule[] {
  const rules: KeepRule[] = [];
  const seen = new Map<string, MergeSide>();
  const add = (paths: readonly string[] | undefined, side: MergeSide): void => {
    for (const text of paths ?? []) {
      const parsed = parseKeyPath(text);
      if (parsed === undefined) throw new MergePolicyError(`${JSON.stringify(text)} is not a key path: it starts with no root (HKEY_LOCAL_MACHINE, HKLM, HKEY_CURRENT_USER, HKCU, HKEY_CLASSES_ROOT, HKCR, HKEY_USERS, HKU)`);
      const names = parsed.names.map(foldName);
      const id = JSON.stringify([parsed.root, ...names]);
      const other = seen.get(id);
      if (other !== undefined && other !== side) throw new MergePolicyError(`${JSON.stringify(text)} is given both to keep the device's and to keep the image's: give it once`);
      seen.set(id, side);
      rules.push({ root: parsed.root, names, side, text });
    }
  };
  add(policy.keepDevice, 'device');
  add(policy.keepImage, 'image');
  return rules;
}

/** Who wins a conflict at a key (the key of a value, or the key itself). */
function decider(policy: MergePolicy): (root: number, names: readonly string[]) => { decision: MergeSide; rule: string } {
  const rules = parseMergePolicy(policy);
  const prefer = policy.prefer ?? 'image';
  return (root, names) => {
    let best: KeepRule | undefined;
    for (const rule of rules) {
      if (rule.root !== root || rule.names.length > names.length) continue;
      if (best !== undefined && rule.names.length <= best.names.length) continue;
      if (rule.names.every((name, i) => name === foldName(names[i]!))) best = rule;
    }
    return best === undefined ? { decision: prefer, rule: `prefer ${prefer}` } : { decision: best.side, rule: `keep-${best.side} ${best.text}` };
  };
}

/** Key flags that describe the registry; 0x2 only says a persistent hive stores a copy. */
const registryFlags = (flags: number | undefined): number => (flags ?? 0) & ~KeyFlags.ROM_COPY;
const isVolatile = (key: TreeKey | undefined): boolean => key !== undefined && ((key.flags ?? 0) & KeyFlags.VOLATILE) !== 0;

function sameData(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Values equal as the registry sees them: both absent, or the same type and data (names matched already; flags not compared). */
export function sameMergeValue(a: TreeValue | undefined, b: TreeValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.type === b.type && sameData(a.data, b.data);
}

/** Subtrees equal as the registry sees them: case-folded names, key flags but 0x2, values by type and data, in any order. Iterative. */
export function sameMergeKey(a: TreeKey | undefined, b: TreeKey | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const stack: Array<[TreeKey, TreeKey]> = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (registryFlags(x.flags) !== registryFlags(y.flags)) return false;
    const xv = x.values ?? [];
    const yv = y.values ?? [];
    if (xv.length !== yv.length) return false;
    const yValues = new Map(yv.map((value) => [foldName(value.name), value]));
    for (const value of xv) if (!sameMergeValue(value, yValues.get(foldName(value.name)))) return false;
    const xk = x.subkeys ?? [];
    const yk = y.subkeys ?? [];
    if (xk.length !== yk.length) return false;
    const yKeys = new Map(yk.map((key) => [foldName(key.name), key]));
    for (const key of xk) {
      const other = yKeys.get(foldName(key.name));
      if (other === undefined) return false;
      stack.push([key, other]);
    }
  }
  return true;
}

/** A device subtree as the result stores it: no 0x2 copy flag, no value flags, no volatile keys (counted). */
function deviceCopy(key: TreeKey, skipped: { count: number }): TreeKey {
  const copy = (from: TreeKey): TreeKey => ({ name: from.name, flags: registryFlags(from.flags), values: (from.values ?? []).map((value) => ({ name: value.name, type: value.type, data: value.data })), subkeys: [] });
  const top = copy(key);
  const stack: Array<[TreeKey, TreeKey]> = [[key, top]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    for (const child of from.subkeys ?? []) {
      if (isVolatile(child)) {
        skipped.count++;
        continue;
      }
      const next = copy(child);
      to.subkeys!.push(next);
      stack.push([child, next]);
    }
  }
  return top;
}

/** A list by folded name (the first of a name wins, as a lookup in the registry would). */
function byName<T extends { name: string }>(list: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of list) {
    const name = foldName(item.name);
    if (!map.has(name)) map.set(name, item);
  }
  return map;
}

/** The names of three lists in result order: the device's names the image lacks first (new entries go to the head of a chain, as on the device), then the image's, then the base's. */
function unionNames(base: readonly { name: string }[], device: readonly { name: string }[], image: readonly { name: string }[]): string[] {
  const imageNames = new Set(image.map((item) => foldName(item.name)));
  const names: string[] = [];
  const seen = new Set<string>();
  const add = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  };
  for (const item of device) if (!imageNames.has(foldName(item.name))) add(foldName(item.name));
  for (const item of image) add(foldName(item.name));
  for (const item of base) add(foldName(item.name));
  return names;
}

/**
 * The three-way merge of an OS update: `base` is the old ROM's registry, `device` the
 * device's effective registry over it (its persistent hive read through the old ROM), and
 * `image` the new ROM's registry. Per value and per key:
 *
 * - the device left it as in the base → the image's;
 * - the device changed it (set, new type, deleted), the image left it → the device's;
 * - both changed it the same way → the image's (reported as equal to the image);
 * - both changed it differently → a conflict, decided by `policy`. A key the image
 *   removed under which the device changed anything, and a key the device deleted that
 *   the image changed, are conflicts over the whole key; the device winning on a key the
 *   image removed keeps the device's key whole.
 *
 * Keys the device added are carried; volatile keys (flag 0x8, in the base or the device)
 * are never carried. Equality is by case-folded name, type and data; value flags and the
 * key flag 0x2 are not compared, and the device's values carry no flags in the result.
 * Children and values keep the image's order, the device's new ones first. Iterative: any
 * depth.
 *
 * @throws {MergePolicyError} a keep path with no root, or given to both sides.
 */
export function mergeTrees(base: HiveTree, device: HiveTree, image: HiveTree, policy: MergePolicy = {}): MergeResult {
  const decide = decider(policy);
  const report: MergeReport = { carried: [], equalToImage: [], deletions: [], conflicts: [], removedByImage: [], volatileSkipped: 0 };
  const skipped = { count: 0 };
  const tree: HiveTree = { roots: {} };
  interface Frame {
    root: number;
    path: string;
    names: readonly string[];
    base: TreeKey | undefined;
    device: TreeKey | undefined;
    image: TreeKey | undefined;
    /** Where the merged key goes (undefined: the key is not in the result). */
    out: (key: TreeKey | undefined) => void;
  }
  const work: Frame[] = [];
  const lists: Array<Array<TreeKey | undefined>> = [];
  /** Frames for the children of three key lists, writing into `list` in result order. */
  const children = (root: number, path: string, names: readonly string[], b: readonly TreeKey[], d: readonly TreeKey[], i: readonly TreeKey[], list: Array<TreeKey | undefined>): void => {
    const bm = byName(b);
    const dm = byName(d);
    const im = byName(i);
    const order = unionNames(b, d, i);
    list.length = order.length;
    lists.push(list);
    for (let index = order.length - 1; index >= 0; index--) {
      const folded = order[index]!;
      const bk = bm.get(folded);
      const dk = dm.get(folded);
      const ik = im.get(folded);
      const name = (ik ?? dk ?? bk)!.name;
      work.push({ root, path: `${path}\\${name}`, names: [...names, name], base: bk, device: dk, image: ik, out: (key) => (list[index] = key) });
    }
  };
  for (let root = ROOT_COUNT - 1; root >= 0; root--) {
    const list: Array<TreeKey | undefined> = [];
    children(root, rootName(root), [], base.roots[root] ?? [], device.roots[root] ?? [], image.roots[root] ?? [], list);
    tree.roots[root] = list as TreeKey[];
  }
  const conflict = (entry: MergeEntry, root: number, names: readonly string[]): MergeSide => {
    const { decision, rule } = decide(root, names);
    report.conflicts.push({ ...entry, decision, rule });
    return decision;
  };

  while (work.length > 0) {
    const frame = work.pop()!;
    const { root, path, names, base: b } = frame;
    let { device: d } = frame;
    const i = frame.image;
    // Volatile keys are never carried: the device's version is taken to be the base's.
    if ((isVolatile(b) || isVolatile(d)) && d !== b) {
      if (!sameMergeKey(d, b)) report.volatileSkipped++;
      d = b;
    }
    const place = { path, names };
    if (d !== undefined && i !== undefined) {
      // Both have the key: merge its values and subkeys (the base may lack it: both added it).
      const bv = b?.values ?? [];
      const dv = d.values ?? [];
      const iv = i.values ?? [];
      const bm = byName(bv);
      const dm = byName(dv);
      const im = byName(iv);
      const values: TreeValue[] = [];
      for (const folded of unionNames(bv, dv, iv)) {
        const bValue = bm.get(folded);
        const dValue = dm.get(folded);
        const iValue = im.get(folded);
        const entry: MergeValueEntry = { what: 'value', ...place, name: (dValue ?? iValue ?? bValue)!.name, base: bValue, device: dValue, image: iValue };
        let chosen: TreeValue | undefined;
        let fromDevice = false;
        if (sameMergeValue(dValue, bValue)) chosen = iValue;
        else if (sameMergeValue(iValue, bValue)) {
          chosen = dValue;
          fromDevice = true;
          (dValue === undefined ? report.deletions : report.carried).push(entry);
        } else if (sameMergeValue(dValue, iValue)) {
          chosen = iValue;
          report.equalToImage.push(entry);
        } else if (conflict(entry, root, names) === 'device') {
          chosen = dValue;
          fromDevice = true;
        } else chosen = iValue;
        if (chosen !== undefined) values.push(fromDevice ? { name: chosen.name, type: chosen.type, data: chosen.data } : chosen);
      }
      const flags = registryFlags(d.flags) === registryFlags(b?.flags) ? registryFlags(i.flags) : registryFlags(i.flags) === registryFlags(b?.flags) ? registryFlags(d.flags) : registryFlags(decide(root, names).decision === 'device' ? d.flags : i.flags);
      const merged: TreeKey = { name: i.name, flags, values, subkeys: [] };
      frame.out(merged);
      children(root, path, names, b?.subkeys ?? [], d.subkeys ?? [], i.subkeys ?? [], merged.subkeys as Array<TreeKey | undefined>);
      continue;
    }
    const entry: MergeKeyEntry = { what: 'key', ...place, base: b, device: d, image: i };
    if (d === undefined && i === undefined) {
      // Both removed it (or the device dropped a volatile key the base lacks).
      frame.out(undefined);
    } else if (d === undefined) {
      // The device deleted the key (the base has it: were it new in the image, d ≡ b).
      if (b === undefined || sameMergeKey(i, b)) {
        frame.out(b === undefined ? i : undefined);
        if (b !== undefined) report.deletions.push(entry);
      } else frame.out(conflict(entry, root, names) === 'device' ? undefined : i);
    } else if (b === undefined) {
      // A key the device added, the image has not.
      report.carried.push(entry);
      frame.out(deviceCopy(d, skipped));
    } else if (sameMergeKey(d, b)) {
      // The image removed a key the device left alone.
      frame.out(undefined);
    } else {
      // The image removed a key the device changed.
      const decision = conflict(entry, root, names);
      report.removedByImage.push({ ...entry, decision: decision === 'device' ? 'kept' : 'dropped' });
      frame.out(decision === 'device' ? deviceCopy(d, skipped) : undefined);
    }
  }
  // Keys left out of the result leave holes in their lists.
  for (const list of lists) {
    let kept = 0;
    for (const key of list) if (key !== undefined) list[kept++] = key;
    list.length = kept;
  }
  for (let root = 0; root < ROOT_COUNT; root++) if ((tree.roots[root] ?? []).length === 0) delete tree.roots[root];
  report.volatileSkipped += skipped.count;
  return { tree, report };
}
