/**
 * The hive writer (format guide §11): `encodeHive` from an object tree and
 * `encodeCompactHive` from the columnar tree of the `.reg` parser. Over 400 lines because
 * both share the layout code here (numbering, header, section directory, section tables,
 * final free block, signature and GUID), which keeps their bytes identical for the same
 * registry (a property test compares them).
 */
import { MAX_DATA_BYTES, MAX_NAME_UNITS, encodeUtf16, type CompactTree } from '@hivetool/registry';
import { HiveFormatError } from './errors.js';
import { HeaderOffset, HIVE_MAGIC, HIVE_VERSION } from './header.js';
import { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, HEAP_OFFSET, MAX_SECTIONS, PAGE_SIZE, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION, align4 } from './layout.js';
import { KeyField, KeyFlags, ROOTS_PAYLOAD, ROOT_SLOTS, ValueField } from './records.js';
import { Store, makeRef } from './references.js';
import { deriveRomSignature, deriveVolumeGuid, type Sha256 } from './signature.js';
import { SLOT_OFFSET_MASK } from './sections.js';
import { DEFAULT_LIMITS } from './limits.js';
import { depthAllowed, isRegistryRoot } from './rules.js';
import type { HiveTree, TreeKey, TreeValue } from '@hivetool/registry';

export interface EncodeHiveOptions {
  /** `rom` (own references nibble 2, default) or `persistent` (nibble 0). */
  layout?: 'rom' | 'persistent';
  /** 16 bytes at 0x028; if not given, derived from the heap (`deriveRomSignature`). */
  romSignature?: Uint8Array;
  /** 16 bytes at 0x00C; if not given, derived from the heap (`deriveVolumeGuid`). */
  volumeGuid?: Uint8Array;
  /** Header virtbase; 0 if not given. */
  virtbase?: number;
  /** Header boot sequence number; 0 if not given. */
  bootSequence?: number;
  /** Per root index, a reference the root's top-level chain continues with (a link into ROM). */
  rootLinks?: Partial<Record<number, number>>;
  /**
   * Deepest key nesting to write (a root's top-level keys are depth 1); default
   * `DEFAULT_LIMITS.maxDepth`, the depth readers follow, so that what is written reads back.
   */
  maxDepth?: number;
  /** SHA-256 for the derived signature and GUID (default: the portable one). */
  sha256?: Sha256;
}


type Entry = { kind: 'key'; key: TreeKey; name: Uint8Array } | { kind: 'value'; value: TreeValue; name: Uint8Array };

/**
 * A key as the writer takes it: a `TreeKey` whose subkey and value chains may continue,
 * after the listed entries, with a raw reference into a ROM hive (store nibble 2). This is
 * how a persistent hive shares the unchanged tail of a ROM chain (format guide §9).
 */
export interface LinkedTreeKey extends TreeKey {
  subkeys?: LinkedTreeKey[];
  /** Reference the subkey chain continues with after the listed subkeys. */
  subkeysLink?: number;
  /** Reference the value chain continues with after the listed values. */
  valuesLink?: number;
}

interface Numbered {
  entries: Entry[];
  /** Per entry, as the u32 references to store: next sibling, first child, first value, next value. */
  nextSibling: number[];
  firstChild: number[];
  firstValue: number[];
  nextValue: number[];
  rootFirst: number[];
}

function checkName(name: string, what: string): Uint8Array {
  if (name.length > MAX_NAME_UNITS) {
    throw new HiveFormatError('LIMIT_EXCEEDED', { what: `${what} "${name.slice(0, 40)}…" name`, offset: 0, expected: `≤ ${MAX_NAME_UNITS} UTF-16 units`, actual: `${name.length}` });
  }
  return encodeUtf16(name);
}

