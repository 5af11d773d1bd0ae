/**
 * The reader (format guide §2–§9 as they are followed from the roots): `openHive` and the
 * `Hive` class. Over 400 lines because `Hive` is one unit: its checked, lazy resolution of
 * an id to a block (directory, section table, slot, block header) and its path lookups
 * share the state of one open file; the rules themselves live in the per-section modules
 * (directory.ts, sections.ts, heap.ts, recordFields.ts).
 */
import { parseKeyPath } from '@hivetool/registry';
import { readDirectory } from './directory.js';
import { HiveFormatError, isHiveFormatError } from './errors.js';
import { readHeader, type HiveHeader } from './header.js';
import { resolveLimits, type HiveLimits } from './limits.js';
import { BLOCK_HEADER_SIZE, BlockType, HEAP_OFFSET, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION, blockTypeName } from './layout.js';
import { HiveKey, HiveRoot, HiveValue, INSPECT, ROOT_SLOTS, ROOTS_PAYLOAD, inspectAs, type KeyCursor, type RecordStore, type ValueCursor } from './records.js';
import { Store, refId, refStore, type LinkKind, type UnresolvedLink } from './references.js';
import { SECTION_TABLE_SIZE_TYPE, isSectionTable, isSlotUsed, sectionOfId, slotBlockFileOffset } from './sections.js';
import { allocatedBlockSize, isFreeBlock } from './heap.js';
import { REGISTRY_ROOTS } from './rules.js';
import { RESTORE_RECORD_HEADER, measureRestoreArea, mountedView, restoreProblem, restoreRecord, type RestoreArea, type RestoreRecord } from './restore.js';

/**
 * `rom`: references of its own records carry store nibble 2 (boot.hv, default.hv, ROM user.hv).
 * `persistent`: own records carry nibble 0 and nibble 2 links into a ROM hive (system.hv).
 */
export type HiveKind = 'rom' | 'persistent';

/**
 * Which hive a file with an interrupted flush is read as (format guide §3a).
 * `as-mounted` (default): the hive as Windows CE sees it after its repair at the next
 * mount (what `recoverHive` writes) — with restoreFlags 2, every live restore page
 * applied; with 1 or 2, restoreFlags 0 and restoreSize = the page size. `as-stored`: the
 * bytes before restoreStart as they are in the file. With restoreFlags 1 the two differ
 * only in those header fields (the kernel discards the records; the heap is the one stored).
 */
export type RecoveryView = 'as-stored' | 'as-mounted';

export interface OpenHiveOptions {
  /** `auto` (default) decides from the roots record; see `detectKind`. */
  kind?: HiveKind | 'auto';
  limits?: Partial<HiveLimits>;
  /**
   * Label for records of this file in dumps. Default `file`; a ROM hive given as `rom`
   * with the default label has its records labelled `rom`.
   */
  source?: string;
  /**
   * The ROM hive a persistent hive links into (default.hv for system.hv, ROM user.hv for a
   * profile's user.hv). Its nibble-2 links then resolve there, and the hive reads as the
   * device's effective registry (format guide §9). Must be a ROM-kind hive.
   */
  rom?: Hive;
  /**
   * A link into the ROM hive that does not resolve there (another build's ROM): `throw`
   * (default) a `HiveFormatError`, as for a broken link in the file; `unresolved`: yield it
   * as an `UnresolvedLink` with reason `rom-broken` and read on (a ROM hive read although
   * it failed `checkRom`).
   */
  brokenRomLinks?: 'throw' | 'unresolved';
  /**
   * For bytes filled on demand (a large file read page by page): called with each range
   * before the reader first reads it. A path lookup then reads a few pages of the file
   * instead of all of it. Whole-file passes (`hiveStatistics`, `disassembleHive`) call it
   * for the whole file first; `walkHeap` and `verifyHive` take bytes that must be whole.
   */
  load?: (offset: number, length: number) => void;
  /** `as-mounted` (default) or `as-stored`; see `RecoveryView`. */
  recovery?: RecoveryView;
}

