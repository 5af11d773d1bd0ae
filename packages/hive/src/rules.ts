/**
 * The rules that decide what the reader follows, what the writer may write and what
 * `verifyHive` accepts. Reader, writer and verifier all call these, so that a hive one of
 * them accepts is one the others accept too.
 */

/**
 * Entries of the roots record that hold a registry root: 0 HKEY_CLASSES_ROOT,
 * 1 HKEY_CURRENT_USER, 2 HKEY_LOCAL_MACHINE, 3 HKEY_USERS. Entries 4–7 are unused (0 in
 * every sample, format guide §8): readers do not follow them, the writer does not write
 * them and `verifyHive` reports one that is set (`UNUSED_ROOT_SET`).
 */
export const REGISTRY_ROOTS = 4;

/** Whether entry `index` of the roots record is one readers follow (see `REGISTRY_ROOTS`). */
export function isRegistryRoot(index: number): boolean {
  return Number.isInteger(index) && index >= 0 && index < REGISTRY_ROOTS;
}

/**
 * Whether a key at nesting `depth` (1 for a root's top-level keys) is within `maxDepth`
 * (`limits.maxDepth`, 512 by default). The reader refuses to descend past it, `verifyHive`
 * reports `DEPTH_LIMIT` there and the writer refuses to write such a tree, so that no
 * command writes a hive another refuses to read.
 */
export function depthAllowed(depth: number, maxDepth: number): boolean {
  return depth <= maxDepth;
}