interface ListFrame {
  keys: LinkedTreeKey[];
  index: number;
  /** Id of the last key numbered in this list, -1 before the first. */
  previous: number;
  /** Where the first reference of the list goes. */
  setFirst: (ref: number) => void;
  /** Reference after the last listed key: 0, or a link into ROM. */
  tail: number;
  /** Nesting depth of the keys of this list (1 for a root's top-level keys). */
  depth: number;
}

/**
 * Numbers every record in creation order: id 0 is the roots record, then a pre-order
 * walk where each key is followed by its values and then its subkeys. Iterative, so
 * tree depth is not limited by the call stack. Links are stored as references with the
 * layout's own store nibble; chain tails given as links are stored as given.
 */
function numberTree(tree: HiveTree, store: number, rootLinks: Partial<Record<number, number>>, maxDepth: number): Numbered {
  const entries: Entry[] = [];
  const nextSibling: number[] = [0];
  const firstChild: number[] = [0];
  const firstValue: number[] = [0];
  const nextValue: number[] = [0];
  const rootFirst: number[] = new Array<number>(ROOT_SLOTS).fill(0);
  const own = (id: number): number => makeRef(store, id);
  /** A new record with no links yet; returns its id. */
  const add = (entry: Entry): number => {
    entries.push(entry);
    nextSibling.push(0);
    firstChild.push(0);
    firstValue.push(0);
    nextValue.push(0);
    return entries.length - 1;
  };
  entries.push({ kind: 'key', key: { name: '' }, name: new Uint8Array(0) }); // placeholder for the roots record

  const stack: ListFrame[] = [];
  for (let root = ROOT_SLOTS - 1; root >= 0; root--) {
    const keys = tree.roots[root] ?? [];
    const tail = rootLinks[root] ?? 0;
    if (keys.length === 0 && tail === 0) continue;
    if (!isRegistryRoot(root)) {
      throw new HiveFormatError('BAD_PATH', { what: `root entry ${root} is unused (format guide §8): readers do not follow it; put the keys under HKCR, HKCU, HKLM or HKU`, offset: 0 });
    }
    stack.push({ keys, index: 0, previous: -1, setFirst: (ref) => (rootFirst[root] = ref), tail, depth: 1 });
  }
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.keys.length) {
      if (top.previous < 0) top.setFirst(top.tail);
      else nextSibling[top.previous] = top.tail;
      stack.pop();
      continue;
    }
    const key = top.keys[top.index++]!;
    if (!depthAllowed(top.depth, maxDepth)) {
      throw new HiveFormatError('LIMIT_EXCEEDED', {
        what: `key "${key.name.slice(0, 40)}" nests ${top.depth} levels deep; readers stop at maxDepth, so the hive could not be read back`,
        offset: 0,
        expected: `≤ ${maxDepth} levels`,
        actual: `${top.depth}`,
      });
    }
    const id = add({ kind: 'key', key, name: checkName(key.name, 'key') });
    if (top.previous < 0) top.setFirst(own(id));
    else nextSibling[top.previous] = own(id);
    top.previous = id;

    let previousValue = -1;
    for (const value of key.values ?? []) {
      if (value.data.length > MAX_DATA_BYTES) {
        throw new HiveFormatError('LIMIT_EXCEEDED', { what: `value "${value.name}" data`, offset: 0, expected: `≤ ${MAX_DATA_BYTES} bytes`, actual: `${value.data.length}` });
      }
      const valueId = add({ kind: 'value', value, name: checkName(value.name, 'value') });
      if (previousValue < 0) firstValue[id] = own(valueId);
      else nextValue[previousValue] = own(valueId);
      previousValue = valueId;
    }
    const valuesTail = key.valuesLink ?? 0;
    if (previousValue < 0) firstValue[id] = valuesTail;
    else nextValue[previousValue] = valuesTail;
    // Children of a volatile key are never persisted (format guide §8, §10).
    const volatile = ((key.flags ?? 0) & KeyFlags.VOLATILE) !== 0;
    const subkeys = key.subkeys ?? [];
    const subkeysTail = key.subkeysLink ?? 0;
    if (!volatile && (subkeys.length > 0 || subkeysTail !== 0)) {
      stack.push({ keys: subkeys, index: 0, previous: -1, setFirst: (ref) => (firstChild[id] = ref), tail: subkeysTail, depth: top.depth + 1 });
    }
  }
  return { entries, nextSibling, firstChild, firstValue, nextValue, rootFirst };
}

