import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, SLOTS_PER_SECTION } from './layout.js';
import { Hive, openHive } from './reader.js';
import { KeyFlags, decodeUtf16 } from '@hivetool/registry';
import { HiveKey, HiveRoot, KeyCursor, KeyField, ValueCursor, ValueField, type HiveValue, type RecordStore } from './records.js';
import type { LinkKind, UnresolvedLink } from './references.js';
import { depthAllowed } from './rules.js';

/** Receives the tree in pre-order: a key, then its values, then its subkeys. */
export interface TreeVisitor {
  /** A key; `path` is its full path, `depth` 1 for a root's top-level keys. */
  key?(key: HiveKey, path: string, depth: number): void;
  value?(value: HiveValue, key: HiveKey, path: string): void;
  /** A link that was not followed; `path` is the key whose chain it is in. */
  unresolved?(link: UnresolvedLink, path: string): void;
  /** When walking a whole hive: a registry root, before its keys. */
  root?(root: HiveRoot): void;
  /**
   * A damaged record or link the walk passed over (only with `skipDamaged`): `path` is the
   * key whose chain it is in; `lost` what cannot be reached past it (the rest of a chain
   * of subkeys and what is below them, the rest of a chain of values, a key's subkeys).
   */
  damaged?(error: HiveFormatError, path: string, lost: DamageLoss): void;
}

/**
 * What a damaged record or link cuts off: `keys` the key it should be and the rest of its
 * sibling chain (with their subtrees); `values` the value and the rest of the key's value
 * chain; `subkeys` the subkeys of a key (a cycle back or nesting too deep).
 */
export type DamageLoss = 'keys' | 'values' | 'subkeys';

export interface WalkOptions {
  /** When starting at a key, report that key (at depth 0) and its values first. */
  includeStart?: boolean;
  /**
   * Records reached by earlier walks: give one `ReachedRecords` to several walks (of the
   * roots of one hive) so that a record reached by two of them is an error, as in one walk.
   */
  reached?: ReachedRecords;
  /**
   * Which errors the walk skips instead of throwing (without it, the first error met is
   * thrown). A skipped record and what only it leads to are passed over, reported to
   * `visitor.damaged`, and the walk goes on with what else it reaches: everything intact
   * (reachable from the roots without passing through a damaged record) is visited. The
   * caps on counts (`maxKeys`, `maxValuesPerKey`) always throw.
   */
  skipDamaged?: (error: HiveFormatError) => boolean;
  /**
   * false: `visitor.key` and `visitor.value` get `''` for the path, so a walk that does not
   * use it builds no string per key (names are not decoded). Unresolved links and errors
   * still name the full path, built when needed. Default true.
   */
  paths?: boolean;
}

interface Frame {
  /** Next reference to follow in this sibling chain (0 = chain done). */
  ref: number;
  /** File offset the reference was read from, for error reports. */
  from: number;
  link: 'root' | 'child' | 'sibling';
  store: RecordStore;
  /** Path of the key whose chain this is (undefined until needed, with `paths: false`). */
  parentPath: string | undefined;
  /** That key (undefined for the frame a walk starts with, whose path is always set). */
  parent: HiveKey | undefined;
  depth: number;
}

/** The path of the key whose chain `stack[index]` is, built (and kept) from the frames below it when not set yet. */
function pathAt(stack: Frame[], index: number): string {
  let from = index;
  while (stack[from]!.parentPath === undefined) from--;
  for (let i = from + 1; i <= index; i++) stack[i]!.parentPath = stack[i - 1]!.parentPath! + '\\' + stack[i]!.parent!.name;
  return stack[index]!.parentPath!;
}

/**
 * Tracks which object ids a walk has reached, one bit per possible id of each store, so
 * that any record reached twice (a cycle, or two links to one record, two roots
 * included) is an error instead of a hang or a duplicated subtree.
 */
export class ReachedRecords {
  private readonly bits = new Map<RecordStore, Uint8Array>();
  // The store marked last and its bits: a walk stays in one store but for links into ROM.
  private lastStore: RecordStore | undefined;
  private lastBits: Uint8Array = new Uint8Array(0);

  /** Marks `id`; returns false if it was marked already. */
  mark(store: RecordStore, id: number): boolean {
    let bits = this.lastBits;
    if (store !== this.lastStore) {
      let stored = this.bits.get(store);
      if (stored === undefined) {
        stored = new Uint8Array((capacityOf(store) + 7) >>> 3);
        this.bits.set(store, stored);
      }
      this.lastStore = store;
      this.lastBits = bits = stored;
    }
    const byte = id >>> 3;
    const mask = 1 << (id & 7);
    if (byte >= bits.length) return true; // the reader already refused ids outside the store
    if ((bits[byte]! & mask) !== 0) return false;
    bits[byte] = bits[byte]! | mask;
    return true;
  }
}

