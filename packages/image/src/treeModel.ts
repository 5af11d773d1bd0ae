import { DEFAULT_REGISTRY_LIMITS, KeyFlags, ROOT_COUNT, type HiveTree, type RegistryLimits, type TreeKey } from '@hivetool/registry';

/**
 * Limits for decoding untrusted images and streams: the names and defaults every codec
 * shares (`RegistryLimits`).
 */
export interface ImageLimits extends Pick<RegistryLimits, 'maxDepth' | 'maxKeys' | 'maxValues'> {
  /** @deprecated use `maxKeys` and `maxValues`; when given, it caps both. */
  maxRecords?: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = { maxDepth: DEFAULT_REGISTRY_LIMITS.maxDepth, maxKeys: DEFAULT_REGISTRY_LIMITS.maxKeys, maxValues: DEFAULT_REGISTRY_LIMITS.maxValues };

/** The limits to apply: the defaults, with `maxRecords` (the former name) standing for both counts. */
export function resolveImageLimits(limits: Partial<ImageLimits>): ImageLimits {
  const { maxRecords, ...rest } = limits;
  const both = maxRecords === undefined ? {} : { maxKeys: maxRecords, maxValues: maxRecords };
  return { ...DEFAULT_IMAGE_LIMITS, ...both, ...rest };
}

/**
 * The keys of a tree that are persisted: volatile keys and their subtrees are never
 * written, as at shutdown (format guide §10). Returns a filtered view; keys are shared.
 */
export function persistentRoots(tree: HiveTree): Array<{ index: number; keys: TreeKey[] }> {
  const roots: Array<{ index: number; keys: TreeKey[] }> = [];
  for (let index = 0; index < ROOT_COUNT; index++) {
    const keys = (tree.roots[index] ?? []).filter(isPersisted);
    if (keys.length > 0) roots.push({ index, keys });
  }
  return roots;
}

export function isPersisted(key: TreeKey): boolean {
  return ((key.flags ?? 0) & KeyFlags.VOLATILE) === 0;
}
