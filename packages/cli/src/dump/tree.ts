import { HiveKey, walkTree, type Hive, type HiveRoot, type HiveValue, type UnresolvedLink } from '@hivetool/hive';
import { UsageError } from '../failures.js';

/** What a dump renderer receives, in tree pre-order. */
export interface DumpVisitor {
  key(key: HiveKey, path: string): void;
  value(value: HiveValue, key: HiveKey): void;
  unresolved(link: UnresolvedLink, path: string): void;
}

/** The parts of a hive a dump covers: every root, or the subtree at `--key`. */
export function dumpStarts(hive: Hive, keyPath: string | undefined): Array<{ node: HiveRoot | HiveKey; path: string }> {
  if (keyPath === undefined) return hive.roots().map((root) => ({ node: root, path: root.name }));
  const found = hive.lookup(keyPath);
  if (found.found) return [found];
  if (found.stoppedAt !== undefined) {
    throw new UsageError(`key not found in this file: ${keyPath} (the search for "${found.missing}" under ${found.path} reached a ${describeLink(found.stoppedAt)})`);
  }
  throw new UsageError(`key not found: ${keyPath} (no "${found.missing}" under ${found.path})`);
}

export type DumpStarts = ReturnType<typeof dumpStarts>;

/** Walks what `dumpStarts` selected, the start key itself included. */
export function walkForDump(starts: DumpStarts, visitor: DumpVisitor): void {
  for (const { node, path } of starts) {
    walkTree(node, path, {
      key: (key, keyPathName) => visitor.key(key, keyPathName),
      value: (value, key) => visitor.value(value, key),
      unresolved: (link, parentPath) => visitor.unresolved(link, parentPath),
    }, { includeStart: node instanceof HiveKey });
  }
}

/** `child link → 0x20000123 (store 2, id 291): ROM hive not loaded` */
export function describeLink(link: UnresolvedLink): string {
  const target = `0x${link.ref.toString(16).padStart(8, '0')} (store ${link.store}, id ${link.id})`;
  const why = link.reason === 'rom-not-loaded' ? 'ROM hive not loaded' : 'store this hive cannot resolve';
  return `${link.link} link → ${target}: ${why}`;
}