function checked16(bytes: Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (bytes !== undefined && bytes.length !== 16) {
    throw new HiveFormatError('LIMIT_EXCEEDED', { what, offset: 0, expected: '16 bytes', actual: `${bytes.length} bytes` });
  }
  return bytes;
}

function recordSize(entry: Entry): number {
  return entry.kind === 'key'
    ? align4(KeyField.name + entry.name.length)
    : align4(ValueField.name + entry.name.length + entry.value.data.length + 2);
}

/**
 * Encodes a tree as a hive file following the conventions of the ROM samples (format
 * guide §11): records numbered in creation order, section k holding ids k·1024…k·1024+1023
 * with its blocks in slot order after its table, free slots chained ascending, a final
 * free block up to the next 4 KiB boundary, restoreStart = file length. Subkeys of a
 * volatile key are not written, as Windows CE never persists them.
 *
 * @throws {HiveFormatError} `LIMIT_EXCEEDED` for a name over 255 units, data over 65535
 * bytes, keys nested deeper than `maxDepth`, or more than 4096 sections; `BAD_PATH` for
 * keys under root entries 4–7.
 */
export function encodeHive(tree: HiveTree | { roots: Partial<Record<number, LinkedTreeKey[]>> }, options: EncodeHiveOptions = {}): Uint8Array {
  const store = options.layout === 'persistent' ? Store.HEAP : Store.ROM_HIVE;
  const numbered = numberTree(tree, store, options.rootLinks ?? {}, options.maxDepth ?? DEFAULT_LIMITS.maxDepth);
  const { entries } = numbered;

  const sizes = new Uint32Array(entries.length);
  sizes[0] = ROOTS_PAYLOAD;
  for (let id = 1; id < entries.length; id++) sizes[id] = recordSize(entries[id]!);
  const { bytes, view, offsets } = layOut(sizes, options);
  const u32 = (offset: number, value: number): void => view.setUint32(offset, value >>> 0, true);

  // Records (§8).
  for (let id = 0; id < entries.length; id++) {
    const block = HEAP_OFFSET + offsets[id]!;
    const at = block + BLOCK_HEADER_SIZE;
    u32(block + 8, id);
    if (id === 0) {
      u32(block, (BlockType.ROOTS << 28) | ROOTS_PAYLOAD);
      numbered.rootFirst.forEach((first, index) => u32(at + 4 * index, first));
      continue;
    }
    const entry = entries[id]!;
    if (entry.kind === 'key') {
      u32(block, (BlockType.KEY << 28) | sizes[id]!);
      u32(at + KeyField.nextSibling, numbered.nextSibling[id]!);
      u32(at + KeyField.firstChild, numbered.firstChild[id]!);
      u32(at + KeyField.firstValue, numbered.firstValue[id]!);
      bytes[at + KeyField.nameLength] = entry.name.length / 2;
      view.setUint16(at + KeyField.flags, entry.key.flags ?? 0, true);
      bytes.set(entry.name, at + KeyField.name);
    } else {
      u32(block, (BlockType.VALUE << 28) | sizes[id]!);
      u32(at + ValueField.nextValue, numbered.nextValue[id]!);
      view.setUint16(at + ValueField.type, entry.value.type, true);
      view.setUint16(at + ValueField.dataLength, entry.value.data.length, true);
      bytes[at + ValueField.nameLength] = entry.name.length / 2;
      bytes[at + ValueField.flags] = entry.value.flags ?? 0;
      bytes.set(entry.name, at + ValueField.name);
      bytes.set(entry.value.data, at + ValueField.name + entry.name.length);
    }
  }

  return seal(bytes, options);
}

