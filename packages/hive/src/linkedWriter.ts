import { KeyFlags, ROOT_COUNT, foldName, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';
import { HiveFormatError } from './errors.js';
import type { Hive } from './reader.js';
import { Store, makeRef } from './references.js';
import { walkTree } from './walk.js';
import { encodeHive, type EncodeHiveOptions, type LinkedTreeKey } from './writer.js';

/** A ROM key with the references of itself and its values, as `romKeys` reads them. */
interface RomKey {
  name: string;
  flags: number;
  ref: number;
  values: Array<TreeValue & { ref: number }>;
  subkeys: RomKey[];
}

/** The ROM hive's tree with every record's reference (nibble 2), in chain order. */
function romKeys(rom: Hive): RomKey[][] {
  const roots: RomKey[][] = [];
  for (let index = 0; index < ROOT_COUNT; index++) roots.push([]);
  let top: RomKey[] = [];
  const open: RomKey[] = [];
  walkTree(rom, {
    root(root) {
      top = roots[root.index]!;
      open.length = 0;
    },
    key(key, _path, depth) {
      const node: RomKey = { name: key.name, flags: key.flags, ref: makeRef(Store.ROM_HIVE, key.id), values: [], subkeys: [] };
      open.length = depth - 1;
      (depth === 1 ? top : open[depth - 2]!.subkeys).push(node);
      open.push(node);
    },
    value(value) {
      open[open.length - 1]!.values.push({ name: value.name, type: value.type, data: value.data, flags: value.flags, ref: makeRef(Store.ROM_HIVE, value.id) });
    },
  });
  return roots;
}



function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameValue(edited: TreeValue, rom: TreeValue): boolean {
  return edited.name === rom.name && edited.type === rom.type && (edited.flags ?? 0) === (rom.flags ?? 0) && sameBytes(edited.data, rom.data);
}

/** The key flags that describe the registry, not how it is stored. */
const meaningfulFlags = (flags: number | undefined): number => (flags ?? 0) & ~KeyFlags.ROM_COPY;

/**
 * Pairs every edited key with the ROM key of the same name under the paired parent, and
 * decides, bottom-up and without recursion, which edited subtrees equal their ROM
 * counterpart exactly (names, flags, values and their order, subkeys and their order).
 */
function pairAndCompare(edited: HiveTree, rom: RomKey[][]): { counterpart: Map<TreeKey, RomKey>; unchanged: Set<TreeKey> } {
  const counterpart = new Map<TreeKey, RomKey>();
  const unchanged = new Set<TreeKey>();
  const order: Array<{ key: TreeKey; romKey: RomKey }> = [];
  const pair = (keys: TreeKey[], romList: RomKey[]): void => {
    const byName = new Map(romList.map((romKey) => [foldName(romKey.name), romKey]));
    for (const key of keys) {
      const romKey = byName.get(foldName(key.name));
      if (romKey === undefined) continue;
      counterpart.set(key, romKey);
      order.push({ key, romKey });
    }
  };
  for (let index = 0; index < ROOT_COUNT; index++) pair(edited.roots[index] ?? [], rom[index]!);
  for (let i = 0; i < order.length; i++) pair(order[i]!.key.subkeys ?? [], order[i]!.romKey.subkeys);
  // Children come after their parents in `order`, so walking it backwards decides
  // every child before its parent.
  for (let i = order.length - 1; i >= 0; i--) {
    const { key, romKey } = order[i]!;
    const values = key.values ?? [];
    const subkeys = key.subkeys ?? [];
    const same =
      key.name === romKey.name &&
      meaningfulFlags(key.flags) === meaningfulFlags(romKey.flags) &&
      values.length === romKey.values.length &&
      values.every((value, j) => sameValue(value, romKey.values[j]!)) &&
      subkeys.length === romKey.subkeys.length &&
      subkeys.every((child, j) => counterpart.get(child) === romKey.subkeys[j] && unchanged.has(child));
    if (same) unchanged.add(key);
  }
  return { counterpart, unchanged };
}

interface LinkedList<T> {
  items: T[];
  /** Reference of the first ROM entry of the shared tail, 0 when nothing is shared. */
  tail: number;
}

/**
 * Splits a chain into what the file must store and the longest tail it can share with the
 * ROM chain: a chain is singly linked and ROM records link only within ROM, so only a
 * suffix of the ROM chain, unchanged, can be shared.
 */
function shareTail<E, R extends { ref: number }>(edited: E[], rom: R[], same: (e: E, r: R) => boolean): LinkedList<E> {
  let shared = 0;
  while (shared < edited.length && shared < rom.length && same(edited[edited.length - 1 - shared]!, rom[rom.length - 1 - shared]!)) shared++;
  return { items: edited.slice(0, edited.length - shared), tail: shared === 0 ? 0 : rom[rom.length - shared]!.ref };
}

/**
 * Builds a persistent hive that, read through `rom`, is exactly `edited`: it stores only
 * what differs (copies of changed ROM keys, flagged 0x2 as Windows CE does, and new keys
 * and values) and links to every unchanged part of the ROM (format guide §9). It carries
 * the ROM hive's signature, so the device keeps it at boot.
 *
 * @throws {HiveFormatError} `NOT_A_ROM_HIVE` if `rom` is not a ROM hive; the writer's limits.
 */
export function encodeLinkedHive(rom: Hive, edited: HiveTree, options: Omit<EncodeHiveOptions, 'layout' | 'rootLinks' | 'romSignature'> = {}): Uint8Array {
  if (rom.kind !== 'rom') {
    throw new HiveFormatError('NOT_A_ROM_HIVE', { what: 'a linked persistent hive needs a ROM hive to link into', offset: rom.rootsOffset });
  }
  const romTree = romKeys(rom);
  const { counterpart, unchanged } = pairAndCompare(edited, romTree);
  const sameKey = (key: TreeKey, romKey: RomKey): boolean => counterpart.get(key) === romKey && unchanged.has(key);

  const roots: Partial<Record<number, LinkedTreeKey[]>> = {};
  const rootLinks: Partial<Record<number, number>> = {};
  // Work items: an edited key list to turn into stored keys, under a ROM list (or none).
  const work: Array<{ keys: TreeKey[]; romList: RomKey[]; out: (list: LinkedTreeKey[], tail: number) => void; index?: number }> = [];
  for (let index = 0; index < ROOT_COUNT; index++) {
    work.push({
      index,
      keys: edited.roots[index] ?? [],
      romList: romTree[index]!,
      out: (list, tail) => {
        if (list.length > 0) roots[index] = list;
        if (tail !== 0) rootLinks[index] = tail;
      },
    });
  }
  // A persistent hive is told from a ROM hive by a root pointing into the file (format
  // guide §7, `detectKind`): if every root would link straight into ROM, the first
  // top-level key is stored as a copy anyway.
  const anyStored = (index: number): boolean => shareTail(edited.roots[index] ?? [], romTree[index]!, sameKey).items.length > 0;
  const forced = [0, 1, 2, 3, 4, 5, 6, 7].some(anyStored) ? -1 : [0, 1, 2, 3, 4, 5, 6, 7].find((index) => (edited.roots[index] ?? []).length > 0) ?? -1;
  while (work.length > 0) {
    const { keys, romList, out, index } = work.pop()!;
    const shared = shareTail(keys, romList, sameKey);
    // Forced: every key of this list is shared with ROM (it is ROM's chain from some key
    // on); store the first and link to the ROM key after it.
    const { items, tail } = index === forced && shared.items.length === 0 ? { items: keys.slice(0, 1), tail: romList[romList.length - keys.length + 1]?.ref ?? 0 } : shared;
    const stored: LinkedTreeKey[] = items.map((key) => {
      const romKey = counterpart.get(key);
      if (romKey === undefined) return key; // a new key: everything under it is new too
      // A copy of a ROM key: its own values and subkeys share what they can with ROM.
      const copy: LinkedTreeKey = { name: key.name, flags: meaningfulFlags(key.flags) | KeyFlags.ROM_COPY };
      const values = shareTail(key.values ?? [], romKey.values, sameValue);
      copy.values = values.items;
      if (values.tail !== 0) copy.valuesLink = values.tail;
      work.push({
        keys: key.subkeys ?? [],
        romList: romKey.subkeys,
        out: (list, subkeysTail) => {
          copy.subkeys = list;
          if (subkeysTail !== 0) copy.subkeysLink = subkeysTail;
        },
      });
      return copy;
    });
    out(stored, tail);
  }
  return encodeHive({ roots }, { ...options, layout: 'persistent', rootLinks, romSignature: rom.header.romSignature.slice(), virtbase: options.virtbase ?? rom.header.virtbase });
}