/**
 * Opens a hive over the caller's bytes without copying them. Only the header, the section
 * directory and the roots record are read now; everything else is read when asked for.
 *
 * The heap ends at restoreStart, the logical end of the hive; bytes past it are restore
 * records (`hive.restore`, `hive.restoreRecord`). With restoreFlags 1 or 2 and the default
 * `recovery: 'as-mounted'`, the hive read is the repaired one: its bytes are then a buffer
 * of the hive's length whose pages are copied in, from the file or from their live restore
 * record, the first time the reader touches them (an overlay would put a page lookup in
 * every read of every hive; this costs a buffer only in the rare case of a cut flush).
 *
 * @throws {HiveFormatError} `TRUNCATED`, `BAD_MAGIC`, a `RESTORE_…` code for a damaged
 * restore area (see `readRestoreArea`), `DIRECTORY_OFFSET_PAST_EOF`, or an error about the
 * roots record.
 */
export function openHive(bytes: Uint8Array, options: OpenHiveOptions = {}): Hive {
  return new Hive(bytes, options);
}

export class Hive implements RecordStore {
  /** The hive read: the file up to restoreStart, or its repaired copy (see `RecoveryView`). */
  readonly bytes: Uint8Array;
  /** The whole file as given, restore records included. */
  readonly file: Uint8Array;
  /** restoreFlags, restoreStart, restoreSize and the tail after restoreStart, as stored. */
  readonly restore: RestoreArea;
  readonly recovery: RecoveryView;
  /** The bytes read are the repaired hive, not a view of the file (restoreFlags 1 or 2, as-mounted). */
  readonly repaired: boolean;
  readonly view: DataView;
  readonly header: HiveHeader;
  /** Heap-relative offsets of the section tables, from the section directory. */
  readonly sectionOffsets: Uint32Array;
  readonly limits: HiveLimits;
  readonly kind: HiveKind;
  /** Store nibble this hive's own references carry. */
  readonly ownStore: number;
  readonly source: string;
  /** File offset of the roots record block (object id 0). */
  readonly rootsOffset: number;
  /** The ROM hive nibble-2 links resolve in (persistent hives opened with `rom`). */
  readonly rom: Hive | undefined;
  /** What a link into the ROM hive that does not resolve there does (see `OpenHiveOptions.brokenRomLinks`). */
  readonly brokenRomLinks: 'throw' | 'unresolved';
  // Section tables are checked once, when first used.
  private readonly checkedSections: Uint8Array;

  private readonly load: ((offset: number, length: number) => void) | undefined;
  /** The caller's loader for the file's own bytes. */
  private readonly fileLoad: ((offset: number, length: number) => void) | undefined;

  constructor(bytes: Uint8Array, options: OpenHiveOptions = {}) {
    this.file = bytes;
    this.fileLoad = options.load;
    options.load?.(0, Math.min(bytes.length, HEAP_OFFSET));
    const fileView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    readHeader(bytes, fileView);
    this.restore = measureRestoreArea(bytes.length, fileView);
    // The checks read each live record's target offset: load those first.
    const recordBytes = RESTORE_RECORD_HEADER + this.restore.pageSize;
    for (let index = 0; index < this.restore.liveCount; index++) options.load?.(this.restore.restoreStart + index * recordBytes, RESTORE_RECORD_HEADER);
    const problem = restoreProblem(this.restore, fileView);
    if (problem !== undefined) throw problem;
    this.recovery = options.recovery ?? 'as-mounted';
    this.repaired = this.recovery === 'as-mounted' && this.restore.action !== 'none';
    if (this.repaired) {
      const mounted = mountedView(bytes, this.restore, options.load);
      this.bytes = mounted.bytes;
      this.load = mounted.load;
    } else {
      this.bytes = bytes.subarray(0, this.restore.restoreStart);
      this.load = options.load;
    }
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.load?.(0, Math.min(this.bytes.length, HEAP_OFFSET));
    this.header = readHeader(this.bytes, this.view);
    this.sectionOffsets = readDirectory(this.view, this.bytes.length);
    this.checkedSections = new Uint8Array(this.sectionOffsets.length);
    this.limits = resolveLimits(options.limits);
    this.source = options.source ?? 'file';
    this.rootsOffset = this.blockOffsetOf(0, BlockType.ROOTS, HEAP_OFFSET, 'roots record');
    const rootsSize = allocatedBlockSize(this.view.getUint32(this.rootsOffset, true));
    if (rootsSize < ROOTS_PAYLOAD) {
      throw new HiveFormatError('RECORD_TOO_SMALL', { what: 'roots record', offset: this.rootsOffset, expected: `payload ≥ ${ROOTS_PAYLOAD}`, actual: `${rootsSize}` });
    }
    this.kind = options.kind === undefined || options.kind === 'auto' ? detectKind(this.rootRefs()) : options.kind;
    this.ownStore = this.kind === 'rom' ? Store.ROM_HIVE : Store.HEAP;
    if (options.rom !== undefined && options.rom.kind !== 'rom') {
      throw new HiveFormatError('NOT_A_ROM_HIVE', { what: 'the hive given as ROM has references of a persistent hive (store nibble 0)', offset: options.rom.rootsOffset });
    }
    // Only a persistent hive has links into ROM; a ROM hive given one ignores it. A ROM
    // hive opened with the default label reads here as `rom`: records reached through the
    // links then say where they come from (the caller's Hive is left as it is).
    const rom = this.kind === 'persistent' ? options.rom : undefined;
    this.rom = rom !== undefined && rom.source === 'file' ? rom.withSource('rom') : rom;
    this.brokenRomLinks = options.brokenRomLinks ?? 'throw';
  }