/** Store capacity in ids: sections × 1024. */
function capacityOf(store: RecordStore): number {
  return store.sectionCount * SLOTS_PER_SECTION;
}

/**
 * Walks a whole hive (a `Hive`, or bytes opened with `openHive`'s defaults): every
 * registry root in index order (`visitor.root` before each), as one walk, so a record
 * reached from two roots is an error too. Or walks the subtree under `start` (a root or a
 * key; the start is reported only with `includeStart`), paths starting with `startPath`.
 *
 * Depth first and iterative: no recursion, so nesting depth is bounded only by
 * `limits.maxDepth`. Every key and value is reached at most once; a second arrival
 * throws `SIBLING_CYCLE`, `CHILD_CYCLE` or `VALUE_CYCLE`.
 *
 * @throws {HiveFormatError} on any structural error met on the way.
 */
export function walkTree(hive: Hive | Uint8Array, visitor: TreeVisitor, options?: WalkOptions): void;
export function walkTree(start: HiveRoot | HiveKey, startPath: string, visitor: TreeVisitor, options?: WalkOptions): void;
export function walkTree(
  start: Hive | Uint8Array | HiveRoot | HiveKey,
  pathOrVisitor: string | TreeVisitor,
  visitorOrOptions?: TreeVisitor | WalkOptions,
  maybeOptions: WalkOptions = {},
): void {
  if (start instanceof Hive || start instanceof Uint8Array) {
    const hive = start instanceof Hive ? start : openHive(start);
    const visitor = pathOrVisitor as TreeVisitor;
    const options = (visitorOrOptions as WalkOptions | undefined) ?? {};
    const reached = options.reached ?? new ReachedRecords();
    for (const root of hive.roots()) {
      visitor.root?.(root);
      walkSubtree(root, root.name, visitor, { ...options, reached });
    }
    return;
  }
  walkSubtree(start, pathOrVisitor as string, visitorOrOptions as TreeVisitor, maybeOptions);
}

function walkSubtree(start: HiveRoot | HiveKey, startPath: string, visitor: TreeVisitor, options: WalkOptions): void {
  const seen = options.reached ?? new ReachedRecords();
  const paths = options.paths !== false;
  const limits = start.store.limits;
  let keyCount = 0;
  const stack: Frame[] = [];
  const first = startFrame(start, startPath);
  if (first === undefined) return;
  if (start instanceof HiveKey) {
    if (!seen.mark(start.store, start.id)) {
      throw new HiveFormatError('CHILD_CYCLE', { what: `key id ${start.id} was reached by an earlier walk`, offset: start.offset });
    }
    if (options.includeStart === true) {
      visitor.key?.(start, startPath, 0);
      walkValues(start, () => startPath, paths ? startPath : '', seen, visitor, options);
    }
  }
  stack.push(first);

  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.ref === 0) {
      stack.pop();
      continue;
    }
    let key: ReturnType<RecordStore['resolveKey']>;
    try {
      key = frame.store.resolveKey(frame.ref, frame.link, frame.from);
    } catch (error) {
      if (!skippable(error, options)) throw error;
      visitor.damaged?.(error, pathAt(stack, stack.length - 1), 'keys');
      frame.ref = 0;
      continue;
    }
    if (key.kind === 'unresolved') {
      visitor.unresolved?.(key, pathAt(stack, stack.length - 1));
      frame.ref = 0;
      continue;
    }
    if (!seen.mark(key.store, key.id)) {
      const cycle = new HiveFormatError(frame.link === 'sibling' ? 'SIBLING_CYCLE' : 'CHILD_CYCLE', {
        what: `${frame.link} link reaches key id ${key.id} a second time`,
        offset: frame.from,
        actual: `reference 0x${frame.ref.toString(16)}`,
      });
      if (!skippable(cycle, options)) throw cycle;
      // The link is not followed: what it leads to was (or will be) reached the other way.
      visitor.damaged?.(cycle, pathAt(stack, stack.length - 1), frame.link === 'sibling' ? 'keys' : 'subkeys');
      frame.ref = 0;
      continue;
    }
    if (++keyCount > limits.maxKeys) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'more keys than maxKeys', offset: key.offset, expected: `≤ ${limits.maxKeys}` });
    }
    // Advance this chain before descending, so the frame is ready when the children are done.
    frame.ref = key.nextSibling;
    frame.from = key.offset + BLOCK_HEADER_SIZE + KeyField.nextSibling;
    frame.link = 'sibling';

    const path = paths ? frame.parentPath + '\\' + key.name : '';
    const top = stack.length - 1;
    const pathOf = (): string => (paths ? path : pathAt(stack, top) + '\\' + key.name);
    visitor.key?.(key, path, frame.depth);
    walkValues(key, pathOf, path, seen, visitor, options);

    const child = key.isVolatile ? 0 : key.firstChild;
    if (child !== 0) {
      if (!depthAllowed(frame.depth + 1, limits.maxDepth)) {
        const deep = new HiveFormatError('DEPTH_LIMIT', { what: `key nesting deeper than maxDepth under ${shortPath(pathOf())}`, offset: key.offset, expected: `≤ ${limits.maxDepth}` });
        if (!skippable(deep, options)) throw deep;
        visitor.damaged?.(deep, pathOf(), 'subkeys');
        continue;
      }
      stack.push({
        ref: child,
        from: key.offset + BLOCK_HEADER_SIZE + KeyField.firstChild,
        link: 'child',
        store: key.store,
        parentPath: paths ? path : undefined,
        parent: key,
        depth: frame.depth + 1,
      });
    }
  }
}

