import { readFileSync } from 'node:fs';
import { openHive, type Hive } from '@hivetool/hive';

/**
 * Reads a file into memory once and opens it as a hive over those bytes. The input file
 * is only ever read.
 */
export function openHiveFile(path: string): Hive {
  const buffer = readFileSync(path);
  // A Buffer is a Uint8Array over a (possibly pooled) ArrayBuffer: view it, do not copy.
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return openHive(bytes);
}
