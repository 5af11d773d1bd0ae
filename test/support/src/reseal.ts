/**
 * Recomputes the checksums a mutated input carries, so that a fuzzer's corrupt input
 * reaches the structural checks behind them: without this, a mutation of a registry
 * image, OEM stream or store fails its SHA-256 or CRC-32 check nearly every time, and
 * the record decoders behind the check are barely run.
 */
import { sha256 } from '@noble/hashes/sha2';
import { CHUNK_HEADER_SIZE, IMAGE_HEADER_SIZE, STREAM_HEADER_SIZE, StreamTag, TRAILER_SIZE, crc32Of } from '@hivetool/image';
import type { FuzzTargetName } from './fuzzTargets.js';

function put32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, value >>> 0, true);
}

function get32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

// Layout facts from docs/formats/: image digest field, stream trailer fields, chunk fields.
const IMAGE_PAYLOAD_LENGTH_AT = 16;
const IMAGE_DIGEST_AT = 32;
const IMAGE_DIGEST_SIZE = 16;
const TRAILER_OFFSET_AT = 9;
const TRAILER_CRC_AT = 13;
const CHUNK_PAYLOAD_LENGTH_AT = 20;
const CHUNK_PAYLOAD_CRC_AT = 28;
const CHUNK_HEADER_CRC_AT = 32;

/** Makes an image's payload length and digest match its bytes. */
function resealImage(bytes: Uint8Array): void {
  if (bytes.length < IMAGE_HEADER_SIZE) return;
  put32(bytes, IMAGE_PAYLOAD_LENGTH_AT, bytes.length - IMAGE_HEADER_SIZE);
  const digest = sha256.create().update(bytes.subarray(0, IMAGE_DIGEST_AT)).update(bytes.subarray(IMAGE_HEADER_SIZE)).digest();
  bytes.set(digest.subarray(0, IMAGE_DIGEST_SIZE), IMAGE_DIGEST_AT);
}

/** Writes a trailer over a stream's last bytes whose offset and CRC-32 match the stream. */
function resealStream(bytes: Uint8Array): void {
  if (bytes.length < STREAM_HEADER_SIZE + TRAILER_SIZE) return;
  const trailer = bytes.length - TRAILER_SIZE;
  bytes[trailer] = StreamTag.TRAILER;
  put32(bytes, trailer + TRAILER_OFFSET_AT, trailer);
  put32(bytes, trailer + TRAILER_CRC_AT, crc32Of(bytes.subarray(0, trailer)));
}

/** Recomputes the payload and header CRC-32 of every chunk found in both slots of a store. */
function resealStore(bytes: Uint8Array): void {
  const half = Math.floor(bytes.length / 2);
  for (const slot of [bytes.subarray(0, half), bytes.subarray(half, 2 * half)]) {
    for (let at = 0; at + CHUNK_HEADER_SIZE <= slot.length; ) {
      const payloadLength = Math.min(get32(slot, at + CHUNK_PAYLOAD_LENGTH_AT), slot.length - at - CHUNK_HEADER_SIZE);
      put32(slot, at + CHUNK_PAYLOAD_CRC_AT, crc32Of(slot.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + payloadLength)));
      put32(slot, at + CHUNK_HEADER_CRC_AT, crc32Of(slot.subarray(at, at + CHUNK_HEADER_CRC_AT)));
      at += CHUNK_HEADER_SIZE + payloadLength;
    }
  }
}

/**
 * Reseals `bytes` in place for `target`'s format: image digest, stream trailer and
 * CRC-32, store chunk CRCs. Hives, .reg text and call logs carry no checksum: unchanged.
 */
export function reseal(target: FuzzTargetName, bytes: Uint8Array): void {
  if (target === 'image') resealImage(bytes);
  else if (target === 'stream') resealStream(bytes);
  else if (target === 'store') resealStore(bytes);
}