  /** The same hive over the same bytes, its records labelled `source`. */
  withSource(source: string): Hive {
    return new Hive(this.file, { kind: this.kind, limits: this.limits, source, recovery: this.recovery, brokenRomLinks: this.brokenRomLinks, ...(this.fileLoad === undefined ? {} : { load: this.fileLoad }), ...(this.rom === undefined ? {} : { rom: this.rom }) });
  }

  /** Length of the hive read (restoreStart), not of the file. */
  get length(): number {
    return this.bytes.length;
  }

  /** Restore record `index` of the file's tail (0 ≤ index < `restore.recordCount`). @throws {RangeError} for another index */
  restoreRecord(index: number): RestoreRecord {
    const area = this.restore;
    if (Number.isInteger(index) && index >= 0 && index < area.recordCount) this.fileLoad?.(area.restoreStart + index * (RESTORE_RECORD_HEADER + area.pageSize), RESTORE_RECORD_HEADER + area.pageSize);
    return restoreRecord(this.file, area, index);
  }

  /** Makes sure the bytes of a range are loaded (see `OpenHiveOptions.load`). */
  ensureLoaded(offset: number, length: number): void {
    this.load?.(offset, Math.max(0, Math.min(length, this.bytes.length - offset)));
  }

  /** Loads the whole file (restore records included), for passes that read all of it. */
  loadAll(): void {
    this.fileLoad?.(0, this.file.length);
    if (this.repaired) this.load?.(0, this.bytes.length);
  }

  get sectionCount(): number {
    return this.sectionOffsets.length;
  }

  /** The 8 raw references of the roots record. */
  rootRefs(): number[] {
    const refs: number[] = [];
    for (let i = 0; i < ROOT_SLOTS; i++) refs.push(this.view.getUint32(this.rootsOffset + BLOCK_HEADER_SIZE + 4 * i, true));
    return refs;
  }

  /** Root `index` (0 HKCR, 1 HKCU, 2 HKLM, 3 HKU; 4–7 unused). @throws {RangeError} for another index */
  root(index: number): HiveRoot {
    if (!Number.isInteger(index) || index < 0 || index >= ROOT_SLOTS) throw new RangeError(`root index ${index} is outside 0–${ROOT_SLOTS - 1}`);
    const refOffset = this.rootsOffset + BLOCK_HEADER_SIZE + 4 * index;
    return new HiveRoot(this, index, this.view.getUint32(refOffset, true), refOffset);
  }

  /**
   * The registry roots (0–3) that have keys, in index order. Entries 4–7 of the roots
   * record are unused and not followed even when set (see `REGISTRY_ROOTS`); `root(i)`
   * and `rootRefs()` still show them, and `verifyHive` reports them.
   */
  roots(): HiveRoot[] {
    const roots: HiveRoot[] = [];
    for (let i = 0; i < REGISTRY_ROOTS; i++) {
      const root = this.root(i);
      if (root.firstKey !== 0) roots.push(root);
    }
    return roots;
  }

  /**
   * Looks up a key by path (`HKLM\Drivers\BuiltIn`, case-insensitive), reading only the
   * records of the sibling chains along the path. A path naming just a root returns it.
   *
   * @throws {HiveFormatError} `BAD_PATH` if the path names no root; format errors met on the way.
   */
  key(path: string): HiveRoot | HiveKey | undefined {
    const result = this.lookup(path);
    return result.found ? result.node : undefined;
  }

