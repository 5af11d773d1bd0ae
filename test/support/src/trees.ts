import { KeyFlags, ROOT_COUNT, type HiveTree } from '@hivetool/registry';

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
