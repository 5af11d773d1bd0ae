/**
 * Deletes keys and values inside a hive's bytes the way a device does (format guide §5,
 * §6): the record is unhooked from its chain, its slot goes back on the section's free
 * chain, its block header becomes `size | 1` with the id and payload left as they were,
 * and a free neighbour block merges with it. `reuse` then puts a new record into part of
 * freed space, as a later write would. Each deleted record is listed with what a recovery
 * should find, for tests of `recoverDeleted` and `dump --deleted`.
 */
import { HiveKey, openHive, walkTree, type Hive, type HiveValue } from '@hivetool/hive';
import { BLOCK_HEADER_SIZE, HEAP_OFFSET, KeyField, SLOTS_PER_SECTION, ValueField, walkHeap } from '@hivetool/hive/layout';

export interface DeletedByDevice {
  kind: 'key' | 'value';
  id: number;
  name: string;
  /** Path of the key that held it. */
  parentPath: string;
  type?: number;
  data?: Uint8Array;
  /** File offset and payload size of its block. */
  offset: number;
  size: number;
  /** Whether a later write (`reuse`) overwrote part of its bytes. */
  overwritten: boolean;
}

export class DeviceHeap {
  readonly hive: Hive;
  readonly deleted: DeletedByDevice[] = [];
  /** Whether `reuse` gave a freed id to a new record. */
  reused = false;
  private readonly view: DataView;

  /** Works on `bytes` in place (pass a copy). */
  constructor(readonly bytes: Uint8Array) {
    this.hive = openHive(bytes);
    this.view = this.hive.view;
  }

  private ref(id: number): number {
    return ((this.hive.ownStore << 28) | id) >>> 0;
  }