/**
 * Receives the records of `walkRecords` in pre-order: a key, then its values, then its
 * subkeys. The key and value given are cursors the walk reuses for every record: valid
 * only during the call (see `KeyCursor`).
 */
export interface RecordVisitor {
  /** A key; `depth` 1 for a root's top-level keys, 0 for the start key; `path` as in `TreeVisitor.key`. */
  key?(key: KeyCursor, depth: number, path: string): void;
  /** A value of the key visited last; `path` is that key's (`''` with `paths: false`). */
  value?(value: ValueCursor, path: string): void;
  unresolved?(link: UnresolvedLink, path: string): void;
  damaged?(error: HiveFormatError, path: string, lost: DamageLoss): void;
}

/**
 * `walkTree` of the subtree under `start` without an object per record: the same walk
 * (the same order, checks, errors, skips, caps and reports, the same `WalkOptions`), but
 * each key and value reaches the visitor as a cursor the walk reuses, its fields read
 * from the file, and the walk's own stack is a set of arrays. For walks over every record
 * of a large hive (`dump`), where a `HiveKey` and `HiveValue` per record and their
 * garbage are a large part of the time. A visitor never keeps a cursor past its call.
 *
 * @throws {HiveFormatError} on any structural error met on the way (see `walkTree`).
 */
