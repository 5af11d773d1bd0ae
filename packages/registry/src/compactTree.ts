/**
 * The columnar registry tree: keys and values as rows of typed arrays, names and data in
 * byte pools, two open-addressing name indexes. Just over 400 lines because the columns,
 * the indexes and the edits (add, replace, delete a subtree) share the private layout of
 * the columns; conversion to and from the object tree is here too.
 */
import { KeyFlags, type HiveTree, type TreeKey, type TreeValue } from './tree.js';
import { decodeUtf16 } from './utf16.js';
import { ROOT_COUNT } from './limits.js';

/** "No key / no value" in the link columns. */
export const NONE = -1;

/**
 * Links member `id` into `owner`'s chain (a key's subkeys, or its values), at the head
 * with `atHead`, else at the tail. The chain is four columns: each owner's first and last
 * member, each member's next and previous; NONE ends it.
 */
function linkMember(first: Int32Array, last: Int32Array, next: Int32Array, previous: Int32Array, owner: number, id: number, atHead: boolean): void {
  const head = first[owner]!;
  if (head === NONE) {
    first[owner] = id;
    last[owner] = id;
  } else if (atHead) {
    next[id] = head;
    previous[head] = id;
    first[owner] = id;
  } else {
    const tail = last[owner]!;
    previous[id] = tail;
    next[tail] = id;
    last[owner] = id;
  }
}

/** Unlinks member `id` from `owner`'s chain (the columns of linkMember). */
function unlinkMember(first: Int32Array, last: Int32Array, next: Int32Array, previous: Int32Array, owner: number, id: number): void {
  const before = previous[id]!;
  const after = next[id]!;
  if (before === NONE) first[owner] = after;
  else next[before] = after;
  if (after === NONE) last[owner] = before;
  else previous[after] = before;
}

// Columns grow by half their size: a quarter less peak than doubling while copying. Only
// the first `used` items are copied where the rest is known never to have been written
// (reserved ahead by `reserveText`): copying it would make the new column's pages take memory.
function grown<T extends Int32Array | Uint8Array | Uint16Array>(array: T, needed: number, used = array.length): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(needed, Math.ceil(array.length * 1.5), 16));
  next.set(used < array.length ? array.subarray(0, used) : array);
  return next;
}

let foldTable: Uint16Array | undefined;

/**
 * One UTF-16 unit upcased as Windows compares registry names (see `upcaseUnit`), for any
 * unit: ASCII inline, the rest through a table built on first use.
 */
export function foldUnit(unit: number): number {
  if (unit < 0x80) return unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit;
  if (foldTable === undefined) {
    foldTable = new Uint16Array(0x10000);
    for (let u = 0; u < 0x10000; u++) {
      const upper = String.fromCharCode(u).toUpperCase();
      foldTable[u] = upper.length === 1 ? upper.charCodeAt(0) : u;
    }
  }
  return foldTable[unit]!;
}

/** Hash of an owner id and a name's folded units (names compare case-insensitively). */
function nameHash(owner: number, pool: Uint8Array, offset: number, units: number): number {
  let hash = Math.imul(owner + 0x9e3779b9, 0x85ebca6b);
  for (let p = offset, end = offset + 2 * units; p < end; p += 2) {
    hash = Math.imul(hash ^ foldUnit(pool[p]! | (pool[p + 1]! << 8)), 0x01000193);
  }
  hash ^= hash >>> 15;
  return Math.imul(hash, 0x2c1b3c6d) | 0;
}

function sameFolded(pool: Uint8Array, a: number, b: number, units: number): boolean {
  for (let i = 0; i < 2 * units; i += 2) {
    const x = pool[a + i]! | (pool[a + i + 1]! << 8);
    const y = pool[b + i]! | (pool[b + i + 1]! << 8);
    if (x !== y && foldUnit(x) !== foldUnit(y)) return false;
  }
  return true;
}

