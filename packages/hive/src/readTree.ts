import { Hive, openHive } from './reader.js';
import type { HiveTree, TreeKey } from '@hivetool/registry';
import { walkTree } from './walk.js';

/**
 * Reads a whole hive (a `Hive`, or bytes opened with `openHive`'s defaults) into a plain
 * tree (names decoded, data copied out of the file so the tree outlives the bytes).
 * Unresolved links are skipped: use `walkTree` to see them.
 *
 * @throws {HiveFormatError} when the bytes are no hive (see `openHive`) or on any
 * structural error met on the walk (see `walkTree`).
 */
export function readTree(source: Hive | Uint8Array): HiveTree {
  const hive = source instanceof Hive ? source : openHive(source);
  const tree: HiveTree = { roots: {} };
  let top: TreeKey[] = [];
  // The walk is pre-order, so the open keys along the current path are a stack by depth.
  const open: TreeKey[] = [];
  // One walk over all roots: a key reached from two roots is an error, not a copy.
  walkTree(hive, {
    root(root) {
      top = [];
      tree.roots[root.index] = top;
      open.length = 0;
    },
    key(key, _path, depth) {
      const node: TreeKey = { name: key.name, flags: key.flags, values: [], subkeys: [] };
      open.length = depth - 1;
      (depth === 1 ? top : open[depth - 2]!.subkeys!).push(node);
      open.push(node);
    },
    value(value) {
      open[open.length - 1]!.values!.push({ name: value.name, type: value.type, data: value.data.slice(), flags: value.flags });
    },
  });
  return tree;
}
