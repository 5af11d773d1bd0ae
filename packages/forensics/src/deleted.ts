import { isHiveFormatError, walkTree, type Hive } from '@hivetool/hive';
import { BLOCK_HEADER_SIZE, BlockType, KeyField, SLOTS_PER_SECTION, ValueField, walkHeap } from '@hivetool/hive/layout';
import { decodeUtf16, hasLoneSurrogate } from '@hivetool/registry';

/**
 * How much of a recovered record is certain:
 * - `exact`: its fields, name and data fill the stale block exactly as the size formula of
 *   format guide §8 says, inside free space: the record as it was.
 * - `likely`: name and data are whole and inside free space, but the block around them is
 *   larger than the record (free blocks merged) or its size is not known.
 * - `partial`: the name is whole but the data runs past the free space (later writes
 *   reused the rest): `data` holds only the bytes still there.
 * - `inferred`: a value whose type and data length fields were zeroed (as some devices do
 *   on delete): its data is taken to be the bytes that follow its name, up to what the
 *   evidence allows (`inferredLength`); its type is not known.
 */
export type Certainty = 'exact' | 'likely' | 'partial' | 'inferred';

interface RecoveredRecord {
  /** File offset of the record's block header (as it was before it was freed). */
  offset: number;
  /** Bytes from `offset` to the end of the record's fields, name and data (as far as intact). */
  length: number;
  /** The id the record had (section × 1024 + slot), from its stale block header. */
  id: number;
  name: string;
  certainty: Certainty;
  /** Whether a live record now has this id (the slot was used again). */
  idReused: boolean;
  /**
   * The path of the key that held it, where some live or stale record still points at it
   * (a stale parent's link, or its own sibling or next-value link into a live chain); null
   * when nothing does. A path starting `?\\` is known only from that key down.
   */
  parentPath: string | null;
  /**
   * `stale-link`: deleted records alone lead to the parent. `live-chain`: the way goes
   * through a live record a stale link names; that id may have been given to a new
   * record since, so the parent is less certain.
   */
  parentVia: 'stale-link' | 'live-chain' | null;
  /** Where its bytes are: a free block, or the slack after a live record in a block larger than that record. */
  where: 'free-block' | 'slack';
}

export interface DeletedKey extends RecoveredRecord {
  kind: 'key';
  flags: number;
  nextSibling: number;
  firstChild: number;
  firstValue: number;
}

export interface DeletedValue extends RecoveredRecord {
  kind: 'value';
  nextValue: number;
  type: number;
  flags: number;
  /** The data length the record declares. */
  dataLength: number;
  /**
   * The data as far as it is intact (a view into the hive's bytes; shorter than
   * `dataLength` when `partial`). When `inferred`: the bytes after the name up to the
   * largest length the evidence allows (`inferredLength.max`).
   */
  data: Uint8Array;
  /** Set when `inferred`: the range of data lengths the evidence allows (bytes, both included). */
  inferredLength?: { min: number; max: number };
}

export type DeletedRecord = DeletedKey | DeletedValue;

export interface RecoverOptions {
  /** Most records reported (default 1 000 000): a cap against hostile input. */
  maxRecords?: number;
}

/** Space that holds no live bytes: a free block (header included), or the slack after a live record's fields. */
interface Region {
  start: number;
  end: number;
  where: 'free-block' | 'slack';
}

/** Smallest slack that can hold a stale record: a block header and a value's fixed fields. */
const MIN_SLACK_RECORD = BLOCK_HEADER_SIZE + ValueField.name + 2;

/**
 * Finds key and value records whose bytes survive in the free blocks of a hive (format
 * guide §5: free blocks keep stale bytes), and in the slack of live records' blocks. A
 * device deleting a record unhooks it from its chain, frees its slot and rewrites its
 * block header as `size | 1`, leaving the id and the payload in place; neighbouring free
 * blocks may merge (older headers then lie inside the larger block), and new records may
 * take part of the space. So every free block is read from its start, and its payload
 * searched for the stale headers of merged blocks. A free block taken whole by a smaller
 * record keeps the older headers after it as slack, which is read the same way. Only free
 * space and slack are read: live records are never reported.
 *
 * A heap that cannot be walked to its end is read as far as it goes.
 */
