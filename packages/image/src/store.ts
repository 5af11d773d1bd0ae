import { ImageFormatError, isImageFormatError } from './errors.js';
import { CHUNK_MAGIC, expectFormat, identifyFormat } from './identify.js';
import { crc32Of, decodeOemStream } from './stream.js';

/**
 * OEM store: a reference layout for keeping the OEM stream in raw flash so that a power
 * cut during a flush never loses the registry (docs/formats/oem-stream.md). Two slots of
 * equal size, A then B; each generation of the stream is written, as chunks, into the
 * slot that does not hold the newest complete generation, so the previous generation is
 * intact until the new one is complete. Erased flash reads 0xFF.
 *
 * Chunk header (36 bytes), followed by its payload; chunks follow each other from the
 * start of the slot:
 *   0 4 magic "HVCK"      4 4 generation (≥ 1)     8 4 sequence (0, 1, …)
 *  12 4 chunk count      16 4 stream length        20 4 payload length
 *  24 4 slot size        28 4 payload CRC-32       32 4 header CRC-32 (of bytes 0–31)
 */
export const CHUNK_HEADER_SIZE = 36;
/** Generations run from 1 to this; a store that reaches it must be started anew. */
export const MAX_GENERATION = 0xfffffffe;
/** Largest slot a store may have (the store must stay under hivetool's 1 GiB input cap). */
export const MAX_SLOT_SIZE = 512 * 1024 * 1024;
const HEADER_CRC_AT = 32;
export const ERASED = 0xff;

export interface StoreSlotState {
  slot: 'A' | 'B';
  /** The generation found, when its first chunk header is readable. */
  generation: number | undefined;
  complete: boolean;
  /** Why the slot is not used (empty, cut short, damaged, older). */
  reason: string;
  /** The slot size its chunks record (when a chunk header is readable). */
  slotSize?: number;
}

export interface LoadedStore {
  stream: Uint8Array;
  generation: number;
  slot: 'A' | 'B';
  /** What happened to each slot: the one used and the one discarded, with reasons. */
  slots: StoreSlotState[];
}

function u32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function put32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = value >>> 24;
}

/** The chunks of one generation of `stream`, laid out for a slot (what a flush programs). */
export function slotBytes(stream: Uint8Array, generation: number, chunkPayload: number, slotSize: number): Uint8Array {
  if (!Number.isInteger(chunkPayload) || chunkPayload < 1) throw new RangeError(`chunk payload size must be a whole number ≥ 1, not ${chunkPayload}`);
  const count = Math.max(1, Math.ceil(stream.length / chunkPayload));
  const out = new Uint8Array(count * CHUNK_HEADER_SIZE + stream.length);
  let at = 0;
  for (let sequence = 0; sequence < count; sequence++) {
    const payload = stream.subarray(sequence * chunkPayload, Math.min(stream.length, (sequence + 1) * chunkPayload));
    out.set(CHUNK_MAGIC, at);
    put32(out, at + 4, generation);
    put32(out, at + 8, sequence);
    put32(out, at + 12, count);
    put32(out, at + 16, stream.length);
    put32(out, at + 20, payload.length);
    put32(out, at + 24, slotSize);
    out.set(payload, at + CHUNK_HEADER_SIZE);
    sealChunk(out, at, payload.length);
    at += CHUNK_HEADER_SIZE + payload.length;
  }
  return out;
}

/**
 * Writes the payload CRC-32 and header CRC-32 of the chunk at `at` of `slot`, whose
 * payload is the `payloadLength` bytes after its header: the encoder's last step for each
 * chunk, and how tools make a chunk whose fields are damaged but whose checksums hold.
 */
export function sealChunk(slot: Uint8Array, at: number, payloadLength: number): void {
  const payload = slot.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + payloadLength);
  put32(slot, at + 28, crc32Of(payload));
  put32(slot, at + HEADER_CRC_AT, crc32Of(slot.subarray(at, at + HEADER_CRC_AT)));
}

