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

/**
 * Follows a sibling chain lazily, checking for cycles with a set of seen records. A link
 * that cannot be followed ends the chain (it is yielded so callers can report it).
 */
function* keyChain(store: RecordStore, first: number, link: LinkKind, fromOffset: number): Generator<HiveKey | UnresolvedLink> {
  const seen = new Set<number>();
  let ref = first;
  let linkKind = link;
  let from = fromOffset;
  while (ref !== 0) {
    const key = store.resolveKey(ref, linkKind, from);
    if (key.kind === 'unresolved') {
      yield key;
      return;
    }
    const identity = chainIdentity(store, key);
    if (seen.has(identity)) {
      throw new HiveFormatError('SIBLING_CYCLE', {
        what: `sibling chain reaches key id ${key.id} a second time`,
        offset: from,
        actual: `reference 0x${ref.toString(16)}`,
      });
    }
    seen.add(identity);
    if (seen.size > store.limits.maxKeys) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'sibling chain longer than maxKeys', offset: from, expected: `≤ ${store.limits.maxKeys}` });
    }
    yield key;
    ref = key.nextSibling;
    linkKind = 'sibling';
    from = key.offset + BLOCK_HEADER_SIZE + KeyField.nextSibling;
  }
}

function* valueChain(store: RecordStore, first: number, fromOffset: number): Generator<HiveValue | UnresolvedLink> {
  const seen = new Set<number>();
  let ref = first;
  let from = fromOffset;
  while (ref !== 0) {
    const value = store.resolveValue(ref, from);
    if (value.kind === 'unresolved') {
      yield value;
      return;
    }
    const identity = chainIdentity(store, value);
    if (seen.has(identity)) {
      throw new HiveFormatError('VALUE_CYCLE', {
        what: `value chain reaches value id ${value.id} a second time`,
        offset: from,
        actual: `reference 0x${ref.toString(16)}`,
      });
    }
    seen.add(identity);
    if (seen.size > store.limits.maxValuesPerKey) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'value chain longer than maxValuesPerKey', offset: from, expected: `≤ ${store.limits.maxValuesPerKey}` });
    }
    yield value;
    ref = value.nextValue;
    from = value.offset + BLOCK_HEADER_SIZE + ValueField.nextValue;
  }
}

function findKey(chain: Generator<HiveKey | UnresolvedLink>, name: string): HiveKey | UnresolvedLink | undefined {
  for (const entry of chain) {
    if (entry.kind === 'unresolved' || entry.nameEquals(name)) return entry;
  }
  return undefined;
}

function onlyKey(entry: HiveKey | UnresolvedLink | undefined): HiveKey | undefined {
  return entry?.kind === 'key' ? entry : undefined;
}

function findValue(chain: Generator<HiveValue | UnresolvedLink>, name: string): HiveValue | UnresolvedLink | undefined {
  for (const entry of chain) {
    if (entry.kind === 'unresolved' || entry.nameEquals(name)) return entry;
  }
  return undefined;
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
    return onlyKey(findKey(this.subkeys(), name));
  }

  findSubkey(name: string): HiveKey | UnresolvedLink | undefined {
    return findKey(this.subkeys(), name);
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
    const problem = keyRecordProblem(size, size < KeyField.name ? 0 : store.bytes[this.at + KeyField.nameLength]!);
    if (problem?.code === 'RECORD_TOO_SMALL') {
      throw new HiveFormatError('RECORD_TOO_SMALL', { what: `key id ${id}`, offset, expected: `payload ≥ ${KeyField.name} bytes`, actual: `${size}` });
    }
    if (problem !== undefined) {
      throw new HiveFormatError(problem.code, { what: `key id ${id} name length`, offset: this.at + problem.field, expected: `≤ ${problem.limit} UTF-16 units`, actual: `${problem.actual}` });
    }
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
    return onlyKey(findKey(this.subkeys(), name));
  }
  findSubkey(name: string): HiveKey | UnresolvedLink | undefined {
    return findKey(this.subkeys(), name);
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
    return findValue(this.values(), name);
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
    const fixedFit = size >= ValueField.name;
    const problem = valueRecordProblem(size, fixedFit ? store.bytes[this.at + ValueField.nameLength]! : 0, fixedFit ? store.view.getUint16(this.at + ValueField.dataLength, true) : 0);
    if (problem !== undefined) {
      const what = problem.code === 'RECORD_TOO_SMALL' ? `value id ${id}` : `value id ${id} ${problem.code === 'NAME_PAST_BLOCK' ? 'name' : 'data'} length`;
      const unit = problem.code === 'RECORD_TOO_SMALL' ? '' : problem.code === 'NAME_PAST_BLOCK' ? ' UTF-16 units' : ' bytes';
      const expected = problem.code === 'RECORD_TOO_SMALL' ? `payload ≥ ${problem.limit} bytes` : `≤ ${problem.limit}${unit}`;
      throw new HiveFormatError(problem.code, { what, offset: problem.code === 'RECORD_TOO_SMALL' ? offset : this.at + problem.field, expected, actual: `${problem.actual}` });
    }
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