export function recoverDeleted(hive: Hive, options: RecoverOptions = {}): DeletedRecord[] {
  hive.loadAll();
  const maxRecords = options.maxRecords ?? 1_000_000;
  const bytes = hive.bytes;
  const view = hive.view;
  const capacity = hive.sectionCount * SLOTS_PER_SECTION;
  const ownStore = hive.ownStore;
  const regions: Region[] = [];
  try {
    walkHeap(bytes, view, (block) => {
      const end = block.offset + BLOCK_HEADER_SIZE + block.size;
      if (block.free) {
        regions.push({ start: block.offset, end, where: 'free-block' });
        return;
      }
      // A live record in a block larger than it needs (a free block taken whole by a
      // smaller record) leaves the rest of the block as slack, stale bytes included.
      const at = block.offset + BLOCK_HEADER_SIZE;
      let fieldsEnd: number;
      if (block.type === BlockType.KEY && block.size >= KeyField.name) fieldsEnd = at + KeyField.name + 2 * bytes[at + KeyField.nameLength]!;
      else if (block.type === BlockType.VALUE && block.size >= ValueField.name) fieldsEnd = at + ValueField.name + 2 * bytes[at + ValueField.nameLength]! + view.getUint16(at + ValueField.dataLength, true);
      else return;
      const slack = (fieldsEnd + 3) & ~3;
      if (end - slack >= MIN_SLACK_RECORD) regions.push({ start: slack, end, where: 'slack' });
    });
  } catch (error) {
    // A heap that cannot be walked to its end: the free blocks before the bad one are read.
    if (!isHiveFormatError(error)) throw error;
  }

  const u32 = (at: number): number => view.getUint32(at, true);
  const plausibleLink = (ref: number): boolean => {
    if (ref === 0) return true;
    const store = ref >>> 28;
    const id = ref & 0x0fffffff;
    // A persistent hive also links into its ROM hive (nibble 2); bits 24–27 are 0 in every sample (§7).
    return (store === ownStore || store === 2) && (id & 0x0f000000) === 0 && id !== 0 && (store !== ownStore || id < capacity);
  };
  const plausibleId = (id: number): boolean => id >= 1 && id < capacity;
  const nameAt = (at: number, units: number, isKey: boolean): string | undefined => {
    if (units === 0) return undefined;
    for (let i = 0; i < units; i++) {
      const unit = view.getUint16(at + 2 * i, true);
      // Stale bytes that are not a name: control characters, non-characters, a key name with a separator.
      if (unit < 0x20 || unit === 0xfffe || unit === 0xffff || (isKey && unit === 0x5c)) return undefined;
    }
    const name = decodeUtf16(bytes, at, units);
    return hasLoneSurrogate(name) ? undefined : name;
  };
  const slotUsed = (id: number): boolean => {
    try {
      const table = hive.sectionTableOffset(Math.floor(id / SLOTS_PER_SECTION));
      return (u32(table + BLOCK_HEADER_SIZE + 4 * (id % SLOTS_PER_SECTION)) & 1) !== 0;
    } catch {
      return false;
    }
  };

  /** A key record whose block header is at `block`, inside free space ending at `end`. */
  const keyAt = (block: number, id: number, blockSize: number | undefined, end: number): DeletedKey | undefined => {
    const at = block + BLOCK_HEADER_SIZE;
    if (at + KeyField.name > end) return undefined;
    const units = bytes[at + KeyField.nameLength]!;
    if (bytes[at + KeyField.unknown] !== 0) return undefined;
    const fieldsEnd = at + KeyField.name + 2 * units;
    if (fieldsEnd > end || (blockSize !== undefined && KeyField.name + 2 * units > blockSize)) return undefined;
    const nextSibling = u32(at + KeyField.nextSibling);
    const firstChild = u32(at + KeyField.firstChild);
    const firstValue = u32(at + KeyField.firstValue);
    if (!plausibleLink(nextSibling) || !plausibleLink(firstChild) || !plausibleLink(firstValue)) return undefined;
    const name = nameAt(at + KeyField.name, units, true);
    if (name === undefined) return undefined;
    const size = (KeyField.name + 2 * units + 3) & ~3;
    return {
      kind: 'key',
      offset: block,
      length: fieldsEnd - block,
      id,
      name,
      certainty: blockSize === size ? 'exact' : 'likely',
      idReused: slotUsed(id),
      parentPath: null,
      parentVia: null,
      where: 'free-block',
      flags: view.getUint16(at + KeyField.flags, true),
      nextSibling,
      firstChild,
      firstValue,
    };
  };

  /**
   * A value record whose block header is at `block`, inside free space ending at `end`.
   * `infer`: read the data of a record whose type and length were zeroed (`inferredValue`).
   */
  const valueAt = (block: number, id: number, blockSize: number | undefined, end: number, infer = true): DeletedValue | undefined => {
    const at = block + BLOCK_HEADER_SIZE;
    if (at + ValueField.name > end) return undefined;
    const type = view.getUint16(at + ValueField.type, true);
    const units = bytes[at + ValueField.nameLength]!;
    const dataLength = view.getUint16(at + ValueField.dataLength, true);
    // Types of §8 run to 21 (MUI_SZ); stale bytes with a larger type are not taken for a value.
    if (type > 21) return undefined;
    const nextValue = u32(at + ValueField.nextValue);
    if (!plausibleLink(nextValue)) return undefined;
    const nameEnd = at + ValueField.name + 2 * units;
    if (nameEnd > end || (blockSize !== undefined && ValueField.name + 2 * units > blockSize)) return undefined;
    const name = nameAt(at + ValueField.name, units, false);
    if (name === undefined) return undefined;
    /** The record with its data from the name's end to `dataEnd`. */
    const record = (dataEnd: number, certainty: Certainty, inferredLength?: { min: number; max: number }): DeletedValue => {
      const value: DeletedValue = {
        kind: 'value',
        offset: block,
        length: dataEnd - block,
        id,
        name,
        certainty,
        idReused: slotUsed(id),
        parentPath: null,
        parentVia: null,
        where: 'free-block',
        nextValue,
        type,
        flags: bytes[at + ValueField.flags]!,
        dataLength,
        data: bytes.subarray(nameEnd, dataEnd),
      };
      if (inferredLength !== undefined) value.inferredLength = inferredLength;
      return value;
    };
    if (infer && type === 0 && dataLength === 0) {
      const inferred = inferredData(block, nameEnd, blockSize, end);
      if (inferred !== undefined) return record(nameEnd + inferred.max, 'inferred', { min: inferred.min, max: inferred.max });
    }
    const size = (ValueField.name + 2 * units + dataLength + 2 + 3) & ~3;
    // The block's own size bounds the data as much as the free space does.
    const dataEnd = Math.min(nameEnd + dataLength, end, blockSize === undefined ? end : at + blockSize);
    const intact = dataEnd === nameEnd + dataLength;
    return record(dataEnd, !intact ? 'partial' : blockSize === size ? 'exact' : 'likely');
  };

  /**
   * A stale block header at `at` (4-aligned, inside free space ending at `end`) that starts
   * a key or value record: where a record before it ended, as blocks tile the heap. Its own
   * zeroed data is not inferred, so the probe stays linear.
   */
  const staleRecordStarts = (at: number, end: number): boolean => {
    const sizeType = u32(at);
    if ((sizeType & 1) === 0 || u32(at + 4) !== 0 || !plausibleId(u32(at + 8))) return false;
    const blockSize = (sizeType & ~1) >>> 0;
    const size = at + BLOCK_HEADER_SIZE + blockSize <= end ? blockSize : undefined;
    return keyAt(at, u32(at + 8), size, end) !== undefined || valueAt(at, u32(at + 8), size, end, false) !== undefined;
  };

  /**
   * The data of a deleted value whose type and length fields were zeroed, `nameEnd` the
   * end of its name: the range of lengths the evidence allows (format guide §5, §8).
   * - The most: up to the first stale header of a later block (the record's block ended
   *   there, its neighbour merged into the free block after it), else to the end of its
   *   stale block or of the free space, less the 2 bytes the size formula adds after the
   *   data (`align4(10 + 2·nameLength + dataLength + 2)`), and at most 65 535.
   * - The least: where a later block's header bounds it, the block was the one allocated
   *   for the record, padded to 4 bytes, so the data is at most 3 bytes shorter than the
   *   most. Without such a header nothing bounds it from below (padding may hold stale
   *   bytes in a persistent hive, so trailing bytes prove nothing): 0.
   * Undefined when no byte follows the name.
   */
  const inferredData = (block: number, nameEnd: number, blockSize: number | undefined, end: number): { min: number; max: number } | undefined => {
    let bound = Math.min(end, blockSize === undefined ? end : block + BLOCK_HEADER_SIZE + blockSize, nameEnd + 2 + 0xffff);
    let neighbour = false;
    for (let at = (nameEnd + 3) & ~3; at + BLOCK_HEADER_SIZE <= bound; at += 4) {
      if (staleRecordStarts(at, end)) {
        bound = at;
        neighbour = true;
        break;
      }
    }
    const max = bound - 2 - nameEnd;
    if (max <= 0) return undefined;
    // The 4-byte padding: align4(10 + 2·n + L + 2) is the block's payload, so L ≥ that − 3.
    return { min: neighbour ? Math.max(0, max - 3) : 0, max };
  };

  /**
   * The record of a stale block header at `block`: the header of a freed block is
   * `size | 1` (type lost), so a key and a value reading are both tried; one that matches
   * its block's size exactly wins, as does the type of a header that kept it.
   */
  const recordAt = (block: number, end: number): DeletedRecord | undefined => {
    const sizeType = u32(block);
    const id = u32(block + 8);
    if (u32(block + 4) !== 0 || !plausibleId(id)) return undefined;
    const free = (sizeType & 1) !== 0;
    const type = sizeType >>> 28;
    if (!free && type !== BlockType.KEY && type !== BlockType.VALUE) return undefined;
    const blockSize = free ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff;
    // A stale header claiming more than the free space around it is not trusted for sizes.
    const size = block + BLOCK_HEADER_SIZE + blockSize <= end ? blockSize : undefined;
    const key = free || type === BlockType.KEY ? keyAt(block, id, size, end) : undefined;
    const value = free || type === BlockType.VALUE ? valueAt(block, id, size, end) : undefined;
    if (key !== undefined && value !== undefined) {
      if (key.certainty === 'exact' && value.certainty !== 'exact') return key;
      if (value.certainty === 'exact' && key.certainty !== 'exact') return value;
      return undefined; // both readings fit equally: nothing certain enough to report
    }
    return key ?? value;
  };

  const found: DeletedRecord[] = [];
  for (const region of regions) {
    let at = region.start;
    while (at + BLOCK_HEADER_SIZE <= region.end && found.length < maxRecords) {
      // The free block's own header starts a stale block; inside it, headers of merged ones.
      const record = recordAt(at, region.end);
      if (record !== undefined) {
        record.where = region.where;
        found.push(record);
        at = (record.offset + record.length + 3) & ~3;
      } else {
        at += 4;
      }
    }
  }
  resolveParents(hive, found);
  return found;
}

