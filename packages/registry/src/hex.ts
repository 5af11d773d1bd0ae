// Byte → two lowercase hex digits, built once: hex rendering is on the dump hot path.
const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `0a1bff` for bytes 0x0a 0x1b 0xff. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += HEX_PAIRS[bytes[i]!]!;
  return text;
}

/** Two hex digits of one byte. */
export function hexByte(byte: number): string {
  return HEX_PAIRS[byte & 0xff]!;
}

/** `0x0000abcd`: a u32 as fixed-width hex. */
export function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0');
}
