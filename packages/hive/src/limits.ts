/**
 * Caps applied while reading untrusted hives, so that hostile input ends in a
 * `LIMIT_EXCEEDED` error instead of a hang or a runaway allocation.
 */
export interface HiveLimits {
  /** Deepest key nesting a walk follows (a root's top-level keys are depth 1). */
  maxDepth: number;
  /** Most keys a walk visits. */
  maxKeys: number;
  /** Most values one key may have. */
  maxValuesPerKey: number;
}

export const DEFAULT_LIMITS: Readonly<HiveLimits> = {
  // Windows limits registry nesting to 512 levels; deeper input is hostile or damaged
  // (and each level lengthens every path below it). Raise it for forensic work.
  maxDepth: 512,
  // The object ids of a hive are section*1024+slot with at most 4096 sections.
  maxKeys: 4096 * 1024,
  maxValuesPerKey: 4096 * 1024,
};

export function resolveLimits(partial: Partial<HiveLimits> | undefined): HiveLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}
