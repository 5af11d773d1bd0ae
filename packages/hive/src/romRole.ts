/**
 * The role of a hive (format guide §1, §7, §8): which roots it holds, and so which ROM
 * hive a persistent one links into. Pure.
 */

/**
 * What a hive's roots record says it holds. `system`: HKCR and/or HKLM (a `system.hv`, or
 * the ROM `default.hv` or `boot.hv`); `user`: HKCU only (a profile's `user.hv`, or the ROM
 * `user.hv`); `combined`: both (a hive in a RAM region holds both); `empty`: no root.
 * The ROM `boot.hv` and `default.hv` both hold HKLM only or HKLM and HKCR: their roots
 * cannot tell them apart (a system hive built over `default.hv` and given `boot.hv` is
 * found by its links, which do not resolve there).
 */
export type HiveRole = 'system' | 'user' | 'combined' | 'empty';

/** The role a roots record's first four entries give (format guide §8: 0 HKCR, 1 HKCU, 2 HKLM). */
export function hiveRole(rootRefs: readonly number[]): HiveRole {
  const system = (rootRefs[0] ?? 0) !== 0 || (rootRefs[2] ?? 0) !== 0;
  const user = (rootRefs[1] ?? 0) !== 0;
  return system && user ? 'combined' : system ? 'system' : user ? 'user' : 'empty';
}

/** The ROM hive a persistent hive of this role links into, as the image names it. */
export function romFileForRole(role: HiveRole): string {
  return role === 'user' ? 'the ROM user.hv' : role === 'system' ? 'the ROM default.hv' : 'a ROM hive';
}

/** Whether a persistent hive of role `hive` can link into a ROM hive of role `rom`. */
export function roleMatches(hive: HiveRole, rom: HiveRole): boolean {
  if (hive === 'empty') return true;
  if (hive === 'combined') return rom !== 'empty';
  return hive === rom;
}

/** A role in words, for messages. */
export const ROLE_WORDS: Record<HiveRole, string> = {
  system: 'a system hive (HKLM/HKCR: default.hv or boot.hv)',
  user: 'a user hive (HKCU: user.hv)',
  combined: 'a combined hive (system and user roots)',
  empty: 'an empty hive (no roots)',
};

