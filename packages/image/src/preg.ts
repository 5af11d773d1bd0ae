import { ImageFormatError } from './errors.js';

/**
 * The PREG container of Microsoft's common OAL flash code (format guide §10;
 * docs/formats/preg.md): the `WriteRegistryToOEM` stream kept in up to 8 NOR flash
 * regions, concatenated, behind a 12-byte header written last:
 *
 *   u32 signature  'PREG' as an MSVC multi-character constant: 0x50524547, bytes 47 45 52 50
 *   u32 size       stream bytes
 *   u32 checksum   32-bit wrapping sum of the stream read as little-endian u32 words,
 *                  the stream padded to a multiple of 4 with 0xFF
 *   stream, then erased flash (0xFF) to the end of the regions.
 *
 * The stream itself is opaque here: its layout (what filesys hands to WriteRegistryToOEM)
 * is not published. This module extracts and checks it, never decodes it.
 */
export const PREG_SIGNATURE = 0x50524547;
export const PREG_HEADER_SIZE = 12;
/** The common OAL keeps the stream in at most this many flash regions. */
export const MAX_PREG_REGIONS = 8;
/** Bytes a PREG region may have: room for the header and one word, at most 1 GiB. */
export const MIN_PREG_REGION_SIZE = PREG_HEADER_SIZE + 4;
export const MAX_PREG_REGION_SIZE = 0x40000000;
/** Erased NOR flash. */
const ERASED = 0xff;

const align4 = (n: number): number => n + ((4 - (n % 4)) % 4);

/** The PREG checksum of `stream`: the wrapping sum of its LE u32 words, padded with 0xFF. */
export function pregChecksum(stream: Uint8Array): number {
  let sum = 0;
  const whole = stream.length - (stream.length % 4);
  for (let i = 0; i < whole; i += 4) sum = (sum + (stream[i]! | (stream[i + 1]! << 8) | (stream[i + 2]! << 16) | (stream[i + 3]! << 24))) >>> 0;
  if (whole < stream.length) {
    let word = 0;
    for (let j = 0; j < 4; j++) word |= (whole + j < stream.length ? stream[whole + j]! : ERASED) << (8 * j);
    sum = (sum + word) >>> 0;
  }
  return sum;
}

export interface PregLayout {
  /** Bytes per flash region; the container spans `regions` of them. */
  regionSize?: number | undefined;
  /** How many regions (1–8); default: as many as the stream needs. */
  regions?: number | undefined;
}

/**
 * Writes `stream` as the common OAL leaves it after a complete save: header, stream, 0xFF
 * padding, erased flash to the end of the regions. Without a region size the container
 * ends after the padded stream.
 *
 * @throws {ImageFormatError} `DOES_NOT_FIT` when the stream needs more than the regions hold,
 * `LIMIT_EXCEEDED` for a region count outside 1–8 or a bad region size.
 */
export function encodePreg(stream: Uint8Array, layout: PregLayout = {}): Uint8Array {
  const needed = PREG_HEADER_SIZE + align4(stream.length);
  if (stream.length > 0xffffffff) throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'PREG stream size', offset: 4, expected: '< 4 GiB', actual: `${stream.length}` });
  let length = needed;
  if (layout.regionSize !== undefined) {
    const regionSize = checkRegionSize(layout.regionSize);
    const regions = layout.regions ?? Math.max(1, Math.ceil(needed / regionSize));
    if (!Number.isInteger(regions) || regions < 1 || regions > MAX_PREG_REGIONS) {
      throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'PREG region count', offset: 0, expected: `1 to ${MAX_PREG_REGIONS}`, actual: `${regions}` });
    }
    length = regions * regionSize;
    if (needed > length) {
      throw new ImageFormatError('DOES_NOT_FIT', { what: `a ${stream.length}-byte stream in ${regions} region(s) of ${regionSize} bytes`, offset: 0, expected: `≤ ${length - PREG_HEADER_SIZE} bytes`, actual: `${stream.length} bytes` });
    }
  } else if (layout.regions !== undefined) {
    throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'a PREG region count without a region size', offset: 0 });
  }
  const out = new Uint8Array(length).fill(ERASED);
  const view = new DataView(out.buffer);
  view.setUint32(0, PREG_SIGNATURE, true);
  view.setUint32(4, stream.length, true);
  view.setUint32(8, pregChecksum(stream), true);
  out.set(stream, PREG_HEADER_SIZE);
  return out;
}