/** Reads one slot: the stream of a complete generation, or why there is none. */
function readSlot(slot: Uint8Array, name: 'A' | 'B'): { stream?: Uint8Array; state: StoreSlotState } {
  const state: StoreSlotState = { slot: name, generation: undefined, complete: false, reason: '' };
  const fail = (reason: string): { state: StoreSlotState } => {
    state.reason = reason;
    return { state };
  };
  if (slot.every((byte) => byte === ERASED)) return fail('empty (erased)');
  let at = 0;
  let expected: { generation: number; count: number; length: number } | undefined;
  const parts: Uint8Array[] = [];
  for (let sequence = 0; ; sequence++) {
    if (at + CHUNK_HEADER_SIZE > slot.length) return fail(`chunk ${sequence} runs past the end of the slot`);
    for (let i = 0; i < 4; i++) if (slot[at + i] !== CHUNK_MAGIC[i]) return fail(`no chunk header at offset ${at} (chunk ${sequence}): the write was cut short`);
    if (crc32Of(slot.subarray(at, at + HEADER_CRC_AT)) !== u32(slot, at + HEADER_CRC_AT)) return fail(`chunk ${sequence} header is damaged (CRC-32)`);
    const generation = u32(slot, at + 4);
    const count = u32(slot, at + 12);
    const length = u32(slot, at + 16);
    const payloadLength = u32(slot, at + 20);
    if (sequence === 0) {
      state.generation = generation;
      state.slotSize = u32(slot, at + 24);
      expected = { generation, count, length };
      if (count === 0 || length > slot.length) return fail('chunk 0 header is inconsistent');
      if (generation === 0 || generation === MAX_GENERATION + 1) return fail(`generation ${generation} is not a valid generation number (1 to ${MAX_GENERATION})`);
    } else if (expected === undefined || generation !== expected.generation || count !== expected.count || length !== expected.length) {
      return fail(`chunk ${sequence} belongs to another generation (${generation}): the write of generation ${expected?.generation} was cut short`);
    }
    if (u32(slot, at + 8) !== sequence) return fail(`chunk ${sequence} carries sequence ${u32(slot, at + 8)}`);
    if (at + CHUNK_HEADER_SIZE + payloadLength > slot.length) return fail(`chunk ${sequence} payload runs past the end of the slot`);
    const payload = slot.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + payloadLength);
    if (crc32Of(payload) !== u32(slot, at + 28)) return fail(`chunk ${sequence} payload is damaged or was cut short (CRC-32)`);
    parts.push(payload);
    at += CHUNK_HEADER_SIZE + payloadLength;
    if (sequence + 1 === expected.count) break;
  }
  const stream = new Uint8Array(expected.length);
  let offset = 0;
  for (const part of parts) {
    if (offset + part.length > stream.length) return fail('chunks hold more bytes than the stream length');
    stream.set(part, offset);
    offset += part.length;
  }
  if (offset !== stream.length) return fail('chunks hold fewer bytes than the stream length');
  try {
    decodeOemStream(stream);
  } catch (error) {
    if (!isImageFormatError(error)) throw error;
    return fail(`its stream does not decode: ${error.message}`);
  }
  state.complete = true;
  return { stream, state };
}

/**
 * Loads the newest complete generation from a store (two slots of equal size), and says
 * what was found in each slot and why the other was discarded.
 *
 * @throws {ImageFormatError} `BAD_RECORD` for an odd store length, `NO_VALID_GENERATION`.
 */
