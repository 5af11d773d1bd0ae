/**
 * UTF-16LE decoding that never loses a code unit: lone surrogates survive into the
 * JavaScript string (which is UTF-16 itself), unlike `TextDecoder`, which would replace
 * them with U+FFFD and so break a lossless round trip.
 */

// String.fromCharCode.apply takes its arguments on the stack: decode long strings in
// pieces of this many units.
const CHUNK_UNITS = 4096;

/** Decodes `units` UTF-16LE code units starting at `byteOffset` of `bytes`. */
export function decodeUtf16(bytes: Uint8Array, byteOffset: number, units: number): string {
  if (units <= 0) return '';
  if (units <= 32) {
    // Short strings (nearly every registry name) are fastest as a plain loop.
    let text = '';
    for (let i = 0, p = byteOffset; i < units; i++, p += 2) {
      text += String.fromCharCode(bytes[p]! | (bytes[p + 1]! << 8));
    }
    return text;
  }
  const codes = new Uint16Array(Math.min(units, CHUNK_UNITS));
  let text = '';
  for (let done = 0; done < units; ) {
    const n = Math.min(units - done, CHUNK_UNITS);
    for (let i = 0, p = byteOffset + 2 * done; i < n; i++, p += 2) {
      codes[i] = bytes[p]! | (bytes[p + 1]! << 8);
    }
    // apply accepts any array-like, a typed array included.
    text += String.fromCharCode.apply(null, codes.subarray(0, n) as unknown as number[]);
    done += n;
  }
  return text;
}

/** Encodes a string as UTF-16LE code units, without a terminator. */
export function encodeUtf16(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >>> 8;
  }
  return bytes;
}

/** True when the string holds an unpaired surrogate (not representable in UTF-8 text). */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return true;
  }
  return false;
}
