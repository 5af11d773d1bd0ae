/**
 * Records read in place (format guide §8): `HiveRoot`, `HiveKey`, `HiveValue` and the lazy
 * chains between them. Just over 400 lines because the three classes share the chain
 * walker and the name handling; their fit checks are in recordFields.ts.
 */
import { KeyFlags, decodeUtf16, rootName } from '@hivetool/registry';
import { HiveFormatError } from './errors.js';
import type { HiveLimits } from './limits.js';
import { BLOCK_HEADER_SIZE } from './layout.js';
import type { LinkKind, UnresolvedLink } from './references.js';
import { namesEqual } from './names.js';
import { KeyField, ValueField, keyRecordProblem, valueRecordProblem } from './recordFields.js';

export { KeyField, ValueField, KNOWN_KEY_FLAGS, ROOT_COUNT, ROOT_SLOTS, ROOTS_PAYLOAD } from './recordFields.js';
export { KeyFlags };

/** What a record needs from the hive that holds it. */
export interface RecordStore {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly limits: HiveLimits;
  /** Sections in the store; ids run below sectionCount × 1024. */
  readonly sectionCount: number;
  /** A label for where records come from (`file`, `rom`), shown in dumps. */
  readonly source: string;
  resolveKey(ref: number, link: LinkKind, fromOffset: number): HiveKey | UnresolvedLink;
  resolveValue(ref: number, fromOffset: number): HiveValue | UnresolvedLink;
  /**
   * `resolveKey` without an object: points `cursor` at the key and returns undefined, or
   * returns the link that cannot be followed (the cursor then unchanged). Throws as
   * `resolveKey` does.
   */
  resolveKeyInto(cursor: KeyCursor, ref: number, link: LinkKind, fromOffset: number): UnresolvedLink | undefined;
  /** `resolveValue` without an object (see `resolveKeyInto`). */
  resolveValueInto(cursor: ValueCursor, ref: number, fromOffset: number): UnresolvedLink | undefined;
}

/** A node of the tree: a root (HKLM…) or a key. */
export interface KeyNode {
  readonly name: string;
  readonly isRoot: boolean;
  subkeys(): Generator<HiveKey | UnresolvedLink>;
  values(): Generator<HiveValue | UnresolvedLink>;
  subkey(name: string): HiveKey | undefined;
  /** The subkey, or the unresolved link where its chain stopped before it was found. */
  findSubkey(name: string): HiveKey | UnresolvedLink | undefined;
  value(name: string): HiveValue | undefined;
  /** The value, or the unresolved link where its chain stopped before it was found. */
  findValue(name: string): HiveValue | UnresolvedLink | undefined;
}

/**
 * `util.inspect` and `console.log` call the method under this symbol (a registered
 * symbol, so no Node import is needed): records print a summary instead of the whole hive
 * they hold a reference to.
 */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

type Inspect = (value: unknown, options?: unknown) => string;

/** `Name { …summary… }`, through Node's own `inspect` when it passes one. */
export function inspectAs(name: string, summary: object, options: unknown, inspect: Inspect | undefined): string {
  return `${name} ${inspect === undefined ? JSON.stringify(summary) : inspect(summary, options)}`;
}

/**
 * The identity of a record on a chain: its id, told apart by store, since a persistent
 * hive's chain can continue into its ROM hive, where the same ids mean other records.
 */
function chainIdentity(start: RecordStore, record: { store: RecordStore; id: number }): number {
  return record.store === start ? record.id : record.id + 0x10000000;
}

/** What tells a sibling chain and a value chain apart (see `chain`). */
interface ChainKind<T extends HiveKey | HiveValue> {
  resolve(store: RecordStore, ref: number, link: LinkKind, from: number): T | UnresolvedLink;
  /** The next reference on the chain, and the offset of its field inside the payload. */
  next(record: T): number;
  nextField: number;
  cycle: 'SIBLING_CYCLE' | 'VALUE_CYCLE';
  /** `sibling chain reaches key id`… / `value chain reaches value id`… */
  chainName: 'sibling' | 'value';
  recordName: 'key' | 'value';
  limit: 'maxKeys' | 'maxValuesPerKey';
}

const SIBLINGS: ChainKind<HiveKey> = {
  resolve: (store, ref, link, from) => store.resolveKey(ref, link, from),
  next: (key) => key.nextSibling,
  nextField: KeyField.nextSibling,
  cycle: 'SIBLING_CYCLE',
  chainName: 'sibling',
  recordName: 'key',
  limit: 'maxKeys',
};

