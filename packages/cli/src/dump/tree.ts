import { HiveKey, ReachedRecords, hexBytes, walkRecords, type DamageLoss, type RecordVisitor, type Hive, type HiveFormatError, type HiveRoot, type UnresolvedLink } from '@hivetool/hive';
import type { SkippedRecords } from '../damage.js';
import { parseKeyPath, regHeader, rootName, type RegStyle } from '@hivetool/registry';
import { UsageError } from '../failures.js';

/**
 * The file a record is read from: its name (and a value's data) are rendered from these
 * bytes, as stored, with no string or view made for them.
 */
export interface DumpStore {
  readonly bytes: Uint8Array;
}

/** A key as the dump renderers see it: a hive's `HiveKey`, or a record of an image. */
export interface DumpKey {
  readonly flags: number;
  readonly id: number;
  readonly offset: number;
  readonly source: string;
  readonly store: DumpStore;
  /** The name: `nameLength` UTF-16LE units at `nameOffset` of `store.bytes`. */
  readonly nameOffset: number;
  readonly nameLength: number;
}

/** A value as the dump renderers see it: a key's fields, and its type and data. */
export interface DumpValue extends DumpKey {
  readonly type: number;
  /** The data: `dataLength` bytes at `dataOffset` of `store.bytes`. */
  readonly dataOffset: number;
  readonly dataLength: number;
}

/** What a dump renders above the keys of one input. */
export interface DumpHeader {
  file: string;
  kind: string;
  fileLength: number;
  romSignature: string | null;
}

/**
 * What a dump renderer receives, in tree pre-order. A key or value given to `key` or
 * `value` is valid only during that call: a hive's walk reuses one object for every key
 * and one for every value (`walkRecords`), so a renderer copies what it needs to keep.
 */
export interface DumpVisitor {
  /**
   * A walk starts at `path` (a root, or the --key key); the keys that follow are under it,
   * their depth counted from it (0: the start key itself, 1: a root's top-level keys).
   */
  start(path: string): void;
  /** A key, in pre-order. */
  key(key: DumpKey, depth: number): void;
  value(value: DumpValue): void;
  unresolved(link: UnresolvedLink, path: string): void;
  /** A damaged record or link the walk skipped, in the chain of the key at `path`. */
  damaged(error: HiveFormatError, path: string, lost: DamageLoss): void;
}

/** What a damaged record cuts off, in words. */
export const LOST_WORDS: Readonly<Record<DamageLoss, string>> = {
  keys: 'a subkey and the rest of its chain (with their subkeys) cannot be read',
  values: 'a value and the rest of its chain cannot be read',
  subkeys: 'its subkeys are not followed',
};

/** The parts of a hive a dump covers: every root, or the subtree at `--key`. */
export function dumpStarts(hive: Hive, keyPath: string | undefined): Array<{ node: HiveRoot | HiveKey; path: string }> {
  if (keyPath === undefined) return hive.roots().map((root) => ({ node: root, path: root.name }));
  // A root with no keys in this file is as absent as a missing subkey.
  const parsed = parseKeyPath(keyPath);
  if (parsed !== undefined && parsed.names.length === 0 && hive.rootRefs()[parsed.root] === 0) {
    throw new UsageError(`key not found: ${keyPath} (this file has no ${rootName(parsed.root)} root)`);
  }
  const found = hive.lookup(keyPath);
  if (found.found) return [found];
  if (found.stoppedAt !== undefined) {
    throw new UsageError(`key not found in this file: ${keyPath} (the search for "${found.missing}" under ${found.path} reached a ${describeLink(found.stoppedAt)})`);
  }
  throw new UsageError(`key not found: ${keyPath} (no "${found.missing}" under ${found.path})`);
}

export type DumpStarts = ReturnType<typeof dumpStarts>;

/**
 * Walks what `dumpStarts` selected, the start key itself included; with `skipped`, a
 * damaged record is skipped (the renderer told, the count kept) and the walk goes on.
 * The renderer gets each key and value as the walk's reused cursor (`walkRecords`):
 * valid only during its call, as `DumpVisitor` says.
 */
export function walkForDump(starts: DumpStarts, visitor: DumpVisitor, skipped?: SkippedRecords): void {
  // One set for all the roots: a key two roots point at is an error, as in verify.
  const reached = new ReachedRecords();
  const records: RecordVisitor = {
    key: (key, depth) => visitor.key(key, depth),
    value: (value) => visitor.value(value),
    unresolved: (link, parentPath) => visitor.unresolved(link, parentPath),
    damaged: (error, parentPath, lost) => {
      skipped?.damaged(error, parentPath, lost);
      visitor.damaged(error, parentPath, lost);
    },
  };
  for (const { node, path } of starts) {
    visitor.start(path);
    walkRecords(node, path, records, { includeStart: node instanceof HiveKey, reached, paths: false, ...(skipped === undefined ? {} : { skipDamaged: skipped.skip }) });
  }
}

export function hiveHeader(hive: Hive, file: string): DumpHeader {
  return { file, kind: hive.kind, fileLength: hive.file.length, romSignature: hexBytes(hive.header.romSignature) };
}

/** `child link → 0x20000123 (store 2, id 291): ROM hive not loaded` */
export function describeLink(link: UnresolvedLink): string {
  const target = `0x${link.ref.toString(16).padStart(8, '0')} (store ${link.store}, id ${link.id})`;
  const why = link.reason === 'rom-not-loaded' ? 'ROM hive not loaded' : link.reason === 'rom-broken' ? 'does not resolve in the ROM hive given (it failed the ROM check)' : 'store this hive cannot resolve';
  return `${link.link} link → ${target}: ${why}`;
}

/**
 * What goes between the parts of the files that could be opened: the .reg header before
 * the first, commas between JSON documents. `first` is whether this part is the first.
 */
export function partSeparator(format: 'reg' | 'json' | 'raw' | 'csv' | 'jsonl' | 'parquet', first: boolean, style: RegStyle = 'ce'): string {
  switch (format) {
    case 'reg':
      return first ? regHeader(style) + '\n' : '';
    case 'json':
      return first ? '\n' : ',\n';
    case 'raw':
    case 'csv':
    case 'jsonl':
    case 'parquet':
      // A table's header (CSV) or head (Parquet) is written once for the run (table/output.ts).
      return '';
  }
}
