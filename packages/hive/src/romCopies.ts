/**
 * Same-build evidence (format guide §8–§9): a persistent key copy (flags 0x2) replaces its
 * ROM original on the sibling chain, so the original's name is no longer on that chain.
 * A copy whose name is still on the ROM chain it links into was built against another
 * build of the ROM (one with the same signature). Pure.
 */
import { isHiveFormatError } from './errors.js';
import { KeyFlags, type HiveKey, type KeyNode } from './records.js';
import type { Hive } from './reader.js';

/** A persistent key copy (flags 0x2) whose ROM original is still on the chain it replaces. */
export interface RomCopy {
  /** The key's path in the effective registry. */
  path: string;
  /** File offset of the copy's block in the persistent hive. */
  offset: number;
}

/** The copies found (`count`), the first `listed` of them, and whether the walk went to the end. */
export interface RomCopies {
  count: number;
  checked: boolean;
  first: RomCopy[];
}

/**
 * Walks the keys stored in the file (a ROM key's subtree is all ROM), and on each sibling
 * chain compares the names of the file's copies with those of the ROM keys on it.
 * Iterative, each file key visited once; stops quietly at a record it cannot read.
 */
export function findRomCopies(hive: Hive, listed: number): RomCopies {
  const result: { copies: RomCopies } = { copies: { count: 0, checked: false, first: [] } };
  const stack: Array<{ node: KeyNode; path: string }> = hive.roots().map((root) => ({ node: root, path: root.name }));
  const seen = new Set<number>();
  const limit = hive.sectionCount * 1024 + 1;
  try {
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      const copies: HiveKey[] = [];
      const romNames = new Set<string>();
      for (const entry of node.subkeys()) {
        if (entry.kind !== 'key') continue;
        if (entry.store !== hive) {
          romNames.add(entry.name.toUpperCase());
          continue;
        }
        if (seen.has(entry.offset) || seen.size >= limit) return result.copies;
        seen.add(entry.offset);
        if ((entry.flags & KeyFlags.ROM_COPY) !== 0) copies.push(entry);
        if (entry.firstChild !== 0 && (entry.flags & KeyFlags.VOLATILE) === 0) stack.push({ node: entry, path: `${path}\\${entry.name}` });
      }
      for (const copy of copies) {
        if (!romNames.has(copy.name.toUpperCase())) continue;
        result.copies.count++;
        if (result.copies.first.length < listed) result.copies.first.push({ path: `${path}\\${copy.name}`, offset: copy.offset });
      }
    }
    result.copies.checked = true;
  } catch (error) {
    if (!isHiveFormatError(error)) throw error;
  }
  return result.copies;
}