/**
 * Open-addressing table from (owner, folded name) to record ids: children of a key by
 * name, values of a key by name. Each slot keeps the id and its hash. Entries of removed
 * records stay; lookups skip them.
 */
class NameIndex {
  ids = new Int32Array(1024).fill(NONE);
  hashes = new Int32Array(1024);
  mask = 1023;
  private count = 0;

  insert(id: number, hash: number): void {
    if (2 * (this.count + 1) > this.ids.length) this.rehash();
    const mask = this.mask;
    let slot = hash & mask;
    while (this.ids[slot] !== NONE) slot = (slot + 1) & mask;
    this.ids[slot] = id;
    this.hashes[slot] = hash;
    this.count++;
  }

  private rehash(): void {
    const ids = this.ids;
    const hashes = this.hashes;
    this.ids = new Int32Array(ids.length * 2).fill(NONE);
    this.hashes = new Int32Array(ids.length * 2);
    this.mask = this.ids.length - 1;
    this.count = 0;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== NONE) this.insert(ids[slot]!, hashes[slot]!);
  }
}

/**
 * A registry tree held in typed arrays: one row per key and per value, chains as
 * doubly linked lists of row numbers, names (UTF-16LE) and data in two byte pools. It
 * takes a few tens of bytes per record where the object tree (`HiveTree`) takes several
 * hundred, and the hive writer numbers and writes it without making an object per record.
 *
 * Keys 0–7 are the roots (nameless). A removed key or value is unlinked from its chain
 * and marked dead; its row and pool bytes are not reused.
 */
export class CompactTree {
  keyCount = 0;
  keyParent = new Int32Array(1024);
  keyFirstChild = new Int32Array(1024);
  keyLastChild = new Int32Array(1024);
  keyNextSibling = new Int32Array(1024);
  keyPreviousSibling = new Int32Array(1024);
  keyFirstValue = new Int32Array(1024);
  keyLastValue = new Int32Array(1024);
  keyNameOffset = new Int32Array(1024);
  keyHash = new Int32Array(1024);
  keyNameUnits = new Uint16Array(1024);
  keyFlags = new Uint16Array(1024);
  keyDead = new Uint8Array(1024);

  valueCount = 0;
  valueOwner = new Int32Array(1024);
  valueNext = new Int32Array(1024);
  valuePrevious = new Int32Array(1024);
  valueNameOffset = new Int32Array(1024);
  valueHash = new Int32Array(1024);
  valueDataOffset = new Int32Array(1024);
  valueDataLength = new Int32Array(1024);
  valueNameUnits = new Uint16Array(1024);
  valueType = new Uint16Array(1024);
  valueFlags = new Uint8Array(1024);
  valueDead = new Uint8Array(1024);

  /** UTF-16LE names; bytes `0 … namesLength` are used. */
  names = new Uint8Array(1 << 16);
  namesLength = 0;
  /** Value data; bytes `0 … dataLength` are used. */
  data = new Uint8Array(1 << 16);
  dataLength = 0;
  /** Keys and values not removed. */
  liveKeys = 0;
  liveValues = 0;

  /** Row of each root (0–7); a cleared root gets a new row. */
  readonly roots = new Int32Array(8);

  private readonly children = new NameIndex();
  private readonly valuesByName = new NameIndex();
  /** Hash of the name last looked up by findChild / findValue, reused when it is then added. */
  private lastHash = 0;

  constructor() {
    for (let root = 0; root < ROOT_COUNT; root++) this.roots[root] = this.newRootRow();
  }

  /** A fresh, empty row for a root (also how `[-HKLM]` clears one). */
  newRootRow(): number {
    return this.addKeyRow(NONE, 0, 0, 0);
  }

  /** Makes room for `count` more bytes at `namesLength`. */
  reserveNames(count: number): void {
    if (this.namesLength + count > this.names.length) this.names = grown(this.names, this.namesLength + count);
  }

  /** Makes room for `count` more bytes at `dataLength`. */
  reserveData(count: number): void {
    if (this.dataLength + count > this.data.length) this.data = grown(this.data, this.dataLength + count);
  }