export function walkRecords(start: HiveRoot | HiveKey, startPath: string, visitor: RecordVisitor, options: WalkOptions = {}): void {
  const seen = options.reached ?? new ReachedRecords();
  const paths = options.paths !== false;
  const limits = start.store.limits;
  const maxKeys = limits.maxKeys;
  const maxDepth = limits.maxDepth;
  const key = new KeyCursor(start.store);
  const value = new ValueCursor(start.store);
  let keyCount = 0;
  // The stack: one frame per sibling chain being walked, as parallel arrays. A frame
  // holds the next reference of its chain (0: done), the offset it was read from, the
  // kind of link, the store it resolves in, the depth of its keys, and the path of the
  // key whose chain it is (set for the first frame; with `paths: false` built from the
  // names when a message needs it: the parent key's name is at `names[i]` of `stores[i]`).
  const refs: number[] = [];
  const froms: number[] = [];
  const links: LinkKind[] = [];
  const stores: RecordStore[] = [];
  const depths: number[] = [];
  const parentPaths: Array<string | undefined> = [];
  const names: number[] = [];
  const nameLengths: number[] = [];

  /** The path of the key whose chain frame `index` is, built (and kept) from the frames below it when not set yet. */
  const pathAt = (index: number): string => {
    let from = index;
    while (parentPaths[from] === undefined) from--;
    for (let i = from + 1; i <= index; i++) parentPaths[i] = parentPaths[i - 1]! + '\\' + decodeUtf16(stores[i]!.bytes, names[i]!, nameLengths[i]!);
    return parentPaths[index]!;
  };

  /** A key's path: `keyPath` when known, else its parent's (frame `keyTop`) and its name. */
  const keyPathOf = (keyTop: number, keyPath: string | undefined, store: RecordStore, nameOffset: number, nameLength: number): string =>
    keyPath ?? pathAt(keyTop) + '\\' + decodeUtf16(store.bytes, nameOffset, nameLength);

  /**
   * The value chain of a key: `keyPath` its path when known, else built from frame
   * `keyTop` and the name at `nameOffset` of `store`; `path` what the visitor gets.
   */
  const walkValueChain = (store: RecordStore, first: number, fromOffset: number, keyTop: number, keyPath: string | undefined, nameOffset: number, nameLength: number, path: string): void => {
    const limit = store.limits.maxValuesPerKey;
    let ref = first;
    let from = fromOffset;
    let count = 0;
    while (ref !== 0) {
      let unresolved: UnresolvedLink | undefined;
      try {
        unresolved = store.resolveValueInto(value, ref, from);
      } catch (error) {
        if (!skippable(error, options)) throw error;
        visitor.damaged?.(error, keyPathOf(keyTop, keyPath, store, nameOffset, nameLength), 'values');
        return;
      }
      if (unresolved !== undefined) {
        visitor.unresolved?.(unresolved, keyPathOf(keyTop, keyPath, store, nameOffset, nameLength));
        return;
      }
      if (!seen.mark(value.store, value.id)) {
        const cycle = new HiveFormatError('VALUE_CYCLE', { what: `value chain reaches value id ${value.id} a second time`, offset: from, actual: `reference 0x${ref.toString(16)}` });
        if (!skippable(cycle, options)) throw cycle;
        visitor.damaged?.(cycle, keyPathOf(keyTop, keyPath, store, nameOffset, nameLength), 'values');
        return;
      }
      if (++count > limit) {
        throw new HiveFormatError('LIMIT_EXCEEDED', { what: `more values than maxValuesPerKey under ${shortPath(keyPathOf(keyTop, keyPath, store, nameOffset, nameLength))}`, offset: value.offset, expected: `≤ ${limit}` });
      }
      const next = value.nextValue;
      const valueOffset = value.offset;
      visitor.value?.(value, path);
      ref = next;
      from = valueOffset + BLOCK_HEADER_SIZE + ValueField.nextValue;
    }
  };

  // The first frame: the chain of a root's top-level keys, or of the start key's subkeys.
  refs[0] = start instanceof HiveRoot ? start.firstKey : start.isVolatile ? 0 : start.firstChild;
  froms[0] = start instanceof HiveRoot ? start.refOffset : start.offset + BLOCK_HEADER_SIZE + KeyField.firstChild;
  links[0] = start instanceof HiveRoot ? 'root' : 'child';
  stores[0] = start.store;
  depths[0] = 1;
  parentPaths[0] = startPath;
  names[0] = 0;
  nameLengths[0] = 0;
  if (start instanceof HiveKey) {
    if (!seen.mark(start.store, start.id)) {
      throw new HiveFormatError('CHILD_CYCLE', { what: `key id ${start.id} was reached by an earlier walk`, offset: start.offset });
    }
    if (options.includeStart === true) {
      key.set(start.store, start.offset, start.id, start.size);
      const firstValue = key.firstValue;
      visitor.key?.(key, 0, startPath);
      walkValueChain(start.store, firstValue, start.offset + BLOCK_HEADER_SIZE + KeyField.firstValue, 0, startPath, 0, 0, paths ? startPath : '');
    }
  }
  let top = 0;

  while (top >= 0) {
    const ref = refs[top]!;
    if (ref === 0) {
      top--;
      continue;
    }
    const link = links[top]!;
    const from = froms[top]!;
    let unresolved: UnresolvedLink | undefined;
    try {
      unresolved = stores[top]!.resolveKeyInto(key, ref, link, from);
    } catch (error) {
      if (!skippable(error, options)) throw error;
      visitor.damaged?.(error, pathAt(top), 'keys');
      refs[top] = 0;
      continue;
    }
    if (unresolved !== undefined) {
      visitor.unresolved?.(unresolved, pathAt(top));
      refs[top] = 0;
      continue;
    }
    if (!seen.mark(key.store, key.id)) {
      const cycle = new HiveFormatError(link === 'sibling' ? 'SIBLING_CYCLE' : 'CHILD_CYCLE', {
        what: `${link} link reaches key id ${key.id} a second time`,
        offset: from,
        actual: `reference 0x${ref.toString(16)}`,
      });
      if (!skippable(cycle, options)) throw cycle;
      // The link is not followed: what it leads to was (or will be) reached the other way.
      visitor.damaged?.(cycle, pathAt(top), link === 'sibling' ? 'keys' : 'subkeys');
      refs[top] = 0;
      continue;
    }
    if (++keyCount > maxKeys) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'more keys than maxKeys', offset: key.offset, expected: `≤ ${maxKeys}` });
    }
    // What the walk needs of the key, before the visitor sees the cursor.
    const keyStore = key.store;
    const keyOffset = key.offset;
    const nameOffset = key.nameOffset;
    const nameLength = key.nameLength;
    const firstValue = key.firstValue;
    const child = (key.flags & KeyFlags.VOLATILE) !== 0 ? 0 : key.firstChild;
    // Advance this chain before descending, so the frame is ready when the children are done.
    refs[top] = key.nextSibling;
    froms[top] = keyOffset + BLOCK_HEADER_SIZE + KeyField.nextSibling;
    links[top] = 'sibling';
    const depth = depths[top]!;
    const path = paths ? parentPaths[top]! + '\\' + decodeUtf16(keyStore.bytes, nameOffset, nameLength) : '';
    visitor.key?.(key, depth, path);
    walkValueChain(keyStore, firstValue, keyOffset + BLOCK_HEADER_SIZE + KeyField.firstValue, top, paths ? path : undefined, nameOffset, nameLength, path);

    if (child !== 0) {
      if (!depthAllowed(depth + 1, maxDepth)) {
        const keyPath = paths ? path : pathAt(top) + '\\' + decodeUtf16(keyStore.bytes, nameOffset, nameLength);
        const deep = new HiveFormatError('DEPTH_LIMIT', { what: `key nesting deeper than maxDepth under ${shortPath(keyPath)}`, offset: keyOffset, expected: `≤ ${maxDepth}` });
        if (!skippable(deep, options)) throw deep;
        visitor.damaged?.(deep, keyPath, 'subkeys');
        continue;
      }
      top++;
      refs[top] = child;
      froms[top] = keyOffset + BLOCK_HEADER_SIZE + KeyField.firstChild;
      links[top] = 'child';
      stores[top] = keyStore;
      depths[top] = depth + 1;
      parentPaths[top] = paths ? path : undefined;
      names[top] = nameOffset;
      nameLengths[top] = nameLength;
    }
  }
}

