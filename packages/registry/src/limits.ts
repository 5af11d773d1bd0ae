/**
 * Numbers every codec of the registry shares, defined once: the entries of a hive's roots
 * record and the caps applied while reading untrusted input (hives, images, streams), so
 * that hostile input ends in a `LIMIT_EXCEEDED` error instead of a hang or a runaway
 * allocation.
 */

/** Entries of the roots record (format guide §8): 0–3 the registry roots, 4–7 unused. */
export const ROOT_COUNT = 8;

/** Caps for reading untrusted registries; each reader takes the ones it needs. */
export interface RegistryLimits {
  /** Deepest key nesting followed (a root's top-level keys are depth 1). */
  maxDepth: number;
  /** Most keys a reader visits (or a decoded registry holds). */
  maxKeys: number;
  /** Most values a decoded registry holds. */
  maxValues: number;
  /** Most values one key may have. */
  maxValuesPerKey: number;
}

/** The object ids of a hive are section × 1024 + slot with at most 4096 sections. */
const MAX_OBJECT_IDS = 4096 * 1024;

export const DEFAULT_REGISTRY_LIMITS: Readonly<RegistryLimits> = {
  // Windows limits registry nesting to 512 levels; deeper input is hostile or damaged
  // (and each level lengthens every path below it). Raise it for forensic work.
  maxDepth: 512,
  maxKeys: MAX_OBJECT_IDS,
  maxValues: MAX_OBJECT_IDS,
  maxValuesPerKey: MAX_OBJECT_IDS,
};