const VALUES: ChainKind<HiveValue> = {
  resolve: (store, ref, _link, from) => store.resolveValue(ref, from),
  next: (value) => value.nextValue,
  nextField: ValueField.nextValue,
  cycle: 'VALUE_CYCLE',
  chainName: 'value',
  recordName: 'value',
  limit: 'maxValuesPerKey',
};

/**
 * Follows a sibling or value chain lazily, checking for cycles with a set of seen records.
 * A link that cannot be followed ends the chain (it is yielded so callers can report it).
 */
function* chain<T extends HiveKey | HiveValue>(kind: ChainKind<T>, store: RecordStore, first: number, link: LinkKind, fromOffset: number): Generator<T | UnresolvedLink> {
  const seen = new Set<number>();
  const limit = store.limits[kind.limit];
  let ref = first;
  let linkKind = link;
  let from = fromOffset;
  while (ref !== 0) {
    const record = kind.resolve(store, ref, linkKind, from);
    if (record.kind === 'unresolved') {
      yield record;
      return;
    }
    const identity = chainIdentity(store, record);
    if (seen.has(identity)) {
      throw new HiveFormatError(kind.cycle, {
        what: `${kind.chainName} chain reaches ${kind.recordName} id ${record.id} a second time`,
        offset: from,
        actual: `reference 0x${ref.toString(16)}`,
      });
    }
    seen.add(identity);
    if (seen.size > limit) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: `${kind.chainName} chain longer than ${kind.limit}`, offset: from, expected: `≤ ${limit}` });
    }
    yield record;
    ref = kind.next(record);
    linkKind = kind.chainName;
    from = record.offset + BLOCK_HEADER_SIZE + kind.nextField;
  }
}

function keyChain(store: RecordStore, first: number, link: LinkKind, fromOffset: number): Generator<HiveKey | UnresolvedLink> {
  return chain(SIBLINGS, store, first, link, fromOffset);
}

function valueChain(store: RecordStore, first: number, fromOffset: number): Generator<HiveValue | UnresolvedLink> {
  return chain(VALUES, store, first, 'value', fromOffset);
}

/** The first entry of a chain named `name`, or the unresolved link the chain stopped at. */
function findNamed<T extends HiveKey | HiveValue>(entries: Generator<T | UnresolvedLink>, name: string): T | UnresolvedLink | undefined {
  for (const entry of entries) {
    if (entry.kind === 'unresolved' || entry.nameEquals(name)) return entry;
  }
  return undefined;
}

function onlyKey(entry: HiveKey | UnresolvedLink | undefined): HiveKey | undefined {
  return entry?.kind === 'key' ? entry : undefined;
}


/**
 * Throws what a key record whose fields do not fit its block is (`RECORD_TOO_SMALL`,
 * `NAME_PAST_BLOCK`): the one check of `HiveKey` and of the record walk's `KeyCursor`.
 * `size` is the payload size.
 */
export function checkKeyRecord(store: RecordStore, offset: number, id: number, size: number): void {
  const at = offset + BLOCK_HEADER_SIZE;
  const problem = keyRecordProblem(size, size < KeyField.name ? 0 : store.bytes[at + KeyField.nameLength]!);
  if (problem === undefined) return;
  if (problem.code === 'RECORD_TOO_SMALL') {
    throw new HiveFormatError('RECORD_TOO_SMALL', { what: `key id ${id}`, offset, expected: `payload ≥ ${KeyField.name} bytes`, actual: `${size}` });
  }
  throw new HiveFormatError(problem.code, { what: `key id ${id} name length`, offset: at + problem.field, expected: `≤ ${problem.limit} UTF-16 units`, actual: `${problem.actual}` });
}

/** Throws what a value record whose fields, name or data do not fit its block is (see `checkKeyRecord`). */
export function checkValueRecord(store: RecordStore, offset: number, id: number, size: number): void {
  const at = offset + BLOCK_HEADER_SIZE;
  const fixedFit = size >= ValueField.name;
  const problem = valueRecordProblem(size, fixedFit ? store.bytes[at + ValueField.nameLength]! : 0, fixedFit ? store.view.getUint16(at + ValueField.dataLength, true) : 0);
  if (problem === undefined) return;
  const what = problem.code === 'RECORD_TOO_SMALL' ? `value id ${id}` : `value id ${id} ${problem.code === 'NAME_PAST_BLOCK' ? 'name' : 'data'} length`;
  const unit = problem.code === 'RECORD_TOO_SMALL' ? '' : problem.code === 'NAME_PAST_BLOCK' ? ' UTF-16 units' : ' bytes';
  const expected = problem.code === 'RECORD_TOO_SMALL' ? `payload ≥ ${problem.limit} bytes` : `≤ ${problem.limit}${unit}`;
  throw new HiveFormatError(problem.code, { what, offset: problem.code === 'RECORD_TOO_SMALL' ? offset : at + problem.field, expected, actual: `${problem.actual}` });
}