  private setU32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, true);
  }

  private key(path: string): HiveKey {
    const key = this.hive.key(path);
    if (!(key instanceof HiveKey)) throw new Error(`no key ${path}`);
    return key;
  }

  /** Puts the slot on the free chain and marks the block free, merging with free neighbours. */
  private free(id: number, offset: number): void {
    const table = this.hive.sectionTableOffset(Math.floor(id / SLOTS_PER_SECTION));
    const slots = table + BLOCK_HEADER_SIZE;
    const headAt = slots + 4 * SLOTS_PER_SECTION;
    this.setU32(slots + 4 * (id % SLOTS_PER_SECTION), this.view.getUint32(headAt, true) << 18);
    this.setU32(headAt, id % SLOTS_PER_SECTION);
    const size = this.view.getUint32(offset, true) & 0x0fffffff;
    this.setU32(offset, size | 1);
    // Merge with the free block after it, then with the one before (their headers stay in the bytes).
    let before: { offset: number; size: number } | undefined;
    let previous: { offset: number; size: number; free: boolean } | undefined;
    walkHeap(this.bytes, this.view, (block) => {
      if (block.offset === offset && previous?.free === true) before = { offset: previous.offset, size: previous.size };
      previous = { offset: block.offset, size: block.size, free: block.free };
    });
    const nextAt = offset + BLOCK_HEADER_SIZE + size;
    let merged = size;
    if (nextAt < this.bytes.length && (this.view.getUint32(nextAt, true) & 1) !== 0) {
      merged += BLOCK_HEADER_SIZE + (this.view.getUint32(nextAt, true) & ~1);
      this.setU32(offset, merged | 1);
    }
    if (before !== undefined) this.setU32(before.offset, (before.size + BLOCK_HEADER_SIZE + merged) | 1);
  }

  private record(kind: 'key' | 'value', node: HiveKey | HiveValue, parentPath: string): void {
    const entry: DeletedByDevice = { kind, id: node.id, name: node.name, parentPath, offset: node.offset, size: node.size, overwritten: false };
    if (node.kind === 'value') {
      entry.type = node.type;
      entry.data = node.data.slice();
    }
    this.deleted.push(entry);
  }

  /** Deletes value `name` of the key at `keyPath`. */
  deleteValue(keyPath: string, name: string): void {
    const key = this.key(keyPath);
    let previous: HiveValue | undefined;
    for (const value of key.values()) {
      if (value.kind !== 'value') break;
      if (value.nameEquals(name)) {
        if (previous === undefined) this.setU32(key.offset + BLOCK_HEADER_SIZE + KeyField.firstValue, value.nextValue);
        else this.setU32(previous.offset + BLOCK_HEADER_SIZE + ValueField.nextValue, value.nextValue);
        this.record('value', value, keyPath);
        this.free(value.id, value.offset);
        return;
      }
      previous = value;
    }
    throw new Error(`no value ${name} under ${keyPath}`);
  }

  /** Deletes the key at `path` with everything below it (RegDeleteKey). */
  deleteKey(path: string): void {
    const key = this.key(path);
    const parentPath = path.slice(0, path.lastIndexOf('\\'));
    const parent = this.hive.key(parentPath)!;
    // Unhook it from its parent's chain; the links inside the deleted subtree stay as they were.
    let previous: HiveKey | undefined;
    for (const sibling of parent.subkeys()) {
      if (sibling.kind !== 'key' || sibling.id === key.id) break;
      previous = sibling;
    }
    if (previous !== undefined) this.setU32(previous.offset + BLOCK_HEADER_SIZE + KeyField.nextSibling, key.nextSibling);
    else if (parent instanceof HiveKey) this.setU32(parent.offset + BLOCK_HEADER_SIZE + KeyField.firstChild, key.nextSibling);
    else this.setU32(parent.refOffset, key.nextSibling);
    const doomed: Array<{ kind: 'key' | 'value'; node: HiveKey | HiveValue; parentPath: string }> = [];
    const capture = (node: HiveKey | HiveValue, holder: string): number => doomed.push({ kind: node.kind, node, parentPath: holder });
    capture(key, parentPath);
    walkTree(key, path, {
      key: (child, childPath) => capture(child, childPath.slice(0, childPath.lastIndexOf('\\'))),
      value: (value, _key, keyPath) => capture(value, keyPath),
    }, { includeStart: false });
    for (const value of key.values()) if (value.kind === 'value') capture(value, path);
    for (const { kind, node, parentPath: holder } of doomed) this.record(kind, node, holder);
    for (const { node } of doomed) this.free(node.id, node.offset);
  }

  /**
   * A later write: a new DWORD value `name` for the key at `keyPath`, put at the start of
   * the free block at `freeOffset` (split, the rest staying free), in the section's first
   * free slot. Marks the deleted records whose bytes it overwrote.
   */
  reuse(freeOffset: number, keyPath: string, name: string, options: { whole?: boolean } = {}): void {
    const freeSize = this.view.getUint32(freeOffset, true) & ~1;
    const size = (ValueField.name + 2 * name.length + 4 + 2 + 3) & ~3;
    if (freeSize < size) throw new Error('free block too small');
    // `whole`: the new record takes the whole block, the rest of it becoming its slack.
    const rest = options.whole === true ? -1 : freeSize - size - BLOCK_HEADER_SIZE;
    const payload = rest >= 0 ? size : freeSize;
    let section = 0;
    let slot = 0;
    for (; section < this.hive.sectionCount; section++) {
      slot = this.view.getUint32(this.hive.sectionTableOffset(section) + BLOCK_HEADER_SIZE + 4 * SLOTS_PER_SECTION, true);
      if (slot !== 0) break;
    }
    if (section === this.hive.sectionCount) throw new Error('no free slot');
    const table = this.hive.sectionTableOffset(section) + BLOCK_HEADER_SIZE;
    this.setU32(table + 4 * SLOTS_PER_SECTION, this.view.getUint32(table + 4 * slot, true) >>> 18);
    this.setU32(table + 4 * slot, (freeOffset - HEAP_OFFSET) | 1);
    const id = section * SLOTS_PER_SECTION + slot;
    this.reused = true;
    const key = this.key(keyPath);
    const at = freeOffset + BLOCK_HEADER_SIZE;
    this.setU32(freeOffset, (0xd << 28) | payload);
    this.setU32(freeOffset + 4, 0);
    this.setU32(freeOffset + 8, id);
    this.setU32(at + ValueField.nextValue, key.firstValue);
    this.view.setUint16(at + ValueField.type, 4, true);
    this.view.setUint16(at + ValueField.dataLength, 4, true);
    this.view.setUint16(at + ValueField.nameLength, name.length, true);
    for (let i = 0; i < name.length; i++) this.view.setUint16(at + ValueField.name + 2 * i, name.charCodeAt(i), true);
    this.setU32(at + ValueField.name + 2 * name.length, 0x12345678);
    const fieldsEnd = at + ValueField.name + 2 * name.length + 4;
    this.bytes.fill(0, fieldsEnd, rest >= 0 ? at + payload : (fieldsEnd + 3) & ~3);
    const written = rest >= 0 ? BLOCK_HEADER_SIZE + payload + BLOCK_HEADER_SIZE : ((fieldsEnd + 3) & ~3) - freeOffset;
    if (rest >= 0) {
      const restAt = at + payload;
      this.setU32(restAt, rest | 1);
      this.setU32(restAt + 4, 0);
      this.setU32(restAt + 8, 0);
    }
    this.setU32(key.offset + BLOCK_HEADER_SIZE + KeyField.firstValue, this.ref(id));
    for (const entry of this.deleted) {
      if (entry.offset < freeOffset + written && entry.offset + BLOCK_HEADER_SIZE + entry.size > freeOffset) entry.overwritten = true;
    }
  }

  /**
   * Where no live bytes are: free blocks, and the slack after each live key or value
   * record's fields (format guide §8 sizes) up to the end of its block.
   */
  deadSpace(): Array<{ start: number; end: number }> {
    const space: Array<{ start: number; end: number }> = [];
    walkHeap(this.bytes, this.view, (block) => {
      const end = block.offset + BLOCK_HEADER_SIZE + block.size;
      const at = block.offset + BLOCK_HEADER_SIZE;
      if (block.free) space.push({ start: block.offset, end });
      else if (block.type === 0xc) space.push({ start: at + KeyField.name + 2 * this.bytes[at + KeyField.nameLength]!, end });
      else if (block.type === 0xd) space.push({ start: at + ValueField.name + 2 * this.bytes[at + ValueField.nameLength]! + this.view.getUint16(at + ValueField.dataLength, true), end });
    });
    return space;
  }

  /** Free blocks as [start, end) file offsets. */
  freeBlocks(): Array<{ start: number; end: number }> {
    const blocks: Array<{ start: number; end: number }> = [];
    walkHeap(this.bytes, this.view, (block) => {
      if (block.free) blocks.push({ start: block.offset, end: block.offset + BLOCK_HEADER_SIZE + block.size });
    });
    return blocks;
  }
}