function checkRegionSize(regionSize: number): number {
  if (!Number.isInteger(regionSize) || regionSize < MIN_PREG_REGION_SIZE || regionSize > MAX_PREG_REGION_SIZE) {
    throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'PREG region size', offset: 0, expected: `a whole number of bytes from ${MIN_PREG_REGION_SIZE} to 1 GiB`, actual: `${regionSize}` });
  }
  return regionSize;
}

export type PregState = 'intact' | 'interrupted' | 'damaged';

/** What `inspectPreg` found; `stream` only when intact. */
export interface PregReport {
  state: PregState;
  /** The stored header words (undefined where the file is too short to hold them). */
  signature: number | undefined;
  size: number | undefined;
  checksum: number | undefined;
  /** The checksum of the stored stream, when it could be computed. */
  computedChecksum: number | undefined;
  /** Regions the container spans (with a region size), else undefined. */
  regions: number | undefined;
  /** The stream, a view into the container. */
  stream: Uint8Array | undefined;
  /** Why the container is not intact: an error with code, offset and message. */
  problem: ImageFormatError | undefined;
}

/** Whether `bytes` start like a PREG container: its signature, or an erased (all 0xFF) header. */
export function looksLikePreg(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const signature = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  return signature === PREG_SIGNATURE || (bytes.length >= PREG_HEADER_SIZE && isErased(bytes, 0, PREG_HEADER_SIZE));
}

function isErased(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== ERASED) return false;
  return true;
}

/**
 * Checks a PREG container (one flash dump, or its regions concatenated, with `regionSize`
 * and, when known, the number of `regions`)
 * without throwing for a damaged one: an erased header is an interrupted save (nothing
 * stored); a bad signature, a size past the end, stream padding or flash after it not
 * erased, or a checksum mismatch make it damaged.
 *
 * @throws {ImageFormatError} `LIMIT_EXCEEDED` for a bad region size (a usage error, not a finding).
 */
