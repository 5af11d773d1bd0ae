import { KeyFlags, ROOT_COUNT, decodeValue, foldName, parseKeyPath, toHex, type HiveTree } from '@hivetool/registry';

/**
 * A tree as pre-order lines (root/depth, name, flags, values with type, flags and bytes),
 * built iteratively so trees of any depth compare; `maskRomCopy` drops the 0x2 flag a
 * persistent hive puts on copies of ROM keys.
 */
export function flattenTree(tree: HiveTree, options: { maskRomCopy?: boolean } = {}): string[] {
  const mask = options.maskRomCopy === true ? ~KeyFlags.ROM_COPY : ~0;
  const lines: string[] = [];
  for (let root = 0; root < ROOT_COUNT; root++) {
    const stack = [...(tree.roots[root] ?? [])].reverse().map((key) => ({ key, depth: 1 }));
    while (stack.length > 0) {
      const { key, depth } = stack.pop()!;
      const values = (key.values ?? []).map((v) => `${JSON.stringify(v.name)}:${v.type}:${v.flags ?? 0}:${Buffer.from(v.data).toString('hex')}`);
      lines.push(`${root}/${depth} ${JSON.stringify(key.name)} ${(key.flags ?? 0) & mask} [${values.join(' ')}]`);
      for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, depth: depth + 1 });
    }
  }
  return lines;
}

/**
 * A value's typed reading (a string, a number, a list of strings; other types as lower-case
 * hex), or undefined when its key or the value is absent. Names compare case-insensitively.
 */
export function treeValue(tree: HiveTree, path: string, name: string): string | number | readonly string[] | undefined {
  const parsed = parseKeyPath(path);
  if (parsed === undefined) throw new Error(`treeValue: ${path} does not start with a root`);
  let keys = tree.roots[parsed.root] ?? [];
  let key;
  for (const part of parsed.names) {
    key = keys.find((candidate) => foldName(candidate.name) === foldName(part));
    if (key === undefined) return undefined;
    keys = key.subkeys ?? [];
  }
  const value = key?.values?.find((candidate) => foldName(candidate.name) === foldName(name));
  if (value === undefined) return undefined;
  const decoded = decodeValue(value.type, value.data);
  return decoded.kind === 'string' || decoded.kind === 'number' || decoded.kind === 'strings' ? decoded.value : toHex(value.data);
}
