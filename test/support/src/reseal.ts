/**
 * Recomputes the checksums a mutated input carries, so that a fuzzer's corrupt input
 * reaches the structural checks behind them: without this, a mutation of a registry
 * image, OEM stream or store fails its SHA-256 or CRC-32 check nearly every time, and
 * the record decoders behind the check are barely run. The sealing itself is the
 * codecs' own (`sealImage`, `sealStream`, `sealChunk`).
 */
import { CHUNK_HEADER_SIZE, IMAGE_HEADER_SIZE, STREAM_HEADER_SIZE, TRAILER_SIZE, sealChunk, sealImage, sealStream } from '@hivetool/image';
import type { FuzzTargetName } from './fuzzTargets.js';

// A store chunk's payload length field, from the chunk's start (docs/formats/oem-stream.md).
const CHUNK_PAYLOAD_LENGTH_AT = 20;

/** Reseals every chunk found from the start of each of a store's two slots. */
function resealStore(bytes: Uint8Array): void {
  const half = Math.floor(bytes.length / 2);
  for (const slot of [bytes.subarray(0, half), bytes.subarray(half, 2 * half)]) {
    const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
    for (let at = 0; at + CHUNK_HEADER_SIZE <= slot.length; ) {
      const payloadLength = Math.min(view.getUint32(at + CHUNK_PAYLOAD_LENGTH_AT, true), slot.length - at - CHUNK_HEADER_SIZE);
      sealChunk(slot, at, payloadLength);
      at += CHUNK_HEADER_SIZE + payloadLength;
    }
  }
}

/**
 * Reseals `bytes` in place for `target`'s format: image payload length and digest, stream
 * trailer and CRC-32, store chunk CRCs. Hives, .reg text and call logs carry no
 * checksum: unchanged.
 */
export function reseal(target: FuzzTargetName, bytes: Uint8Array): void {
  if (target === 'image' && bytes.length >= IMAGE_HEADER_SIZE) sealImage(bytes);
  else if (target === 'stream' && bytes.length >= STREAM_HEADER_SIZE + TRAILER_SIZE) sealStream(bytes);
  else if (target === 'store') resealStore(bytes);
}