  /**
   * Room reserved ahead for `textBytes` more bytes of .reg text: each pool as large as the
   * text, a key row per 64 bytes of it and a value row per 32. The pages of a fresh typed
   * array take memory only once written, and a column that need not grow leaves no old
   * copy behind for the collector: `build` of a large text peaks lower. A text that holds
   * more still grows them.
   */
  reserveText(textBytes: number): void {
    // Before a text nothing is pending past the pools' lengths (a parse writes a name or
    // data there before counting it, and may grow a pool meanwhile: that copies it all).
    if (this.namesLength + textBytes > this.names.length) this.names = grown(this.names, this.namesLength + textBytes, this.namesLength);
    if (this.dataLength + textBytes > this.data.length) this.data = grown(this.data, this.dataLength + textBytes, this.dataLength);
    this.growKeyRows(this.keyCount + Math.ceil(textBytes / 64));
    this.growValueRows(this.valueCount + Math.ceil(textBytes / 32));
  }

  // Rows are written only once counted (`keyCount`, `valueCount`): the rest need no copy.
  private growKeyRows(n: number): void {
    if (n <= this.keyParent.length) return;
    this.keyParent = grown(this.keyParent, n, this.keyCount);
    this.keyFirstChild = grown(this.keyFirstChild, n, this.keyCount);
    this.keyLastChild = grown(this.keyLastChild, n, this.keyCount);
    this.keyNextSibling = grown(this.keyNextSibling, n, this.keyCount);
    this.keyPreviousSibling = grown(this.keyPreviousSibling, n, this.keyCount);
    this.keyFirstValue = grown(this.keyFirstValue, n, this.keyCount);
    this.keyLastValue = grown(this.keyLastValue, n, this.keyCount);
    this.keyNameOffset = grown(this.keyNameOffset, n, this.keyCount);
    this.keyHash = grown(this.keyHash, n, this.keyCount);
    this.keyNameUnits = grown(this.keyNameUnits, n, this.keyCount);
    this.keyFlags = grown(this.keyFlags, n, this.keyCount);
    this.keyDead = grown(this.keyDead, n, this.keyCount);
  }

  private growValueRows(n: number): void {
    if (n <= this.valueOwner.length) return;
    this.valueOwner = grown(this.valueOwner, n, this.valueCount);
    this.valueNext = grown(this.valueNext, n, this.valueCount);
    this.valuePrevious = grown(this.valuePrevious, n, this.valueCount);
    this.valueNameOffset = grown(this.valueNameOffset, n, this.valueCount);
    this.valueHash = grown(this.valueHash, n, this.valueCount);
    this.valueDataOffset = grown(this.valueDataOffset, n, this.valueCount);
    this.valueDataLength = grown(this.valueDataLength, n, this.valueCount);
    this.valueNameUnits = grown(this.valueNameUnits, n, this.valueCount);
    this.valueType = grown(this.valueType, n, this.valueCount);
    this.valueFlags = grown(this.valueFlags, n, this.valueCount);
    this.valueDead = grown(this.valueDead, n, this.valueCount);
  }

  private addKeyRow(parent: number, nameOffset: number, nameUnits: number, hash: number): number {
    const id = this.keyCount++;
    if (id >= this.keyParent.length) this.growKeyRows(id + 1);
    this.keyParent[id] = parent;
    this.keyFirstChild[id] = NONE;
    this.keyLastChild[id] = NONE;
    this.keyNextSibling[id] = NONE;
    this.keyPreviousSibling[id] = NONE;
    this.keyFirstValue[id] = NONE;
    this.keyLastValue[id] = NONE;
    this.keyNameOffset[id] = nameOffset;
    this.keyHash[id] = hash;
    this.keyNameUnits[id] = nameUnits;
    this.keyFlags[id] = 0;
    this.keyDead[id] = 0;
    return id;
  }

