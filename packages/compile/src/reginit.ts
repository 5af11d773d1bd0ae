import { md5 } from '@noble/hashes/legacy';

/**
 * The bytes of `reginit.ini` as hivetool writes it: the merged lines in order, each
 * followed by CR LF (the line end of the Windows build hosts, the last line included),
 * encoded as UTF-8 without a BOM. The ROM signature is the MD5 of exactly these bytes
 * (format guide §3).
 */
export function encodeReginit(texts: readonly string[]): Uint8Array {
  if (texts.length === 0) return new Uint8Array(0);
  return new TextEncoder().encode(texts.join('\r\n') + '\r\n');
}

/** The ROM signature of a compiled registry: MD5 of the reginit.ini bytes (format guide §3). */
export function reginitSignature(reginit: Uint8Array): Uint8Array {
  return md5(reginit);
}