/**
 * Places every record's block (payload sizes in `sizes`, id 0 the roots record) and
 * writes the parts around the records: header (§3), directory (§4), section tables (§6)
 * and the final free block (§11). Section k holds ids k·1024…k·1024+1023, its blocks in
 * slot order after its table.
 */
function layOut(sizes: Uint32Array, options: EncodeHiveOptions): { bytes: Uint8Array; view: DataView; offsets: Uint32Array } {
  const count = sizes.length;
  const sections = Math.ceil(count / SLOTS_PER_SECTION);
  if (sections > MAX_SECTIONS) {
    throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'hive size', offset: 0, expected: `≤ ${MAX_SECTIONS} sections`, actual: `${sections} sections` });
  }
  const offsets = new Uint32Array(count);
  const tableOffsets = new Uint32Array(sections);
  let heap = 0;
  for (let id = 0; id < count; id++) {
    if (id % SLOTS_PER_SECTION === 0) {
      tableOffsets[id / SLOTS_PER_SECTION] = heap;
      heap += BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD;
    }
    // A slot holds a block's heap offset in bits 2–27 (format guide §6).
    if (heap > SLOT_OFFSET_MASK) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: 'hive size', offset: 0, expected: `a heap under ${SLOT_OFFSET_MASK + 4} bytes (slot offsets have 28 bits)`, actual: `more than ${heap} bytes` });
    }
    offsets[id] = heap;
    heap += BLOCK_HEADER_SIZE + sizes[id]!;
  }
  const fileLength = Math.ceil((HEAP_OFFSET + heap + BLOCK_HEADER_SIZE) / PAGE_SIZE) * PAGE_SIZE;
  const bytes = new Uint8Array(fileLength);
  const view = new DataView(bytes.buffer);
  const u32 = (offset: number, value: number): void => view.setUint32(offset, value >>> 0, true);

  // Header (§3).
  u32(HeaderOffset.version, HIVE_VERSION);
  u32(HeaderOffset.magic2, HIVE_MAGIC);
  u32(HeaderOffset.restoreStart, fileLength);
  u32(HeaderOffset.virtbase, options.virtbase ?? 0);
  u32(HeaderOffset.databaseRoot, 0xffffffff);
  u32(HeaderOffset.bootSequence, options.bootSequence ?? 0);

  // Directory (§4) and section tables (§6).
  for (let section = 0; section < sections; section++) {
    u32(DIRECTORY_OFFSET + 4 * section, tableOffsets[section]!);
    const table = HEAP_OFFSET + tableOffsets[section]!;
    u32(table, (BlockType.SECTION_TABLE << 28) | SECTION_TABLE_PAYLOAD);
    u32(table + 8, section);
    const first = section * SLOTS_PER_SECTION;
    const used = Math.min(SLOTS_PER_SECTION, count - first);
    for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) {
      const value = slot < used ? offsets[first + slot]! | 1 : slot === SLOTS_PER_SECTION - 1 ? 0 : (slot + 1) << 18;
      u32(table + BLOCK_HEADER_SIZE + 4 * slot, value);
    }
    u32(table + BLOCK_HEADER_SIZE + 4 * SLOTS_PER_SECTION, used === SLOTS_PER_SECTION ? 0 : used);
  }

  // The final free block runs to the end of the file (§11).
  const freeBlock = HEAP_OFFSET + heap;
  u32(freeBlock, (fileLength - freeBlock - BLOCK_HEADER_SIZE) | 1);
  return { bytes, view, offsets };
}

/** Sets the signature and GUID, given or derived: they hash the finished heap, so they come last. */
function seal(bytes: Uint8Array, options: EncodeHiveOptions): Uint8Array {
  const volumeGuid = checked16(options.volumeGuid, 'volumeGuid') ?? deriveVolumeGuid(bytes, options.sha256);
  bytes.set(volumeGuid, HeaderOffset.volumeGuid);
  bytes.set(checked16(options.romSignature, 'romSignature') ?? deriveRomSignature(bytes, options.sha256), HeaderOffset.romSignature);
  return bytes;
}