  /**
   * Like `key`, saying more: the path spelled as stored (`HKEY_LOCAL_MACHINE\nls` for
   * `hklm\NLS`) as far as it was found, the first name not found, and the unresolved
   * link (into a ROM hive not loaded) where the search had to stop, if that is why.
   *
   * @throws {HiveFormatError} `BAD_PATH` if the path names no root; format errors met on the way.
   */
  lookup(path: string): LookupResult {
    const parsed = parseKeyPath(path);
    if (parsed === undefined) {
      throw new HiveFormatError('BAD_PATH', { what: `key path "${path}" does not start with a root (HKLM, HKCU, HKCR, HKU)`, offset: 0 });
    }
    let node: HiveRoot | HiveKey = this.root(parsed.root);
    let stored = node.name;
    for (const name of parsed.names) {
      const next: HiveKey | UnresolvedLink | undefined = node.findSubkey(name);
      if (next === undefined || next.kind === 'unresolved') return { found: false, path: stored, missing: name, stoppedAt: next };
      node = next;
      stored += '\\' + node.name;
    }
    return { found: true, node, path: stored };
  }

  /**
   * Looks up a value by key path and value name (`findValue('HKLM\\init', 'Launch10')`,
   * case-insensitive; `Default` for the unnamed value). When it is not found, says whether
   * it is absent or may be behind an unresolved link: a persistent hive opened without
   * its ROM hive stops at the links into ROM, and the value may be there (`stoppedAt`).
   *
   * @throws {HiveFormatError} `BAD_PATH` if the path names no root; format errors met on the way.
   */
  findValue(path: string, name: string): ValueLookupResult {
    const key = this.lookup(path);
    if (!key.found) return key;
    const entry = key.node.findValue(name);
    if (entry === undefined) return { found: false, path: key.path, missing: name, stoppedAt: undefined };
    if (entry.kind === 'unresolved') return { found: false, path: key.path, missing: name, stoppedAt: entry };
    return { found: true, value: entry, key: key.node, path: key.path };
  }

  /** A summary (JSON.stringify): what the hive is, not its bytes. */
  toJSON(): { kind: HiveKind; source: string; length: number; sectionCount: number; romSignature: string; rom: string | null } {
    let romSignature = '';
    for (const byte of this.header.romSignature) romSignature += byte.toString(16).padStart(2, '0');
    return { kind: this.kind, source: this.source, length: this.length, sectionCount: this.sectionCount, romSignature, rom: this.rom?.source ?? null };
  }

  [INSPECT](_depth: number, options: unknown, inspect?: (value: unknown, options?: unknown) => string): string {
    return inspectAs('Hive', this.toJSON(), options, inspect);
  }

  /**
   * File offset of the block of object `id`, checked: its section exists, its slot is
   * used and points inside the heap, the block fits the file, is allocated, has type
   * `expectedType` and carries `id`.
   */
  blockOffsetOf(id: number, expectedType: number, fromOffset: number, linkWhat: string): number {
    // Errors met inside a linked ROM hive say so: their offsets are that file's.
    const what = this.source === 'file' ? linkWhat : `${this.source}: ${linkWhat}`;
    const section = sectionOfId(id);
    const slotIndex = id % SLOTS_PER_SECTION;
    if (section >= this.sectionOffsets.length) {
      throw new HiveFormatError('LINK_TO_MISSING_SECTION', {
        what: `${what}: reference to id ${id} in section ${section}`,
        offset: fromOffset,
        expected: `a section below ${this.sectionOffsets.length}`,
        actual: `section ${section}`,
      });
    }
    const tableOffset = this.sectionTableOffset(section);
    const slotOffset = tableOffset + BLOCK_HEADER_SIZE + 4 * slotIndex;
    const slot = this.view.getUint32(slotOffset, true);
    if (!isSlotUsed(slot)) {
      throw new HiveFormatError('LINK_TO_FREE_SLOT', { what: `${what}: id ${id} names a free slot`, offset: slotOffset, actual: `slot 0x${slot.toString(16)}` });
    }
    const blockOffset = slotBlockFileOffset(slot);
    this.ensureLoaded(blockOffset, BLOCK_HEADER_SIZE);
    if (blockOffset + BLOCK_HEADER_SIZE > this.bytes.length) {
      throw new HiveFormatError('SLOT_OUT_OF_HEAP', {
        what: `${what}: slot of id ${id} points outside the heap`,
        offset: slotOffset,
        expected: `a block before EOF (${this.bytes.length})`,
        actual: `block at 0x${blockOffset.toString(16)}`,
      });
    }
    const sizeType = this.view.getUint32(blockOffset, true);
    if (isFreeBlock(sizeType)) {
      throw new HiveFormatError('SLOT_POINTS_TO_FREE', { what: `${what}: id ${id} points at a free block`, offset: blockOffset });
    }
    const size = allocatedBlockSize(sizeType);
    if (blockOffset + BLOCK_HEADER_SIZE + size > this.bytes.length) {
      throw new HiveFormatError('BLOCK_PAST_EOF', {
        what: `${what}: block of id ${id} runs past the end of the file`,
        offset: blockOffset,
        expected: `size ≤ ${this.bytes.length - blockOffset - BLOCK_HEADER_SIZE}`,
        actual: `size ${size}`,
      });
    }
    this.ensureLoaded(blockOffset + BLOCK_HEADER_SIZE, size);
    const blockId = this.view.getUint32(blockOffset + 8, true);
    if (blockId !== id) {
      throw new HiveFormatError('ID_MISMATCH', { what: `${what}: block reached through id ${id}`, offset: blockOffset + 8, expected: `id ${id}`, actual: `id ${blockId}` });
    }
    const type = sizeType >>> 28;
    if (type !== expectedType) {
      throw new HiveFormatError('LINK_WRONG_TYPE', {
        what: `${what}: id ${id}`,
        offset: blockOffset,
        expected: blockTypeName(expectedType),
        actual: blockTypeName(type),
      });
    }
    return blockOffset;
  }