export function loadStore(store: Uint8Array): LoadedStore {
  const format = identifyFormat(store);
  if (format !== 'oem-store' && format !== 'unknown') expectFormat(store, 'oem-store');
  if (store.length === 0 || store.length % 2 !== 0) throw new ImageFormatError('BAD_RECORD', { what: 'an OEM store is two slots of equal size: its length must be even and not 0', offset: 0, actual: `${store.length} bytes` });
  const half = store.length / 2;
  const a = readSlot(store.subarray(0, half), 'A');
  const b = readSlot(store.subarray(half), 'B');
  // Every chunk records the slot size: a store of another length was cut short or padded.
  for (const slot of [a, b]) {
    if (slot.state.slotSize !== undefined && slot.state.slotSize !== half) {
      throw new ImageFormatError('TRUNCATED', {
        what: `the store is ${store.length} bytes, but slot ${slot.state.slot}'s chunks say slots are ${slot.state.slotSize} bytes (${2 * slot.state.slotSize} in all): the store was cut short or padded`,
        offset: store.length,
      });
    }
  }
  const candidates = [a, b].filter((slot) => slot.stream !== undefined);
  if (candidates.length === 0) {
    throw new ImageFormatError('NO_VALID_GENERATION', { what: `neither slot holds a complete generation (A: ${a.state.reason}; B: ${b.state.reason})`, offset: 0 });
  }
  candidates.sort((x, y) => y.state.generation! - x.state.generation!);
  const best = candidates[0]!;
  const other = best === a ? b : a;
  if (other.stream !== undefined) other.state.reason = `older generation ${other.state.generation} (kept as the fallback)`;
  best.state.reason = 'newest complete generation';
  return { stream: best.stream!, generation: best.state.generation!, slot: best.state.slot, slots: [a.state, b.state] };
}

/**
 * Writes `stream` as the next generation into a store: into the slot that does not hold
 * the newest complete generation, erased first. Without `previous`, a new store with
 * slots of `slotSize` bytes (generation 1 in slot A). Returns the new store bytes and
 * where the new generation went.
 *
 * @throws {ImageFormatError} `DOES_NOT_FIT` when the chunks are larger than a slot.
 */
export function writeStoreGeneration(
  stream: Uint8Array,
  options: { previous?: Uint8Array; slotSize?: number; chunkPayload: number },
): { store: Uint8Array; slot: 'A' | 'B'; generation: number } {
  let store: Uint8Array;
  let slot: 'A' | 'B' = 'A';
  let generation = 1;
  if (options.previous !== undefined) {
    store = options.previous.slice();
    let loaded: LoadedStore | undefined;
    try {
      loaded = loadStore(store);
    } catch (error) {
      if (!isImageFormatError(error) || error.code !== 'NO_VALID_GENERATION') throw error;
    }
    if (loaded !== undefined) {
      if (loaded.generation >= MAX_GENERATION) {
        throw new ImageFormatError('LIMIT_EXCEEDED', { what: `the store holds generation ${loaded.generation}, the last there is: start a new store`, offset: 0 });
      }
      slot = loaded.slot === 'A' ? 'B' : 'A';
      generation = loaded.generation + 1;
    }
  } else {
    const slotSize = options.slotSize ?? 0;
    if (!Number.isInteger(slotSize) || slotSize < CHUNK_HEADER_SIZE + 1 || slotSize > MAX_SLOT_SIZE) {
      throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'slot size', offset: 0, expected: `a whole number of bytes from ${CHUNK_HEADER_SIZE + 1} to ${MAX_SLOT_SIZE}`, actual: `${slotSize}` });
    }
    store = new Uint8Array(2 * slotSize).fill(ERASED);
  }
  const half = store.length / 2;
  const chunks = slotBytes(stream, generation, options.chunkPayload, half);
  if (chunks.length > half) {
    throw new ImageFormatError('DOES_NOT_FIT', { what: `the stream needs ${chunks.length} bytes of chunks, more than a slot's ${half}: use a larger store or larger chunks`, offset: 0 });
  }
  const start = slot === 'A' ? 0 : half;
  store.fill(ERASED, start, start + half);
  store.set(chunks, start);
  return { store, slot, generation };
}
