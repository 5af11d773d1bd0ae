import { DEFAULT_REGISTRY_LIMITS, type RegistryLimits } from '@hivetool/registry';

/**
 * Caps applied while reading untrusted hives, so that hostile input ends in a
 * `LIMIT_EXCEEDED` error instead of a hang or a runaway allocation (the numbers and names
 * shared by every codec: `RegistryLimits` in @hivetool/registry).
 */
export type HiveLimits = Pick<RegistryLimits, 'maxDepth' | 'maxKeys' | 'maxValuesPerKey'>;

export const DEFAULT_LIMITS: Readonly<HiveLimits> = {
  maxDepth: DEFAULT_REGISTRY_LIMITS.maxDepth,
  maxKeys: DEFAULT_REGISTRY_LIMITS.maxKeys,
  maxValuesPerKey: DEFAULT_REGISTRY_LIMITS.maxValuesPerKey,
};

export function resolveLimits(partial: Partial<HiveLimits> | undefined): HiveLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}
