/**
 * Hand-built hive bytes for reader tests, written field by field from the format guide
 * and independent of the project's writer: every field can be set to any value,
 * including wrong ones.
 */

import { ROOT_COUNT } from '@hivetool/registry';

export const ROM = 2;
export const HEAP = 0;

export function ref(store: number, id: number): number {
  return ((store << 28) | id) >>> 0;
}

function utf16(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out.push(unit & 0xff, unit >>> 8);
  }
  return out;
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function u16(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}

function pad4(bytes: number[]): number[] {
  while (bytes.length % 4 !== 0) bytes.push(0);
  return bytes;
}

export interface KeySpec {
  nextSibling?: number;
  firstChild?: number;
  firstValue?: number;
  name: string;
  /** Overrides the name length byte (to build bad records). */
  nameLength?: number;
  unknownByte?: number;
  flags?: number;
  /** Extra payload bytes after the padding. */
  slack?: number;
}

/** Key payload: +0 nextSibling, +4 firstChild, +8 firstValue, +12 nameLength, +13 unknown, +14 flags, +16 name. */
export function keyPayload(spec: KeySpec): Uint8Array {
  const bytes = [
    ...u32(spec.nextSibling ?? 0),
    ...u32(spec.firstChild ?? 0),
    ...u32(spec.firstValue ?? 0),
    spec.nameLength ?? spec.name.length,
    spec.unknownByte ?? 0,
    ...u16(spec.flags ?? 0),
    ...utf16(spec.name),
  ];
  pad4(bytes);
  for (let i = 0; i < (spec.slack ?? 0); i++) bytes.push(0);
  return Uint8Array.from(bytes);
}

export interface ValueSpec {
  nextValue?: number;
  type: number;
  name: string;
  data: ArrayLike<number>;
  nameLength?: number;
  dataLength?: number;
  flags?: number;
}

/** Value payload: +0 nextValue, +4 type, +6 dataLength, +8 nameLength, +9 flags, +10 name, data. */
export function valuePayload(spec: ValueSpec): Uint8Array {
  const bytes = [
    ...u32(spec.nextValue ?? 0),
    ...u16(spec.type),
    ...u16(spec.dataLength ?? spec.data.length),
    spec.nameLength ?? spec.name.length,
    spec.flags ?? 0,
    ...utf16(spec.name),
    ...Array.from(spec.data),
    0,
    0,
  ];
  return Uint8Array.from(pad4(bytes));
}

export function rootsPayload(refs: Partial<Record<number, number>>): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < ROOT_COUNT; i++) bytes.push(...u32(refs[i] ?? 0));
  return Uint8Array.from(bytes);
}

export interface RawBlock {
  id: number;
  /** Block type nibble (0xC key, 0xD value, 0xB roots, or anything). */
  type: number;
  payload: Uint8Array;
}

export interface RawHiveSpec {
  blocks: RawBlock[];
  romSignature?: number[];
  bootSequence?: number;
}

/**
 * Lays out blocks by id: section k = ids k·1024…, each section's table followed by its
 * blocks in id order; ids not given are free slots. A final free block pads the file to
 * a 4096-byte multiple. Returns the bytes and the file offset of each id's block.
 */
export function buildRawHive(spec: RawHiveSpec): { bytes: Uint8Array; offsets: Map<number, number> } {
  const byId = new Map(spec.blocks.map((block) => [block.id, block]));
  const maxId = Math.max(0, ...spec.blocks.map((block) => block.id));
  const sections = Math.floor(maxId / 1024) + 1;
  const heap: number[] = [];
  const tableAt: number[] = [];
  const offsets = new Map<number, number>();
  for (let section = 0; section < sections; section++) {
    tableAt.push(heap.length);
    const table = heap.length;
    heap.push(...u32(((2 << 28) | 0x1004) >>> 0), ...u32(0), ...u32(section));
    heap.push(...new Array<number>(0x1004).fill(0));
    let firstFree = -1;
    let lastFree = -1;
    for (let slot = 0; slot < 1024; slot++) {
      const id = section * 1024 + slot;
      const block = byId.get(id);
      const slotAt = table + 12 + 4 * slot;
      if (block === undefined) {
        if (firstFree < 0) firstFree = slot;
        if (lastFree >= 0) heap.splice(table + 12 + 4 * lastFree, 4, ...u32(slot << 18));
        lastFree = slot;
        continue;
      }
      offsets.set(id, 0x5000 + heap.length);
      heap.splice(slotAt, 4, ...u32(heap.length | 1));
      heap.push(...u32(((block.type << 28) | block.payload.length) >>> 0), ...u32(0), ...u32(id), ...block.payload);
    }
    heap.splice(table + 12 + 4096, 4, ...u32(firstFree < 0 ? 0 : firstFree));
  }
  const length = Math.ceil((0x5000 + heap.length + 12) / 4096) * 4096;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0x000, 0x400, true);
  view.setUint32(0x008, 0x4d494b45, true);
  view.setUint32(0x020, length, true);
  bytes.set(spec.romSignature ?? [], 0x028);
  view.setUint32(0x0ec, 0xffffffff, true);
  view.setUint32(0x0f4, spec.bootSequence ?? 0, true);
  tableAt.forEach((offset, section) => view.setUint32(0x1000 + 4 * section, offset, true));
  bytes.set(heap, 0x5000);
  const freeAt = 0x5000 + heap.length;
  view.setUint32(freeAt, (length - freeAt - 12) | 1, true);
  return { bytes, offsets };
}

/**
 * The chain most damage tests start from: HKLM\A (values V1 → V2), its sibling B, and
 * B's child C; ids 1 A, 2 V1, 3 V2, 4 B, 5 C.
 */
export function chainFixture(): { bytes: Uint8Array; offsets: Map<number, number>; view: DataView } {
  const built = buildRawHive({
    blocks: [
      { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
      { id: 1, type: 0xc, payload: keyPayload({ name: 'A', firstValue: ref(ROM, 2), nextSibling: ref(ROM, 4) }) },
      { id: 2, type: 0xd, payload: valuePayload({ type: 4, name: 'V1', data: [1, 0, 0, 0], nextValue: ref(ROM, 3) }) },
      { id: 3, type: 0xd, payload: valuePayload({ type: 4, name: 'V2', data: [2, 0, 0, 0] }) },
      { id: 4, type: 0xc, payload: keyPayload({ name: 'B', firstChild: ref(ROM, 5) }) },
      { id: 5, type: 0xc, payload: keyPayload({ name: 'C' }) },
    ],
  });
  return { ...built, view: new DataView(built.bytes.buffer) };
}
