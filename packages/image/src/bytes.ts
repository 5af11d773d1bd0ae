import { decodeUtf16 } from '@hivetool/registry';
import { ImageFormatError } from './errors.js';

/** A growable little-endian byte writer. */
export class ByteWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.room(1);
    this.buffer[this.length++] = value;
  }
  u16(value: number): void {
    if (value > 0xffff || value < 0) throw new ImageFormatError('LIMIT_EXCEEDED', { what: 'a 16-bit field (a name length or a value type)', offset: this.length, expected: '0 to 65535', actual: `${value}` });
    this.room(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }
  u32(value: number): void {
    this.room(4);
    this.view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }
  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }
  /** UTF-16LE code units of `text`, without a terminator. */
  utf16(text: string): void {
    this.room(2 * text.length);
    for (let i = 0; i < text.length; i++) this.view.setUint16(this.length + 2 * i, text.charCodeAt(i), true);
    this.length += 2 * text.length;
  }
  setU32(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0, true);
  }
  /** The bytes written so far (a view, valid until the next write). */
  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** A bounds-checked little-endian reader over one Uint8Array (no copies). */
export class ByteReader {
  readonly view: DataView;
  position: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    /** End of the readable region (exclusive). */
    readonly end: number,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = start;
  }

  /** Checks that `count` more bytes exist before `end`. */
  need(count: number, field: string): void {
    if (count < 0 || this.position + count > this.end) {
      throw new ImageFormatError('TRUNCATED', { what: `${this.what}: ${field} runs past the end of the data`, offset: this.position, expected: `${count} bytes`, actual: `${Math.max(0, this.end - this.position)}` });
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.position++]!;
  }
  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.position, true);
    this.position += 2;
    return value;
  }
  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }
  /** A view of the next `count` bytes (not a copy). */
  slice(count: number, field: string): Uint8Array {
    this.need(count, field);
    const view = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return view;
  }

  /** A name of `units` UTF-16LE code units, checked to fit, decoded, and stepped over. */
  utf16(units: number, field: string): string {
    this.need(2 * units, field);
    const text = decodeUtf16(this.bytes, this.position, units);
    this.position += 2 * units;
    return text;
  }
}

const ASCII = new TextEncoder();

/** The 8 ASCII bytes of a magic string. */
export function magicBytes(text: string): Uint8Array {
  return ASCII.encode(text);
}

export function hasMagic(bytes: Uint8Array, offset: number, magic: Uint8Array): boolean {
  if (bytes.length < offset + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false;
  return true;
}
