import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, SLOTS_PER_SECTION } from './layout.js';
import { Hive, openHive } from './reader.js';
import { HiveKey, HiveRoot, KeyField, ValueField, type HiveValue, type RecordStore } from './records.js';
import type { UnresolvedLink } from './references.js';
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

  /** Marks `id`; returns false if it was marked already. */
  mark(store: RecordStore, id: number): boolean {
    let bits = this.bits.get(store);
    if (bits === undefined) {
      bits = new Uint8Array((capacityOf(store) + 7) >>> 3);
      this.bits.set(store, bits);
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