  /** The live child of `parent` named like the `units` units at `nameOffset` of `names`, or NONE. */
  findChild(parent: number, nameOffset: number, units: number): number {
    const hash = nameHash(parent, this.names, nameOffset, units);
    this.lastHash = hash;
    const { ids, hashes, mask } = this.children;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = ids[slot]!;
      if (id === NONE) return NONE;
      if (hashes[slot] === hash && this.keyParent[id] === parent && this.keyDead[id] === 0 && this.keyNameUnits[id] === units && sameFolded(this.names, this.keyNameOffset[id]!, nameOffset, units)) return id;
    }
  }

  /**
   * A new key under `parent` whose name is already in `names` at `nameOffset`, at the end
   * of the subkey chain, or at its head with `first`. `afterFind`: findChild just looked
   * this name up under `parent` (its hash is reused).
   */
  addKey(parent: number, nameOffset: number, units: number, first = false, afterFind = false): number {
    const hash = afterFind ? this.lastHash : nameHash(parent, this.names, nameOffset, units);
    const id = this.addKeyRow(parent, nameOffset, units, hash);
    this.children.insert(id, hash);
    linkMember(this.keyFirstChild, this.keyLastChild, this.keyNextSibling, this.keyPreviousSibling, parent, id, first);
    this.liveKeys++;
    return id;
  }

  /** Unlinks `id` from its parent's chain and marks it and its subtree dead. */
  removeKey(id: number): void {
    unlinkMember(this.keyFirstChild, this.keyLastChild, this.keyNextSibling, this.keyPreviousSibling, this.keyParent[id]!, id);
    this.markDead(id);
  }

  /** Marks a subtree dead, keeping the live counts right (iterative: any depth). */
  private markDead(top: number): void {
    const stack = [top];
    while (stack.length > 0) {
      const id = stack.pop()!;
      this.keyDead[id] = 1;
      if (this.keyParent[id] !== NONE) this.liveKeys--;
      for (let value = this.keyFirstValue[id]!; value !== NONE; value = this.valueNext[value]!) {
        this.valueDead[value] = 1;
        this.liveValues--;
      }
      for (let child = this.keyFirstChild[id]!; child !== NONE; child = this.keyNextSibling[child]!) stack.push(child);
    }
  }

  /** Empties root `root` (`[-HKLM]`). */
  clearRoot(root: number): void {
    this.markDead(this.roots[root]!);
    this.roots[root] = this.newRootRow();
  }

  /** The live value of `key` named like the `units` units at `nameOffset` of `names`, or NONE. */
  findValue(key: number, nameOffset: number, units: number): number {
    const hash = nameHash(key, this.names, nameOffset, units);
    this.lastHash = hash;
    const { ids, hashes, mask } = this.valuesByName;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = ids[slot]!;
      if (id === NONE) return NONE;
      if (hashes[slot] === hash && this.valueOwner[id] === key && this.valueDead[id] === 0 && this.valueNameUnits[id] === units && sameFolded(this.names, this.valueNameOffset[id]!, nameOffset, units)) return id;
    }
  }

  /**
   * A new value of `key` (name in `names`, data in `data`), last in the chain or first
   * with `first`. `afterFind`: findValue just looked this name up in `key`.
   */
  addValue(key: number, nameOffset: number, units: number, type: number, dataOffset: number, dataLength: number, flags: number, first = false, afterFind = false): number {
    const id = this.valueCount++;
    if (id >= this.valueOwner.length) this.growValueRows(id + 1);
    const hash = afterFind ? this.lastHash : nameHash(key, this.names, nameOffset, units);
    this.valueOwner[id] = key;
    this.valueNameOffset[id] = nameOffset;
    this.valueNameUnits[id] = units;
    this.valueHash[id] = hash;
    this.valueType[id] = type;
    this.valueDataOffset[id] = dataOffset;
    this.valueDataLength[id] = dataLength;
    this.valueFlags[id] = flags;
    this.valueDead[id] = 0;
    this.valueNext[id] = NONE;
    this.valuePrevious[id] = NONE;
    this.valuesByName.insert(id, hash);
    linkMember(this.keyFirstValue, this.keyLastValue, this.valueNext, this.valuePrevious, key, id, first);
    this.liveValues++;
    return id;
  }

  removeValue(id: number): void {
    unlinkMember(this.keyFirstValue, this.keyLastValue, this.valueNext, this.valuePrevious, this.valueOwner[id]!, id);
    this.valueDead[id] = 1;
    this.liveValues--;
  }

  /** Copies a JavaScript string's UTF-16 units into `names`; returns their offset. */
  pushName(name: string): number {
    this.reserveNames(2 * name.length);
    const offset = this.namesLength;
    for (let i = 0; i < name.length; i++) {
      const unit = name.charCodeAt(i);
      this.names[offset + 2 * i] = unit & 0xff;
      this.names[offset + 2 * i + 1] = unit >>> 8;
    }
    this.namesLength += 2 * name.length;
    return offset;
  }

  /** Copies bytes into `data`; returns their offset. */
  pushData(bytes: Uint8Array): number {
    this.reserveData(bytes.length);
    const offset = this.dataLength;
    this.data.set(bytes, offset);
    this.dataLength += bytes.length;
    return offset;
  }

  /** Loads an object tree under the (empty) roots, in chain order (iterative). */
  static fromTree(tree: HiveTree): CompactTree {
    const compact = new CompactTree();
    const work: Array<{ keys: TreeKey[]; parent: number }> = [];
    for (let root = ROOT_COUNT - 1; root >= 0; root--) work.push({ keys: tree.roots[root] ?? [], parent: compact.roots[root]! });
    while (work.length > 0) {
      const { keys, parent } = work.pop()!;
      for (const key of keys) {
        const id = compact.addKey(parent, compact.pushName(key.name), key.name.length);
        compact.keyFlags[id] = key.flags ?? 0;
        for (const value of key.values ?? []) {
          compact.addValue(id, compact.pushName(value.name), value.name.length, value.type, compact.pushData(value.data), value.data.length, value.flags ?? 0);
        }
        work.push({ keys: key.subkeys ?? [], parent: id });
      }
    }
    return compact;
  }

  /** The tree as objects (names decoded, data copied), top-level keys by root index. */
  toTree(): HiveTree {
    const tree: HiveTree = { roots: {} };
    const work: Array<{ id: number; list: TreeKey[] }> = [];
    for (let root = 0; root < ROOT_COUNT; root++) {
      const list: TreeKey[] = [];
      if (this.keyFirstChild[this.roots[root]!] !== NONE) tree.roots[root] = list;
      work.push({ id: this.roots[root]!, list });
    }
    while (work.length > 0) {
      const { id: parent, list } = work.pop()!;
      for (let id = this.keyFirstChild[parent]!; id !== NONE; id = this.keyNextSibling[id]!) {
        const values: TreeValue[] = [];
        for (let value = this.keyFirstValue[id]!; value !== NONE; value = this.valueNext[value]!) {
          const offset = this.valueDataOffset[value]!;
          const item: TreeValue = {
            name: decodeUtf16(this.names, this.valueNameOffset[value]!, this.valueNameUnits[value]!),
            type: this.valueType[value]!,
            data: this.data.slice(offset, offset + this.valueDataLength[value]!),
          };
          if (this.valueFlags[value] !== 0) item.flags = this.valueFlags[value]!;
          values.push(item);
        }
        const key: TreeKey = { name: decodeUtf16(this.names, this.keyNameOffset[id]!, this.keyNameUnits[id]!), values, subkeys: [] };
        if (this.keyFlags[id] !== 0) key.flags = this.keyFlags[id]!;
        list.push(key);
        work.push({ id, list: key.subkeys! });
      }
    }
    return tree;
  }

  /** Whether the key's subkeys are never stored (volatile, format guide §8). */
  isVolatile(id: number): boolean {
    return (this.keyFlags[id]! & KeyFlags.VOLATILE) !== 0;
  }
}
