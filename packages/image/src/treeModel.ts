import { KeyFlags, type HiveTree, type TreeKey } from '@hivetool/registry';

/** Limits for decoding untrusted images and streams. */
export interface ImageLimits {
  /** Deepest key nesting (Windows' limit is 512). */
  maxDepth: number;
  /** Most keys, and most values, a decoded registry may hold (a hive's id space). */
  maxRecords: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxDepth: 512, maxRecords: 4096 * 1024 };

/**
 * The keys of a tree that are persisted: volatile keys and their subtrees are never
 * written, as at shutdown (format guide §10). Returns a filtered view; keys are shared.
 */
export function persistentRoots(tree: HiveTree): Array<{ index: number; keys: TreeKey[] }> {
  const roots: Array<{ index: number; keys: TreeKey[] }> = [];
  for (let index = 0; index < 8; index++) {
    const keys = (tree.roots[index] ?? []).filter(isPersisted);
    if (keys.length > 0) roots.push({ index, keys });
  }
  return roots;
}

export function isPersisted(key: TreeKey): boolean {
  return ((key.flags ?? 0) & KeyFlags.VOLATILE) === 0;
}
