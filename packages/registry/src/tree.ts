/** Key flags (format guide §8); other bits are kept as stored, meaning not known. */
export const KeyFlags = {
  /** On keys of a persistent hive that are modified copies of ROM keys. */
  ROM_COPY: 0x0002,
  /** Volatile key: its children are never persisted, and its stored firstChild is stale. */
  VOLATILE: 0x0008,
} as const;

/**
 * A registry tree as plain data: what the writer takes, and what `readTree` returns.
 * Children and values are in chain order (the order the reader walks them).
 */
export interface TreeValue {
  /** Stored name; the unnamed (default) value is `Default` (format guide §8). */
  name: string;
  type: number;
  data: Uint8Array;
  /** Value flags (name word high byte); 0 unless copying a persistent hive. */
  flags?: number;
}

export interface TreeKey {
  name: string;
  /** Key flags (`KeyFlags`); 0 by default. */
  flags?: number;
  values?: TreeValue[];
  subkeys?: TreeKey[];
}

/** Top-level keys of each root, by root index (0 HKCR, 1 HKCU, 2 HKLM, 3 HKU). */
export interface HiveTree {
  roots: Partial<Record<number, TreeKey[]>>;
}