  /**
   * File offset of section `section`'s table block, checked (once) to be a section table
   * carrying that section's index.
   *
   * @throws {HiveFormatError} `BAD_SECTION_TABLE`
   */
  sectionTableOffset(section: number): number {
    const tableOffset = HEAP_OFFSET + this.sectionOffsets[section]!;
    if (this.checkedSections[section] === 0) {
      this.ensureLoaded(tableOffset, BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD);
      this.checkSectionTable(section, tableOffset);
    }
    return tableOffset;
  }

  private checkSectionTable(section: number, tableOffset: number): void {
    const sizeType = this.view.getUint32(tableOffset, true);
    const expected = SECTION_TABLE_SIZE_TYPE;
    const id = this.view.getUint32(tableOffset + 8, true);
    if (!isSectionTable(sizeType, id, section)) {
      throw new HiveFormatError('BAD_SECTION_TABLE', {
        what: `section table ${section}`,
        offset: tableOffset,
        expected: `header 0x${expected.toString(16)} with id ${section}`,
        actual: `header 0x${sizeType.toString(16)} with id ${id}`,
      });
    }
    this.checkedSections[section] = 1;
  }

  /** A link into the ROM hive followed; one that does not resolve there comes back unresolved (`rom-broken`). */
  private throughRom<T>(resolve: () => T, ref: number, link: LinkKind, fromOffset: number): T | UnresolvedLink {
    try {
      return resolve();
    } catch (error) {
      if (!isHiveFormatError(error)) throw error;
      return { ...this.unresolved(ref, link, fromOffset), reason: 'rom-broken' };
    }
  }

  // The four ways through the ROM hive with `brokenRomLinks: 'unresolved'`, each a method
  // of its own: a closure in the resolving methods would cost every call a context.
  private keyObjectThroughRom(ref: number, link: LinkKind, fromOffset: number): HiveKey | UnresolvedLink {
    return this.throughRom(() => this.rom!.resolveKey(ref, link, fromOffset), ref, link, fromOffset);
  }

  private valueObjectThroughRom(ref: number, fromOffset: number): HiveValue | UnresolvedLink {
    return this.throughRom(() => this.rom!.resolveValue(ref, fromOffset), ref, 'value', fromOffset);
  }

  private keyThroughRom(cursor: KeyCursor, ref: number, link: LinkKind, fromOffset: number): UnresolvedLink | undefined {
    return this.throughRom(() => this.rom!.resolveKeyInto(cursor, ref, link, fromOffset), ref, link, fromOffset);
  }

  private valueThroughRom(cursor: ValueCursor, ref: number, fromOffset: number): UnresolvedLink | undefined {
    return this.throughRom(() => this.rom!.resolveValueInto(cursor, ref, fromOffset), ref, 'value', fromOffset);
  }

  private unresolved(ref: number, link: LinkKind, fromOffset: number): UnresolvedLink {
    const store = refStore(ref);
    return {
      kind: 'unresolved',
      ref,
      store,
      id: refId(ref),
      link,
      offset: fromOffset,
      reason: this.kind === 'persistent' && store === Store.ROM_HIVE ? 'rom-not-loaded' : 'unknown-store',
    };
  }