/** A deleted value whose type and data length fields were zeroed, as `zeroedDeletedValue` made it. */
export interface ZeroedValue {
  keyPath: string;
  name: string;
  /** Its true data, and the file offset of its block. */
  data: Uint8Array;
  offset: number;
  /** The value deleted first, whose free block the zeroed value's merged with. */
  neighbour: { keyPath: string; name: string };
}

/**
 * On `device`: deletes a value whose block is followed by another value's block (at least
 * `minData` bytes of data, its block exactly the size formula's, no slack), deleting that
 * neighbour first so that the two free blocks merge, then zeroes the deleted value's type
 * and data length fields, as some devices do on delete (the `Seed` case).
 */
export function zeroedDeletedValue(device: DeviceHeap, minData = 16): ZeroedValue {
  const values = new Map<number, { keyPath: string; value: HiveValue }>();
  walkTree(device.hive, { value: (value, _key, keyPath) => void (value.store === device.hive && values.set(value.offset, { keyPath, value })) });
  for (const [offset, { keyPath, value }] of values) {
    if (value.dataLength < minData || value.size !== ((ValueField.name + 2 * value.nameLength + value.dataLength + 2 + 3) & ~3)) continue;
    const next = values.get(offset + BLOCK_HEADER_SIZE + value.size);
    if (next === undefined) continue;
    const data = value.data.slice();
    const name = value.name;
    device.deleteValue(next.keyPath, next.value.name);
    device.deleteValue(keyPath, name);
    device.bytes.fill(0, offset + BLOCK_HEADER_SIZE + ValueField.type, offset + BLOCK_HEADER_SIZE + ValueField.dataLength + 2);
    return { keyPath, name, data, offset, neighbour: { keyPath: next.keyPath, name: next.value.name } };
  }
  throw new Error("no value of this hive is followed by another value");
}
