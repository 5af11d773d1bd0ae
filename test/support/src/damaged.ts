/**
 * A hive with 64 bytes overwritten, and what of it stays intact: the records reachable
 * from the roots without passing through a damaged one (docs/verify.md), computed from
 * the clean file and the damaged range, for the tests of every walk that skips damage.
 */
import { BLOCK_HEADER_SIZE } from '@hivetool/hive/layout';
import { openHive, walkTree, type HiveKey } from '@hivetool/hive';

export const DAMAGE_LENGTH = 64;

interface KeyEntry {
  path: string;
  parentPath: string;
  key: HiveKey;
}

interface ValueEntry {
  path: string;
  name: string;
  index: number;
  offset: number;
  end: number;
}

export interface DamagedHive {
  bytes: Uint8Array;
  /** The first byte overwritten; `DAMAGE_LENGTH` bytes from it. */
  offset: number;
  /** The path of the key whose record the range falls in. */
  damagedPath: string;
  /** Whether a key (`path`) or a value (`path`, `name`) is intact in the damaged copy. */
  intactKey(path: string): boolean;
  intactValue(path: string, name: string): boolean;
}

const fold = (text: string): string => text.toLowerCase();

/**
 * Overwrites `DAMAGE_LENGTH` bytes of a key record of `clean` (with 0xFF) from its block's
 * second word,
 * choosing the first key in tree order whose block holds the whole range, that has
 * subkeys and a later sibling, and below which (or in whose later siblings) `wanted`
 * says some key path is: so the damage cuts off a subtree and part of a sibling chain.
 */
export function damagedCopy(clean: Uint8Array, wanted: (path: string) => boolean): DamagedHive {
  const hive = openHive(clean);
  const keys: KeyEntry[] = [];
  const values: ValueEntry[] = [];
  const indexes = new Map<string, number>();
  walkTree(hive, {
    key(key, path) {
      keys.push({ key, path, parentPath: path.slice(0, path.lastIndexOf('\\')) });
    },
    value(value, _key, path) {
      const index = indexes.get(path) ?? 0;
      indexes.set(path, index + 1);
      values.push({ path, name: value.name, index, offset: value.offset, end: value.offset + BLOCK_HEADER_SIZE + value.size });
    },
  });
  const under = (path: string, top: string): boolean => fold(path) === fold(top) || fold(path).startsWith(fold(top) + '\\');
  /** The keys a damaged key at position `at` cuts off: itself and its later siblings. */
  const cutOff = (at: number): string[] => {
    const target = keys[at]!;
    return keys.slice(at).filter((entry) => entry.parentPath === target.parentPath).map((entry) => entry.path);
  };
  const at = keys.findIndex((entry, index) => {
    const { key } = entry;
    if (BLOCK_HEADER_SIZE + key.size < 4 + DAMAGE_LENGTH || key.firstChild === 0 || key.nextSibling === 0) return false;
    const lost = cutOff(index);
    return keys.some((other) => wanted(other.path) && lost.some((top) => under(other.path, top) && other.path !== top));
  });
  if (at < 0) throw new Error('no key of this hive fits the damage wanted');
  const target = keys[at]!;
  // The block's first word (its size and type) is kept, so the heap still tiles and the
  // section tables after it are found: the damage is the record's, not the heap's.
  const offset = target.key.offset + 4;
  const end = offset + DAMAGE_LENGTH;
  const bytes = clean.slice();
  bytes.fill(0xff, offset, end);

  // Records overlapping the range are damaged (only the target's, by the choice above; the
  // check stays general); a damaged key cuts off itself and its later siblings, with their
  // subtrees; a damaged value the rest of its key's value chain.
  const lostTops: string[] = [];
  keys.forEach((entry, index) => {
    if (entry.key.offset < end && entry.key.offset + BLOCK_HEADER_SIZE + entry.key.size > offset) lostTops.push(...cutOff(index));
  });
  const lostValueFrom = new Map<string, number>();
  for (const value of values) {
    if (value.offset < end && value.end > offset && (lostValueFrom.get(value.path) ?? Infinity) > value.index) lostValueFrom.set(value.path, value.index);
  }
  const intactKey = (path: string): boolean => !lostTops.some((top) => under(path, top));
  return {
    bytes,
    offset,
    damagedPath: target.path,
    intactKey,
    intactValue(path, name) {
      if (!intactKey(path)) return false;
      const from = lostValueFrom.get(path);
      if (from === undefined) return true;
      const value = values.find((entry) => entry.path === path && entry.name === name);
      return value !== undefined && value.index < from;
    },
  };
}
