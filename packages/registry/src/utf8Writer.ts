/**
 * Text encoded straight into UTF-8 in one reused buffer, handed to `sink` a piece at a
 * time. Renderers write names and strings from a hive's UTF-16LE bytes into it without
 * making a JavaScript string for each, and without building the output as one string.
 *
 * `sink` receives a view of the buffer, which is reused once `sink` returns: it must
 * write or copy the bytes before returning.
 */
export class Utf8Writer {
  /** The buffer; bytes `0 … length` are pending. Renderers write into it after `room`. */
  bytes: Uint8Array;
  length = 0;
  /**
   * Counts the times pending bytes were handed on or dropped: bytes written at an offset
   * of `bytes` stay there, readable, while neither `bytes` nor this count changes.
   */
  rounds = 0;

  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    pieceBytes = 1 << 16,
  ) {
    this.bytes = new Uint8Array(pieceBytes);
  }

  /**
   * Makes room for `count` more bytes at `length`, flushing what is pending first when
   * they would not fit. A piece larger than the buffer (a long hex value) grows it.
   */
  room(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    this.flush();
    if (count > this.bytes.length) this.bytes = new Uint8Array(count);
  }

  /** Drops the pending bytes: they never reach the sink. */
  drop(): void {
    this.length = 0;
    this.rounds++;
  }

  /** Hands the pending bytes to the sink. */
  flush(): void {
    if (this.length === 0) return;
    const pending = this.bytes.subarray(0, this.length);
    this.length = 0;
    this.rounds++;
    this.sink(pending);
  }

  /** One byte (an ASCII character code). */
  byte(code: number): void {
    this.room(1);
    this.bytes[this.length++] = code;
  }

  /**
   * A JavaScript string as UTF-8. A lone surrogate becomes U+FFFD, as with TextEncoder.
   */
  text(text: string): void {
    const units = text.length;
    this.room(3 * units);
    if (units > LONG_TEXT) {
      // Long text (a whole JSON record, a key path): the native encoder is faster than
      // the loop below once the call itself is paid for.
      this.length += encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
      return;
    }
    const bytes = this.bytes;
    let p = this.length;
    for (let i = 0; i < units; i++) {
      const unit = text.charCodeAt(i);
      if (unit < 0x80) {
        bytes[p++] = unit;
      } else if (unit < 0x800) {
        bytes[p++] = 0xc0 | (unit >> 6);
        bytes[p++] = 0x80 | (unit & 0x3f);
      } else if (unit >= 0xd800 && unit <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          p = putCodePoint(bytes, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
          i++;
        } else {
          p = putCodePoint(bytes, p, 0xfffd);
        }
      } else {
        p = putCodePoint(bytes, p, unit);
      }
    }
    this.length = p;
  }
}

// Strings longer than this many units go through TextEncoder.encodeInto.
const LONG_TEXT = 48;

const encoder = new TextEncoder();

/** Writes the code point `point` (≥ 0x800) as three or four UTF-8 bytes; returns the new position. */
export function putCodePoint(bytes: Uint8Array, p: number, point: number): number {
  if (point < 0x10000) {
    bytes[p] = 0xe0 | (point >> 12);
    bytes[p + 1] = 0x80 | ((point >> 6) & 0x3f);
    bytes[p + 2] = 0x80 | (point & 0x3f);
    return p + 3;
  }
  bytes[p] = 0xf0 | (point >> 18);
  bytes[p + 1] = 0x80 | ((point >> 12) & 0x3f);
  bytes[p + 2] = 0x80 | ((point >> 6) & 0x3f);
  bytes[p + 3] = 0x80 | (point & 0x3f);
  return p + 4;
}

/** What `render` writes into a Utf8Writer, as a string (for callers that want text). */
export function renderToString(render: (out: Utf8Writer) => void): string {
  const pieces: string[] = [];
  const decoder = new TextDecoder();
  const out = new Utf8Writer((bytes) => pieces.push(decoder.decode(bytes, { stream: true })));
  render(out);
  out.flush();
  pieces.push(decoder.decode());
  return pieces.join('');
}