  /**
   * Follows a key reference: into this file, or through a nibble-2 link into the ROM hive
   * when one was given; any other reference comes back unresolved.
   */
  resolveKey(ref: number, link: LinkKind, fromOffset: number): HiveKey | UnresolvedLink {
    if (refStore(ref) !== this.ownStore) {
      if (this.rom === undefined || refStore(ref) !== Store.ROM_HIVE) return this.unresolved(ref, link, fromOffset);
      return this.brokenRomLinks === 'unresolved' ? this.keyObjectThroughRom(ref, link, fromOffset) : this.rom.resolveKey(ref, link, fromOffset);
    }
    const id = refId(ref);
    const offset = this.blockOffsetOf(id, BlockType.KEY, fromOffset, LINK_WHAT[link]);
    return new HiveKey(this, offset, id, allocatedBlockSize(this.view.getUint32(offset, true)));
  }

  resolveKeyInto(cursor: KeyCursor, ref: number, link: LinkKind, fromOffset: number): UnresolvedLink | undefined {
    if (refStore(ref) !== this.ownStore) {
      if (this.rom === undefined || refStore(ref) !== Store.ROM_HIVE) return this.unresolved(ref, link, fromOffset);
      return this.brokenRomLinks === 'unresolved' ? this.keyThroughRom(cursor, ref, link, fromOffset) : this.rom.resolveKeyInto(cursor, ref, link, fromOffset);
    }
    const id = refId(ref);
    const offset = this.blockOffsetOf(id, BlockType.KEY, fromOffset, LINK_WHAT[link]);
    cursor.set(this, offset, id, allocatedBlockSize(this.view.getUint32(offset, true)));
    return undefined;
  }

  resolveValueInto(cursor: ValueCursor, ref: number, fromOffset: number): UnresolvedLink | undefined {
    if (refStore(ref) !== this.ownStore) {
      if (this.rom === undefined || refStore(ref) !== Store.ROM_HIVE) return this.unresolved(ref, 'value', fromOffset);
      return this.brokenRomLinks === 'unresolved' ? this.valueThroughRom(cursor, ref, fromOffset) : this.rom.resolveValueInto(cursor, ref, fromOffset);
    }
    const id = refId(ref);
    const offset = this.blockOffsetOf(id, BlockType.VALUE, fromOffset, 'value link');
    cursor.set(this, offset, id, allocatedBlockSize(this.view.getUint32(offset, true)));
    return undefined;
  }

  resolveValue(ref: number, fromOffset: number): HiveValue | UnresolvedLink {
    if (refStore(ref) !== this.ownStore) {
      if (this.rom === undefined || refStore(ref) !== Store.ROM_HIVE) return this.unresolved(ref, 'value', fromOffset);
      return this.brokenRomLinks === 'unresolved' ? this.valueObjectThroughRom(ref, fromOffset) : this.rom.resolveValue(ref, fromOffset);
    }
    const id = refId(ref);
    const offset = this.blockOffsetOf(id, BlockType.VALUE, fromOffset, 'value link');
    return new HiveValue(this, offset, id, allocatedBlockSize(this.view.getUint32(offset, true)));
  }
}

/** What a key link is called in messages (one string each, not one built per key followed). */
const LINK_WHAT: Record<LinkKind, string> = { root: 'root link', child: 'child link', sibling: 'sibling link', value: 'value link' };

export type LookupResult =
  | { found: true; node: HiveRoot | HiveKey; path: string }
  | { found: false; path: string; missing: string; stoppedAt: UnresolvedLink | undefined };

/**
 * What `findValue` found: the value and its key (`path` spelled as stored), or the name not
 * found (a key name, or the value name) and the unresolved link the search stopped at, if
 * that is why: then the value is not known to be absent.
 */
export type ValueLookupResult =
  | { found: true; value: HiveValue; key: HiveRoot | HiveKey; path: string }
  | { found: false; path: string; missing: string; stoppedAt: UnresolvedLink | undefined };

/**
 * A persistent hive's roots point at keys in the file (nibble 0); a ROM hive's own
 * references all carry nibble 2. So: any root with nibble 0 means persistent; otherwise
 * ROM (an empty roots record included).
 */
export function detectKind(rootRefs: readonly number[]): HiveKind {
  // Only the registry roots count: entries 4–7 are not followed (see `REGISTRY_ROOTS`).
  return rootRefs.some((ref, index) => index < REGISTRY_ROOTS && ref !== 0 && refStore(ref) === Store.HEAP) ? 'persistent' : 'rom';
}