/**
 * A key record as the record walk (`walkRecords`) hands it to its visitor: plain fields,
 * read from the file when the walk reaches the record, in one object the walk reuses for
 * every key. **Valid only during the visitor's call**: the next key overwrites it, so a
 * visitor that needs a key later copies the fields it needs (or opens a `HiveKey` with
 * `hiveKey()`). Its fields are read-only to visitors.
 */
export class KeyCursor {
  /** The hive the record is in (this file's, or its ROM hive's through a link). */
  store: RecordStore;
  /** Where the record was read: the store's label (`file`, or `rom` through an overlay). */
  source = '';
  /** File offset of the block header. */
  offset = 0;
  id = 0;
  /** Payload size in bytes. */
  size = 0;
  /** File offset of the name's UTF-16LE units, and their count. */
  nameOffset = 0;
  nameLength = 0;
  flags = 0;
  nextSibling = 0;
  firstChild = 0;
  firstValue = 0;

  constructor(store: RecordStore) {
    this.store = store;
  }

  /**
   * Points the cursor at the key record of `id` whose block is at `offset` of `store`,
   * checked as a `HiveKey` is (`checkKeyRecord`).
   */
  set(store: RecordStore, offset: number, id: number, size: number): void {
    checkKeyRecord(store, offset, id, size);
    const at = offset + BLOCK_HEADER_SIZE;
    const view = store.view;
    this.store = store;
    this.source = store.source;
    this.offset = offset;
    this.id = id;
    this.size = size;
    this.nameOffset = at + KeyField.name;
    this.nameLength = store.bytes[at + KeyField.nameLength]!;
    this.flags = view.getUint16(at + KeyField.flags, true);
    this.nextSibling = view.getUint32(at + KeyField.nextSibling, true);
    this.firstChild = view.getUint32(at + KeyField.firstChild, true);
    this.firstValue = view.getUint32(at + KeyField.firstValue, true);
  }

  /** The key as a `HiveKey` (an object of its own, which may be kept). */
  hiveKey(): HiveKey {
    return new HiveKey(this.store, this.offset, this.id, this.size);
  }
}

/** A value record as the record walk hands it to its visitor: see `KeyCursor` (valid only during the call). */
export class ValueCursor {
  store: RecordStore;
  source = '';
  offset = 0;
  id = 0;
  size = 0;
  nameOffset = 0;
  nameLength = 0;
  /** The high byte of the name word (format guide §8). */
  flags = 0;
  type = 0;
  /** File offset of the data, and its length in bytes. */
  dataOffset = 0;
  dataLength = 0;
  nextValue = 0;

  constructor(store: RecordStore) {
    this.store = store;
  }

  /** Points the cursor at the value record of `id` at `offset` of `store`, checked as a `HiveValue` is. */
  set(store: RecordStore, offset: number, id: number, size: number): void {
    checkValueRecord(store, offset, id, size);
    const at = offset + BLOCK_HEADER_SIZE;
    const bytes = store.bytes;
    const view = store.view;
    this.store = store;
    this.source = store.source;
    this.offset = offset;
    this.id = id;
    this.size = size;
    const nameLength = bytes[at + ValueField.nameLength]!;
    this.nameOffset = at + ValueField.name;
    this.nameLength = nameLength;
    this.flags = bytes[at + ValueField.flags]!;
    this.type = view.getUint16(at + ValueField.type, true);
    this.dataOffset = at + ValueField.name + 2 * nameLength;
    this.dataLength = view.getUint16(at + ValueField.dataLength, true);
    this.nextValue = view.getUint32(at + ValueField.nextValue, true);
  }

  /** The value as a `HiveValue` (an object of its own, which may be kept). */
  hiveValue(): HiveValue {
    return new HiveValue(this.store, this.offset, this.id, this.size);
  }
}

/** One of the eight entries of the roots record. */
export class HiveRoot implements KeyNode {
  readonly kind = 'root' as const;
  readonly isRoot = true;
  constructor(
    readonly store: RecordStore,
    readonly index: number,
    /** Reference to the first top-level key. */
    readonly firstKey: number,
    /** File offset of that reference inside the roots record. */
    readonly refOffset: number,
  ) {}

