import { Utf8Writer, regHeader, type RegStyle } from '@hivetool/registry';
import type { TextSink } from './output.js';

/**
 * .reg text as desktop regedit writes `Windows Registry Editor Version 5.00` files:
 * UTF-16LE with a byte-order mark and CR LF line ends. Renderers write UTF-8 into `utf8`
 * as for any sink; each piece is transcoded on its way to the file or terminal.
 */
export class Utf16LeSink implements TextSink {
  readonly utf8 = new Utf8Writer((bytes) => this.forward(bytes), 1 << 16);
  private out = new Uint8Array(1 << 18);
  // UTF-8 bytes of a sequence split between two pieces (bytes copied from a part file).
  private carry = new Uint8Array(4);
  private carried = 0;

  constructor(private readonly inner: TextSink) {
    inner.writeBytes(Uint8Array.of(0xff, 0xfe));
  }

  write(text: string): void {
    this.utf8.text(text);
  }

  writeBytes(bytes: Uint8Array): void {
    this.utf8.flush();
    this.forward(bytes);
  }

  close(): void {
    this.utf8.flush();
    this.inner.close();
  }

  abort(): void {
    this.utf8.drop();
    this.inner.abort();
  }

  private forward(piece: Uint8Array): void {
    let bytes = piece;
    if (this.carried > 0) {
      bytes = new Uint8Array(this.carried + piece.length);
      bytes.set(this.carry.subarray(0, this.carried));
      bytes.set(piece, this.carried);
      this.carried = 0;
    }
    // At most 4 bytes per UTF-8 byte (a newline becomes CR LF in UTF-16).
    if (this.out.length < 4 * bytes.length) this.out = new Uint8Array(4 * bytes.length);
    const out = this.out;
    let q = 0;
    let p = 0;
    const end = bytes.length;
    while (p < end) {
      const b = bytes[p]!;
      let point: number;
      let length: number;
      if (b < 0x80) {
        point = b;
        length = 1;
      } else if (b >= 0xf0) {
        point = ((b & 0x07) << 18) | ((bytes[p + 1]! & 0x3f) << 12) | ((bytes[p + 2]! & 0x3f) << 6) | (bytes[p + 3]! & 0x3f);
        length = 4;
      } else if (b >= 0xe0) {
        point = ((b & 0x0f) << 12) | ((bytes[p + 1]! & 0x3f) << 6) | (bytes[p + 2]! & 0x3f);
        length = 3;
      } else {
        point = ((b & 0x1f) << 6) | (bytes[p + 1]! & 0x3f);
        length = 2;
      }
      if (p + length > end) {
        // The sequence goes on in the next piece.
        this.carry.set(bytes.subarray(p, end));
        this.carried = end - p;
        break;
      }
      p += length;
      if (point === 0x0a) {
        out[q++] = 0x0d;
        out[q++] = 0;
      }
      if (point >= 0x10000) {
        const high = 0xd800 + ((point - 0x10000) >> 10);
        const low = 0xdc00 + ((point - 0x10000) & 0x3ff);
        out[q++] = high & 0xff;
        out[q++] = high >> 8;
        out[q++] = low & 0xff;
        out[q++] = low >> 8;
      } else {
        out[q++] = point & 0xff;
        out[q++] = point >> 8;
      }
    }
    if (q > 0) this.inner.writeBytes(out.subarray(0, q));
  }
}

/** The sink .reg text of `style` goes through: regedit's UTF-16LE for `regedit`, `sink` itself for `ce`. */
export function regSink(sink: TextSink, style: RegStyle): TextSink {
  return style === 'regedit' ? new Utf16LeSink(sink) : sink;
}

export { regHeader };