export function inspectPreg(bytes: Uint8Array, layout: PregLayout = {}): PregReport {
  const report: PregReport = { state: 'damaged', signature: undefined, size: undefined, checksum: undefined, computedChecksum: undefined, regions: undefined, stream: undefined, problem: undefined };
  const fail = (code: ConstructorParameters<typeof ImageFormatError>[0], what: string, offset: number, expected?: string, actual?: string): PregReport => {
    report.problem = new ImageFormatError(code, { what, offset, ...(expected === undefined ? {} : { expected }), ...(actual === undefined ? {} : { actual }) });
    return report;
  };
  if (layout.regionSize !== undefined) {
    const regionSize = checkRegionSize(layout.regionSize);
    if (bytes.length % regionSize !== 0) return fail('TRUNCATED', `a PREG dump of ${regionSize}-byte regions ends inside a region`, bytes.length - (bytes.length % regionSize), `a multiple of ${regionSize} bytes`, `${bytes.length} bytes`);
    report.regions = bytes.length / regionSize;
    if (layout.regions !== undefined && layout.regions !== report.regions) {
      return fail('TRUNCATED', `a PREG dump of ${layout.regions} region(s) of ${regionSize} bytes`, bytes.length, `${layout.regions * regionSize} bytes`, `${bytes.length} bytes`);
    }
    if (report.regions > MAX_PREG_REGIONS) return fail('LIMIT_EXCEEDED', `a PREG dump of more regions than the common OAL uses`, MAX_PREG_REGIONS * regionSize, `≤ ${MAX_PREG_REGIONS} regions`, `${report.regions}`);
  }
  if (bytes.length < PREG_HEADER_SIZE) return fail('TRUNCATED', 'PREG header', 0, `${PREG_HEADER_SIZE} bytes`, `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  report.signature = view.getUint32(0, true);
  report.size = view.getUint32(4, true);
  report.checksum = view.getUint32(8, true);
  if (isErased(bytes, 0, PREG_HEADER_SIZE)) {
    report.state = 'interrupted';
    return fail('INTERRUPTED_SAVE', 'the PREG header is erased (all 0xFF): a save was cut short before its header was written, and nothing is stored', 0);
  }
  if (report.signature !== PREG_SIGNATURE) return fail('WRONG_FORMAT', 'PREG signature', 0, '47 45 52 50 ("GERP", the constant \'PREG\')', `0x${report.signature.toString(16).padStart(8, '0')}`);
  const end = PREG_HEADER_SIZE + report.size;
  const padded = PREG_HEADER_SIZE + align4(report.size);
  if (padded > bytes.length) return fail('TRUNCATED', 'the PREG stream (with its padding to 4 bytes) runs past the end of the container', bytes.length, `${padded} bytes`, `${bytes.length} bytes`);
  const stream = bytes.subarray(PREG_HEADER_SIZE, end);
  report.computedChecksum = pregChecksum(stream);
  if (!isErased(bytes, end, padded)) return fail('BAD_RECORD', 'the padding after the PREG stream is not erased flash (0xFF)', end);
  if (report.computedChecksum !== report.checksum) {
    return fail('CHECKSUM_MISMATCH', 'PREG checksum', 8, `0x${report.computedChecksum.toString(16).padStart(8, '0')} (the sum of the stream)`, `0x${report.checksum.toString(16).padStart(8, '0')}`);
  }
  // A save erases every region first: flash after the stream that is not erased is not
  // part of this save (or the size is wrong).
  for (let i = padded; i < bytes.length; i++) {
    if (bytes[i] !== ERASED) return fail('BAD_RECORD', 'flash after the PREG stream is not erased (0xFF): the size field is wrong, or the dump holds more than the PREG regions (give the region size)', i);
  }
  report.state = 'intact';
  report.stream = stream;
  return report;
}

/**
 * The stream of an intact PREG container (a view into `bytes`).
 * @throws {ImageFormatError} `INTERRUPTED_SAVE`, `WRONG_FORMAT`, `TRUNCATED`, `BAD_RECORD`,
 * `CHECKSUM_MISMATCH` or `LIMIT_EXCEEDED` (see `inspectPreg`).
 */
export function decodePreg(bytes: Uint8Array, layout: PregLayout = {}): Uint8Array {
  const report = inspectPreg(bytes, layout);
  if (report.stream === undefined) throw report.problem!;
  return report.stream;
}

/**
 * The read side of the common OAL (`ReadRegistryFromOEM` over a PREG container), call by
 * call, quirks included: a call with `REG_READ_BYTES_START` (1) checks the header and
 * starts from the beginning; a bad signature or checksum makes every call return -1; a
 * call gets its `len` bytes only while at least `len` stream bytes are left, otherwise 0 —
 * so a final request larger than what is left gets nothing, not the rest.
 */
export class PregReadEmulator {
  private position = 0;
  private state: 'not-started' | 'reading' | 'failed' = 'not-started';
  private stream: Uint8Array | undefined;

  constructor(private readonly container: Uint8Array) {}

  /** Returns the bytes copied into `buffer`, 0 at the end (or for a short final request), -1 on a bad container. */
  read(flags: number, buffer: Uint8Array, length = buffer.length): number {
    if ((flags & 1) !== 0) {
      this.stream = headerStream(this.container);
      this.state = this.stream === undefined ? 'failed' : 'reading';
      this.position = 0;
    }
    if (this.state !== 'reading' || this.stream === undefined) return -1;
    const count = Math.min(length, buffer.length);
    if (this.stream.length - this.position < count) return 0;
    buffer.set(this.stream.subarray(this.position, this.position + count));
    this.position += count;
    return count;
  }
}

/** What the OAL's read side accepts: signature and checksum right (it looks at nothing else). */
function headerStream(container: Uint8Array): Uint8Array | undefined {
  if (container.length < PREG_HEADER_SIZE) return undefined;
  const view = new DataView(container.buffer, container.byteOffset, container.byteLength);
  if (view.getUint32(0, true) !== PREG_SIGNATURE) return undefined;
  const size = view.getUint32(4, true);
  if (PREG_HEADER_SIZE + size > container.length) return undefined;
  const stream = container.subarray(PREG_HEADER_SIZE, PREG_HEADER_SIZE + size);
  return pregChecksum(stream) === view.getUint32(8, true) ? stream : undefined;
}