  get name(): string {
    return rootName(this.index);
  }

  /** Where the root was read: the store's label (`file`, `rom`). */
  get source(): string {
    return this.store.source;
  }

  subkeys(): Generator<HiveKey | UnresolvedLink> {
    return keyChain(this.store, this.firstKey, 'root', this.refOffset);
  }

  *values(): Generator<HiveValue | UnresolvedLink> {
    // Roots hold no values.
  }

  subkey(name: string): HiveKey | undefined {
    return onlyKey(findNamed(this.subkeys(), name));
  }

  findSubkey(name: string): HiveKey | UnresolvedLink | undefined {
    return findNamed(this.subkeys(), name);
  }

  value(): HiveValue | undefined {
    return undefined;
  }

  findValue(): HiveValue | UnresolvedLink | undefined {
    return undefined;
  }

  /** A summary (JSON.stringify): the root, not the hive it is in. */
  toJSON(): { kind: 'root'; index: number; name: string; firstKey: number; source: string } {
    return { kind: 'root', index: this.index, name: this.name, firstKey: this.firstKey, source: this.store.source };
  }

  [INSPECT](_depth: number, options: unknown, inspect?: Inspect): string {
    return inspectAs('HiveRoot', this.toJSON(), options, inspect);
  }
}

/**
 * What keys and values share: where the record is (store, block offset, id, payload
 * size) and a name of `nameLength` UTF-16 units at `nameField` in the payload, decoded
 * only when asked for.
 */
abstract class StoredRecord {
  /** Payload start (block offset + 12). */
  protected readonly at: number;
  private decodedName: string | undefined;

  constructor(
    readonly store: RecordStore,
    /** File offset of the block header. */
    readonly offset: number,
    readonly id: number,
    /** Payload size in bytes. */
    readonly size: number,
    private readonly nameField: number,
  ) {
    this.at = offset + BLOCK_HEADER_SIZE;
  }

  /** Name length in UTF-16 units. */
  abstract get nameLength(): number;

  /** Where the record was read: the store's label (`file`, or `rom` through an overlay). */
  get source(): string {
    return this.store.source;
  }
  /** File offset of the name's UTF-16LE bytes. */
  get nameOffset(): number {
    return this.at + this.nameField;
  }
  /** The name's UTF-16LE bytes, a view into the file. */
  get nameBytes(): Uint8Array {
    const start = this.nameOffset;
    return this.store.bytes.subarray(start, start + 2 * this.nameLength);
  }
  /** The stored name (the unnamed value of a key is stored as `Default`, format guide §8). */
  get name(): string {
    this.decodedName ??= decodeUtf16(this.store.bytes, this.at + this.nameField, this.nameLength);
    return this.decodedName;
  }
  /** Case-insensitive name comparison that decodes nothing. */
  nameEquals(name: string): boolean {
    return namesEqual(this.store.bytes, this.at + this.nameField, this.nameLength, name);
  }
}

/**
 * A key record, read in place. Fixed fields are read from the file on each access; the
 * name is decoded only when asked for.
 */
export class HiveKey extends StoredRecord implements KeyNode {
  // On the prototype, not on each of possibly millions of instances.
  get kind(): 'key' {
    return 'key';
  }
  get isRoot(): false {
    return false;
  }

  /** Checks that the fixed fields and the name fit the block; `size` is the payload size. */
  constructor(store: RecordStore, offset: number, id: number, size: number) {
    super(store, offset, id, size, KeyField.name);
    checkKeyRecord(store, offset, id, size);
  }

  get nextSibling(): number {
    return this.store.view.getUint32(this.at + KeyField.nextSibling, true);
  }
  get firstChild(): number {
    return this.store.view.getUint32(this.at + KeyField.firstChild, true);
  }
  get firstValue(): number {
    return this.store.view.getUint32(this.at + KeyField.firstValue, true);
  }
  /** Name length in UTF-16 units. */
  get nameLength(): number {
    return this.store.bytes[this.at + KeyField.nameLength]!;
  }
  /** The byte at +13, 0 in all samples. */
  get unknownByte(): number {
    return this.store.bytes[this.at + KeyField.unknown]!;
  }
  get flags(): number {
    return this.store.view.getUint16(this.at + KeyField.flags, true);
  }
  get isVolatile(): boolean {
    return (this.flags & KeyFlags.VOLATILE) !== 0;
  }
  /** Bytes of the block past the name (alignment padding, or slack on some persistent records). */
  get padding(): Uint8Array {
    return this.store.bytes.subarray(this.at + KeyField.name + 2 * this.nameLength, this.at + this.size);
  }