/** A path short enough for a one-line message: its start and its end. */
function shortPath(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 50)}…${path.slice(-60)}`;
}

function startFrame(start: HiveRoot | HiveKey, path: string): Frame | undefined {
  if (start instanceof HiveRoot) {
    return { ref: start.firstKey, from: start.refOffset, link: 'root', store: start.store, parentPath: path, parent: undefined, depth: 1 };
  }
  const child = start.isVolatile ? 0 : start.firstChild;
  return { ref: child, from: start.offset + BLOCK_HEADER_SIZE + KeyField.firstChild, link: 'child', store: start.store, parentPath: path, parent: undefined, depth: 1 };
}

/** Whether the walk skips `error` (a record or link it cannot read) instead of throwing it. */
function skippable(error: unknown, options: WalkOptions): error is HiveFormatError {
  return options.skipDamaged !== undefined && error instanceof HiveFormatError && options.skipDamaged(error);
}

/** `pathOf`: the key's path (for messages); `path`: what the visitor gets (see WalkOptions.paths). */
function walkValues(key: HiveKey, pathOf: () => string, path: string, seen: ReachedRecords, visitor: TreeVisitor, options: WalkOptions): void {
  let ref = key.firstValue;
  let from = key.offset + BLOCK_HEADER_SIZE + KeyField.firstValue;
  let count = 0;
  const limit = key.store.limits.maxValuesPerKey;
  while (ref !== 0) {
    let value: ReturnType<RecordStore['resolveValue']>;
    try {
      value = key.store.resolveValue(ref, from);
    } catch (error) {
      if (!skippable(error, options)) throw error;
      visitor.damaged?.(error, pathOf(), 'values');
      return;
    }
    if (value.kind === 'unresolved') {
      visitor.unresolved?.(value, pathOf());
      return;
    }
    if (!seen.mark(value.store, value.id)) {
      const cycle = new HiveFormatError('VALUE_CYCLE', { what: `value chain reaches value id ${value.id} a second time`, offset: from, actual: `reference 0x${ref.toString(16)}` });
      if (!skippable(cycle, options)) throw cycle;
      visitor.damaged?.(cycle, pathOf(), 'values');
      return;
    }
    if (++count > limit) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: `more values than maxValuesPerKey under ${shortPath(pathOf())}`, offset: value.offset, expected: `≤ ${limit}` });
    }
    visitor.value?.(value, key, path);
    ref = value.nextValue;
    from = value.offset + BLOCK_HEADER_SIZE + ValueField.nextValue;
  }
}