/** Most links followed up from one record to find its former parent path. */
const MAX_PARENT_STEPS = 256;

/** Stands for the part of a former path that no link leads to any more. */
export const UNKNOWN_PARENT = '?';

/** Former parent paths, from the links that still point at or out of each record (see `RecoveredRecord.parentPath`). */
function resolveParents(hive: Hive, records: DeletedRecord[]): void {
  const liveKeyParent = new Map<number, string>();
  const liveValueOwner = new Map<number, string>();
  for (const root of hive.roots()) {
    try {
      walkTree(root, root.name, {
        key: (key, path) => {
          if (key.store !== hive) return;
          liveKeyParent.set(key.id, path.slice(0, path.lastIndexOf('\\')));
        },
        value: (value, _key, path) => {
          if (value.store === hive) liveValueOwner.set(value.id, path);
        },
      }, { skipDamaged: () => true });
    } catch {
      // A walk past a cap on counts: parents are found as far as it went (damaged records are skipped).
    }
  }
  // A root whose first-key reference still names the id (the roots record is live).
  const rootOf = new Map<number, string>();
  hive.rootRefs().forEach((ref, index) => {
    if (ref !== 0 && ref >>> 28 === hive.ownStore) rootOf.set(ref & 0x0fffffff, hive.root(index).name);
  });
  const own = (ref: number): number | undefined => (ref !== 0 && ref >>> 28 === hive.ownStore ? ref & 0x0fffffff : undefined);
  const deletedKeys = new Map<number, DeletedKey>();
  const deletedValues = new Map<number, DeletedValue>();
  const childOf = new Map<number, DeletedKey>();
  const siblingBefore = new Map<number, DeletedKey>();
  const valueOf = new Map<number, DeletedKey>();
  const valueBefore = new Map<number, DeletedValue>();
  for (const record of records) {
    if (record.kind === 'key') {
      if (!deletedKeys.has(record.id)) deletedKeys.set(record.id, record);
      const child = own(record.firstChild);
      const sibling = own(record.nextSibling);
      const value = own(record.firstValue);
      if (child !== undefined && !childOf.has(child)) childOf.set(child, record);
      if (sibling !== undefined && !siblingBefore.has(sibling)) siblingBefore.set(sibling, record);
      if (value !== undefined && !valueOf.has(value)) valueOf.set(value, record);
    } else {
      if (!deletedValues.has(record.id)) deletedValues.set(record.id, record);
      const next = own(record.nextValue);
      if (next !== undefined && !valueBefore.has(next)) valueBefore.set(next, record);
    }
  }

  // A parent found through a stale link into a live chain is marked: a live record may
  // have taken the id since the link was written.
  // `steps`: names in `path`, kept at most maxSteps so that paths stay short on hostile chains.
  type Parent = { path: string; live: boolean; steps: number } | null;
  const keyParent = new Map<DeletedKey, Parent>();
  // A deleted key whose own parent is not known still names its children's parent, as
  // `?\\Name`: the part of the path that is known.
  const keyPath = (key: DeletedKey, seen: Set<DeletedRecord>): Parent => {
    const found = parentOfKey(key, seen);
    const parent = found !== null && found.steps < maxSteps ? found : null;
    return { path: `${parent?.path ?? UNKNOWN_PARENT}\\${key.name}`, live: parent?.live ?? false, steps: (parent?.steps ?? 0) + 1 };
  };
  const whole = (parent: Parent): boolean => parent !== null && !parent.path.startsWith(UNKNOWN_PARENT);
  /** The first of the candidates that is a whole path, else the first found. */
  const best = (...candidates: Array<() => Parent>): Parent => {
    let partial: Parent = null;
    for (const candidate of candidates) {
      const parent = candidate();
      if (whole(parent)) return parent;
      partial ??= parent;
    }
    return partial;
  };
  const live = (path: string | undefined): Parent => (path === undefined ? null : { path, live: true, steps: 0 });
  // Each step up is a nested call: the climb stops after MAX_PARENT_STEPS (a hostile
  // chain of stale keys must not exhaust the stack), and a path built from stale keys
  // keeps at most that many names; above them it is `?\\…`.
  const maxSteps = Math.min(hive.limits.maxDepth, MAX_PARENT_STEPS);
  const parentOfKey = (key: DeletedKey, seen: Set<DeletedRecord>): Parent => {
    if (keyParent.has(key)) return keyParent.get(key)!;
    if (seen.has(key) || seen.size > maxSteps) return null;
    seen.add(key);
    const holder = childOf.get(key.id);
    const before = siblingBefore.get(key.id);
    const after = own(key.nextSibling);
    const parent = best(
      () => live(rootOf.get(key.id)),
      () => (holder === undefined ? null : keyPath(holder, seen)),
      () => (before === undefined ? null : parentOfKey(before, seen)),
      () => {
        if (after === undefined) return null;
        // A stale link names the id as it was when the record was deleted: a deleted record
        // with that id is the one it meant; a live one may have taken the id since.
        const stale = deletedKeys.get(after);
        return stale !== undefined ? parentOfKey(stale, seen) : live(liveKeyParent.get(after));
      },
    );
    keyParent.set(key, parent);
    return parent;
  };
  const valueOwner = new Map<DeletedValue, Parent>();
  const ownerOfValue = (value: DeletedValue, seen: Set<DeletedRecord>): Parent => {
    if (valueOwner.has(value)) return valueOwner.get(value)!;
    if (seen.has(value) || seen.size > maxSteps) return null;
    seen.add(value);
    const holder = valueOf.get(value.id);
    const before = valueBefore.get(value.id);
    const next = own(value.nextValue);
    const owner = best(
      () => (holder === undefined ? null : keyPath(holder, seen)),
      () => (before === undefined ? null : ownerOfValue(before, seen)),
      () => {
        if (next === undefined) return null;
        const stale = deletedValues.get(next);
        return stale !== undefined ? ownerOfValue(stale, seen) : live(liveValueOwner.get(next));
      },
    );
    valueOwner.set(value, owner);
    return owner;
  };
  for (const record of records) {
    const parent = record.kind === 'key' ? parentOfKey(record, new Set()) : ownerOfValue(record, new Set());
    record.parentPath = parent?.path ?? null;
    record.parentVia = parent === null ? null : parent.live ? 'live-chain' : 'stale-link';
  }
}
