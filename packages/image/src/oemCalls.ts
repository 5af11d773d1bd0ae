import { ByteReader, ByteWriter } from './bytes.js';
import { ImageFormatError } from './errors.js';
import { CALL_LOG_MAGIC, expectFormat } from './identify.js';

/** `WriteRegistryToOEM` flag: the first call of a new registry file (format guide §10). */
export const REG_WRITE_BYTES_START = 0x1;
/** `WriteRegistryToOEM` flag that also exists (a probe); hivetool never produces it. */
export const REG_WRITE_BYTES_PROBE = 0x80000000;
/** `ReadRegistryFromOEM` flag: the first call, start from the beginning. */
export const REG_READ_BYTES_START = 0x1;

/** One `WriteRegistryToOEM(dwFlags, pData, cbData)` call; `cbData` is `data.length`. */
export interface OemWriteCall {
  flags: number;
  data: Uint8Array;
}

/**
 * The calls the OS makes to save `stream` through `WriteRegistryToOEM` with chunks of at
 * most `chunkSize` bytes: the first flagged `REG_WRITE_BYTES_START`, then the rest of the
 * data, then a final call with `cbData = 0` marking the end. Chunks are views of `stream`.
 */
export function* writeRegistryToOemCalls(stream: Uint8Array, chunkSize: number): Generator<OemWriteCall> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a whole number ≥ 1, not ${chunkSize}`);
  let offset = 0;
  let first = true;
  do {
    const end = Math.min(stream.length, offset + chunkSize);
    yield { flags: first ? REG_WRITE_BYTES_START : 0, data: stream.subarray(offset, end) };
    first = false;
    offset = end;
  } while (offset < stream.length);
  yield { flags: 0, data: stream.subarray(stream.length) };
}

/**
 * Reassembles recorded `WriteRegistryToOEM` calls into the stream, as an OAL would store
 * it. The first call must carry `REG_WRITE_BYTES_START`; a later call carrying it starts
 * a new save (the earlier data is dropped, as the OS restarted the flush); the sequence
 * must end with a zero-length call. A sequence that never reaches it is a partial
 * registry and is refused: it must not be restored.
 *
 * @throws {ImageFormatError} `BAD_CALL_SEQUENCE`, `PARTIAL_REGISTRY`.
 */
export function reassembleOemCalls(calls: Iterable<OemWriteCall>): Uint8Array {
  let parts: Uint8Array[] | undefined;
  let total = 0;
  let index = 0;
  let ended = false;
  for (const call of calls) {
    if (ended) throw new ImageFormatError('BAD_CALL_SEQUENCE', { what: `call ${index} comes after the final zero-length call`, offset: index });
    if ((call.flags & REG_WRITE_BYTES_PROBE) !== 0) {
      throw new ImageFormatError('BAD_CALL_SEQUENCE', { what: `call ${index} is a REG_WRITE_BYTES_PROBE call; a recorded save holds only data calls`, offset: index });
    }
    if ((call.flags & REG_WRITE_BYTES_START) !== 0) {
      parts = [];
      total = 0;
    } else if (parts === undefined) {
      throw new ImageFormatError('BAD_CALL_SEQUENCE', { what: 'the first call is not flagged REG_WRITE_BYTES_START', offset: index });
    }
    if (call.data.length === 0) ended = true;
    else {
      parts.push(call.data);
      total += call.data.length;
    }
    index++;
  }
  if (parts === undefined) throw new ImageFormatError('PARTIAL_REGISTRY', { what: 'no WriteRegistryToOEM call at all', offset: 0 });
  if (!ended) {
    throw new ImageFormatError('PARTIAL_REGISTRY', {
      what: `the save never reached its final WriteRegistryToOEM call with cbData = 0 (${index} calls, ${total} bytes): this is a partial registry and must not be restored`,
      // The offset is where the stream stops.
      offset: total,
    });
  }
  const stream = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    stream.set(part, offset);
    offset += part.length;
  }
  return stream;
}

/**
 * Serves a stored stream the way an OAL's `ReadRegistryFromOEM(dwFlags, pBuf, len)`
 * must: a call with `REG_READ_BYTES_START` starts from the beginning, each call copies up
 * to `len` bytes into `buffer` and returns how many, and 0 means the end.
 */
export class OemReadEmulator {
  private position = 0;
  private started = false;

  constructor(private readonly stream: Uint8Array) {}

  /** @throws {ImageFormatError} `BAD_CALL_SEQUENCE` when the first call lacks REG_READ_BYTES_START. */
  read(flags: number, buffer: Uint8Array, length = buffer.length): number {
    if ((flags & REG_READ_BYTES_START) !== 0) {
      this.position = 0;
      this.started = true;
    } else if (!this.started) {
      throw new ImageFormatError('BAD_CALL_SEQUENCE', { what: 'the first ReadRegistryFromOEM call must carry REG_READ_BYTES_START', offset: 0 });
    }
    const count = Math.max(0, Math.min(length, buffer.length, this.stream.length - this.position));
    buffer.set(this.stream.subarray(this.position, this.position + count));
    this.position += count;
    return count;
  }
}

/**
 * Call log: a recording of `WriteRegistryToOEM` calls, for `oem split` and `oem join`.
 * Header: magic "HVOEMLOG", u16 version (1), u16 header size (16), u32 call count; then
 * per call: u32 flags, u32 cbData, the data.
 */
export function encodeCallLog(calls: Iterable<OemWriteCall>): Uint8Array {
  const out = new ByteWriter();
  out.bytes(CALL_LOG_MAGIC);
  out.u16(1);
  out.u16(16);
  out.u32(0);
  let count = 0;
  for (const call of calls) {
    out.u32(call.flags);
    out.u32(call.data.length);
    out.bytes(call.data);
    count++;
  }
  out.setU32(12, count);
  return out.result().slice();
}

/** Reads a call log; data are views into `bytes`. @throws {ImageFormatError} */
export function decodeCallLog(bytes: Uint8Array): OemWriteCall[] {
  expectFormat(bytes, 'oem-calls');
  const reader = new ByteReader(bytes, 8, bytes.length, 'WriteRegistryToOEM call log');
  const version = reader.u16('version');
  if (version !== 1) throw new ImageFormatError('UNSUPPORTED_VERSION', { what: 'call log format version', offset: 8, expected: '1', actual: `${version}` });
  if (reader.u16('header size') !== 16) throw new ImageFormatError('BAD_RECORD', { what: 'call log header size', offset: 10, expected: '16' });
  const count = reader.u32('call count');
  // Each call takes at least 8 bytes: refuse impossible counts before allocating.
  if (count * 8 > bytes.length - 16) throw new ImageFormatError('TRUNCATED', { what: `call log claims ${count} calls, more than its bytes can hold`, offset: 12 });
  const calls: OemWriteCall[] = [];
  for (let i = 0; i < count; i++) {
    const flags = reader.u32('call flags');
    const length = reader.u32('cbData');
    calls.push({ flags, data: reader.slice(length, `data of call ${i}`) });
  }
  if (reader.position !== bytes.length) throw new ImageFormatError('TRAILING_BYTES', { what: 'bytes after the last call of the log', offset: reader.position });
  return calls;
}
