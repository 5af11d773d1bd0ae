/**
 * The predefined roots, in the order of the hive's roots record (format guide §8):
 * index 0 HKEY_CLASSES_ROOT, 1 HKEY_CURRENT_USER, 2 HKEY_LOCAL_MACHINE, 3 HKEY_USERS.
 */
export const ROOT_NAMES = ['HKEY_CLASSES_ROOT', 'HKEY_CURRENT_USER', 'HKEY_LOCAL_MACHINE', 'HKEY_USERS'] as const;

export type RootName = (typeof ROOT_NAMES)[number];

const ALIASES = new Map<string, number>([
  ['HKEY_CLASSES_ROOT', 0],
  ['HKCR', 0],
  ['HKEY_CURRENT_USER', 1],
  ['HKCU', 1],
  ['HKEY_LOCAL_MACHINE', 2],
  ['HKLM', 2],
  ['HKEY_USERS', 3],
  ['HKU', 3],
]);

/** Root index for a root name or its short form (`HKLM`), case-insensitive; -1 if none. */
export function rootIndex(name: string): number {
  return ALIASES.get(name.toUpperCase()) ?? -1;
}

/** Name of root `index`; slots 4–7 of the roots record are unused and named `ROOT4`… */
export function rootName(index: number): string {
  return ROOT_NAMES[index] ?? `ROOT${index}`;
}

/**
 * Splits a registry path (`HKLM\Drivers\BuiltIn`) into its root index and key names.
 * Empty components (doubled or trailing backslashes) are dropped. Returns undefined
 * when the first component names no root.
 */
export function parseKeyPath(path: string): { root: number; names: string[] } | undefined {
  const parts = path.split('\\').filter((part) => part.length > 0);
  const first = parts.shift();
  if (first === undefined) return undefined;
  const root = rootIndex(first);
  if (root < 0) return undefined;
  return { root, names: parts };
}