  /** Subkeys in chain order. A volatile key has none: its firstChild is stale (§8). */
  subkeys(): Generator<HiveKey | UnresolvedLink> {
    return keyChain(this.store, this.isVolatile ? 0 : this.firstChild, 'child', this.at + KeyField.firstChild);
  }
  values(): Generator<HiveValue | UnresolvedLink> {
    return valueChain(this.store, this.firstValue, this.at + KeyField.firstValue);
  }
  subkey(name: string): HiveKey | undefined {
    return onlyKey(findNamed(this.subkeys(), name));
  }
  findSubkey(name: string): HiveKey | UnresolvedLink | undefined {
    return findNamed(this.subkeys(), name);
  }
  value(name: string): HiveValue | undefined {
    for (const entry of this.values()) {
      if (entry.kind === 'value' && entry.nameEquals(name)) return entry;
    }
    return undefined;
  }
  /**
   * The value, or the unresolved link its chain stopped at before it was found: a value of
   * a persistent hive opened without its ROM hive may be behind that link, so it is not
   * known to be absent (`value()` says undefined for both).
   */
  findValue(name: string): HiveValue | UnresolvedLink | undefined {
    return findNamed(this.values(), name);
  }

  /** A summary (JSON.stringify): the record's fields, not the hive it is in. */
  toJSON(): { kind: 'key'; name: string; flags: number; id: number; offset: number; source: string; nextSibling: number; firstChild: number; firstValue: number } {
    return { kind: 'key', name: this.name, flags: this.flags, id: this.id, offset: this.offset, source: this.source, nextSibling: this.nextSibling, firstChild: this.firstChild, firstValue: this.firstValue };
  }

  [INSPECT](_depth: number, options: unknown, inspect?: Inspect): string {
    return inspectAs('HiveKey', this.toJSON(), options, inspect);
  }
}

/** A value record, read in place; `data` is a view into the file. */
export class HiveValue extends StoredRecord {
  get kind(): 'value' {
    return 'value';
  }

  /** Checks that the fixed fields, the name and the data fit the block. */
  constructor(store: RecordStore, offset: number, id: number, size: number) {
    super(store, offset, id, size, ValueField.name);
    checkValueRecord(store, offset, id, size);
  }

  get nextValue(): number {
    return this.store.view.getUint32(this.at + ValueField.nextValue, true);
  }
  get type(): number {
    return this.store.view.getUint16(this.at + ValueField.type, true);
  }
  get dataLength(): number {
    return this.store.view.getUint16(this.at + ValueField.dataLength, true);
  }
  /** Low byte of the name word: name length in UTF-16 units. */
  get nameLength(): number {
    return this.store.bytes[this.at + ValueField.nameLength]!;
  }
  /** High byte of the name word: value flags (0x02 seen in persistent hives, meaning not known). */
  get flags(): number {
    return this.store.bytes[this.at + ValueField.flags]!;
  }
  /** File offset of the data. */
  get dataOffset(): number {
    return this.at + ValueField.name + 2 * this.nameLength;
  }
  /** The data bytes: a view into the file, not a copy. */
  get data(): Uint8Array {
    const start = this.dataOffset;
    return this.store.bytes.subarray(start, start + this.dataLength);
  }
  get padding(): Uint8Array {
    return this.store.bytes.subarray(this.dataOffset + this.dataLength, this.at + this.size);
  }

  /**
   * A summary (JSON.stringify): the record's fields, and its data as lowercase hex
   * (up to 64 bytes; longer data is cut, `dataLength` says how long it is).
   */
  toJSON(): { kind: 'value'; name: string; type: number; dataLength: number; data: string; flags: number; id: number; offset: number; source: string; nextValue: number } {
    const shown = this.data.subarray(0, 64);
    let data = '';
    for (const byte of shown) data += byte.toString(16).padStart(2, '0');
    if (shown.length < this.dataLength) data += '…';
    return { kind: 'value', name: this.name, type: this.type, dataLength: this.dataLength, data, flags: this.flags, id: this.id, offset: this.offset, source: this.source, nextValue: this.nextValue };
  }

  [INSPECT](_depth: number, options: unknown, inspect?: Inspect): string {
    return inspectAs('HiveValue', this.toJSON(), options, inspect);
  }
}
