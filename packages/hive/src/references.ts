/**
 * References (format guide §7): a u32 whose low 28 bits are an object id
 * (section*1024 + slot) and whose top nibble names the store holding it.
 */
export const Store = {
  /** This file's heap (own references of a persistent hive). */
  HEAP: 0x0,
  ROM_FILE: 0x1,
  /** The ROM hive (own references of a ROM hive; links from a persistent hive). */
  ROM_HIVE: 0x2,
  VOLATILE: 0x4,
  INVALID: 0xf,
} as const;

export const ID_MASK = 0x0fffffff;

export function refStore(ref: number): number {
  return ref >>> 28;
}

export function refId(ref: number): number {
  return ref & ID_MASK;
}

export function makeRef(store: number, id: number): number {
  return ((store << 28) | (id & ID_MASK)) >>> 0;
}

/** Which link of a record a reference was read from. */
export type LinkKind = 'root' | 'sibling' | 'child' | 'value';

/**
 * A reference the reader did not follow: a persistent hive's link into a ROM hive that
 * was not supplied, or a store nibble this hive cannot resolve. The walk goes on past it.
 */
export interface UnresolvedLink {
  readonly kind: 'unresolved';
  readonly ref: number;
  readonly store: number;
  readonly id: number;
  readonly link: LinkKind;
  /** File offset of the u32 holding the reference. */
  readonly offset: number;
  /** `rom-broken`: a link into the ROM hive that does not resolve there (see `OpenHiveOptions.brokenRomLinks`). */
  readonly reason: 'rom-not-loaded' | 'unknown-store' | 'rom-broken';
}

/**
 * Narrows what `subkeys()`, `values()`, `findSubkey()` and `findValue()` yield: true for a
 * link the reader did not follow (into a ROM hive not given, or an unknown store), so that
 * the rest is a `HiveKey` or `HiveValue`.
 */
export function isUnresolvedLink(entry: unknown): entry is UnresolvedLink {
  return typeof entry === 'object' && entry !== null && (entry as { kind?: unknown }).kind === 'unresolved';
}