/** Copies `length` bytes; a loop for the short names and data of most records (no view made). */
function copyBytes(target: Uint8Array, at: number, source: Uint8Array, from: number, length: number): void {
  if (length > 64) {
    target.set(source.subarray(from, from + length), at);
    return;
  }
  for (let i = 0; i < length; i++) target[at + i] = source[from + i]!;
}

/**
 * `encodeHive` for a tree held in typed arrays (`CompactTree`, what `RegTreeBuilder`
 * builds): the same bytes as `encodeHive(compact.toTree())`, without an object per record.
 * Records are numbered in the same pre-order (a key, its values, then its subkeys).
 *
 * @throws {HiveFormatError} as `encodeHive`.
 */
export function encodeCompactHive(compact: CompactTree, options: Omit<EncodeHiveOptions, 'rootLinks'> = {}): Uint8Array {
  const store = options.layout === 'persistent' ? Store.HEAP : Store.ROM_HIVE;
  const NONE = -1;
  // Record id → key row (≥ 0) or ~value row (< 0).
  const rows = new Int32Array(1 + compact.liveKeys + compact.liveValues);
  const keyRecord = new Int32Array(compact.keyCount);
  const { keyFirstChild, keyLastChild, keyPreviousSibling, keyNextSibling, keyFirstValue, valueNext, keyNameUnits, valueNameUnits, valueDataLength } = compact;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  let count = 1;
  // Key rows to number, and the nesting depth of each (a root's top-level keys are 1).
  const stack: number[] = [];
  const depths: number[] = [];
  const pushChildren = (parent: number, depth: number): void => {
    // Last child first, so the first is taken first.
    for (let child = keyLastChild[parent]!; child !== NONE; child = keyPreviousSibling[child]!) {
      stack.push(child);
      depths.push(depth);
    }
  };
  for (let root = ROOT_SLOTS - 1; root >= 0; root--) {
    if (keyFirstChild[compact.roots[root]!]! !== NONE && !isRegistryRoot(root)) {
      throw new HiveFormatError('BAD_PATH', { what: `root entry ${root} is unused (format guide §8): readers do not follow it; put the keys under HKCR, HKCU, HKLM or HKU`, offset: 0 });
    }
    pushChildren(compact.roots[root]!, 1);
  }
  const sizes = new Uint32Array(rows.length);
  sizes[0] = ROOTS_PAYLOAD;
  while (stack.length > 0) {
    const key = stack.pop()!;
    const depth = depths.pop()!;
    if (!depthAllowed(depth, maxDepth)) {
      throw new HiveFormatError('LIMIT_EXCEEDED', {
        what: `key "${decodeName(compact, compact.keyNameOffset[key]!, Math.min(40, keyNameUnits[key]!))}" nests ${depth} levels deep; readers stop at maxDepth, so the hive could not be read back`,
        offset: 0,
        expected: `≤ ${maxDepth} levels`,
        actual: `${depth}`,
      });
    }
    const units = keyNameUnits[key]!;
    if (units > MAX_NAME_UNITS) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: `key "${decodeName(compact, compact.keyNameOffset[key]!, 40)}…" name`, offset: 0, expected: `≤ ${MAX_NAME_UNITS} UTF-16 units`, actual: `${units}` });
    }
    keyRecord[key] = count;
    sizes[count] = align4(KeyField.name + 2 * units);
    rows[count++] = key;
    for (let value = keyFirstValue[key]!; value !== NONE; value = valueNext[value]!) {
      const nameUnits = valueNameUnits[value]!;
      if (valueDataLength[value]! > MAX_DATA_BYTES) {
        throw new HiveFormatError('LIMIT_EXCEEDED', { what: `value "${decodeName(compact, compact.valueNameOffset[value]!, nameUnits)}" data`, offset: 0, expected: `≤ ${MAX_DATA_BYTES} bytes`, actual: `${valueDataLength[value]!}` });
      }
      if (nameUnits > MAX_NAME_UNITS) {
        throw new HiveFormatError('LIMIT_EXCEEDED', { what: `value "${decodeName(compact, compact.valueNameOffset[value]!, 40)}…" name`, offset: 0, expected: `≤ ${MAX_NAME_UNITS} UTF-16 units`, actual: `${nameUnits}` });
      }
      sizes[count] = align4(ValueField.name + 2 * nameUnits + valueDataLength[value]! + 2);
      rows[count++] = ~value;
    }
    // Children of a volatile key are never persisted (format guide §8, §10).
    if (!compact.isVolatile(key)) pushChildren(key, depth + 1);
  }
  const { bytes, view, offsets } = layOut(sizes.subarray(0, count), options);
  const ref = (id: number): number => makeRef(store, id) >>> 0;
  const names = compact.names;
  const data = compact.data;

  // Roots record (§8).
  const rootsBlock = HEAP_OFFSET + offsets[0]!;
  view.setUint32(rootsBlock, ((BlockType.ROOTS << 28) | ROOTS_PAYLOAD) >>> 0, true);
  for (let root = 0; root < ROOT_SLOTS; root++) {
    const first = keyFirstChild[compact.roots[root]!]!;
    view.setUint32(rootsBlock + BLOCK_HEADER_SIZE + 4 * root, first === NONE ? 0 : ref(keyRecord[first]!), true);
  }
  // Key and value records (§8).
  for (let id = 1; id < count; id++) {
    const block = HEAP_OFFSET + offsets[id]!;
    const at = block + BLOCK_HEADER_SIZE;
    view.setUint32(block + 8, id, true);
    const row = rows[id]!;
    if (row >= 0) {
      view.setUint32(block, ((BlockType.KEY << 28) | sizes[id]!) >>> 0, true);
      const next = keyNextSibling[row]!;
      const child = compact.isVolatile(row) ? NONE : keyFirstChild[row]!;
      view.setUint32(at + KeyField.nextSibling, next === NONE ? 0 : ref(keyRecord[next]!), true);
      view.setUint32(at + KeyField.firstChild, child === NONE ? 0 : ref(keyRecord[child]!), true);
      view.setUint32(at + KeyField.firstValue, keyFirstValue[row] === NONE ? 0 : ref(id + 1), true);
      const units = keyNameUnits[row]!;
      bytes[at + KeyField.nameLength] = units;
      view.setUint16(at + KeyField.flags, compact.keyFlags[row]!, true);
      copyBytes(bytes, at + KeyField.name, names, compact.keyNameOffset[row]!, 2 * units);
    } else {
      const value = ~row;
      view.setUint32(block, ((BlockType.VALUE << 28) | sizes[id]!) >>> 0, true);
      view.setUint32(at + ValueField.nextValue, valueNext[value] === NONE ? 0 : ref(id + 1), true);
      view.setUint16(at + ValueField.type, compact.valueType[value]!, true);
      const length = valueDataLength[value]!;
      view.setUint16(at + ValueField.dataLength, length, true);
      const units = valueNameUnits[value]!;
      bytes[at + ValueField.nameLength] = units;
      bytes[at + ValueField.flags] = compact.valueFlags[value]!;
      copyBytes(bytes, at + ValueField.name, names, compact.valueNameOffset[value]!, 2 * units);
      copyBytes(bytes, at + ValueField.name + 2 * units, data, compact.valueDataOffset[value]!, length);
    }
  }
  return seal(bytes, options);
}

function decodeName(compact: CompactTree, offset: number, units: number): string {
  let text = '';
  for (let i = 0; i < units && offset + 2 * i + 1 < compact.namesLength; i++) text += String.fromCharCode(compact.names[offset + 2 * i]! | (compact.names[offset + 2 * i + 1]! << 8));
  return text;
}
