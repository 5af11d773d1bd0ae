import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { openHive, type Hive, type OpenHiveOptions } from '@hivetool/hive';
import { FORMAT_DESCRIPTIONS, identifyFormat } from '@hivetool/image';
import { UsageError } from './failures.js';

/**
 * Slot offsets have 28 bits, so no hive's blocks start past 0x5000 + 2^28; with a last
 * block of the largest size the file still stays under 1 GiB. Larger inputs are refused
 * before anything is allocated.
 */
export const MAX_HIVE_BYTES = 1024 * 1024 * 1024;

/** Reads a whole regular file (at most `limit` bytes) into one buffer. */
export function readInputFile(path: string, limit = MAX_HIVE_BYTES): Uint8Array {
  // Looked at before opening: opening a FIFO for reading would wait for a writer forever.
  const before = statSync(path);
  if (before.isDirectory()) throw new UsageError(`${path}: is a directory`);
  if (!before.isFile()) throw new UsageError(`${path}: not a regular file`);
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UsageError(`${path}: is a directory`);
    if (!stat.isFile()) throw new UsageError(`${path}: not a regular file`);
    if (stat.size > limit) throw new UsageError(`${path}: ${stat.size} bytes is larger than any hive can be (${limit} bytes)`);
    const bytes = new Uint8Array(stat.size);
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(fd, bytes, done, bytes.length - done, done);
      if (read === 0) break; // the file shrank while being read
      done += read;
    }
    return done === bytes.length ? bytes : bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file once and opens it as a hive over those bytes; the file is only read. A
 * registry image or OEM file given where a hive belongs is named for what it is.
 */
export function openHiveFile(path: string, options: OpenHiveOptions = {}): Hive {
  const bytes = readInputFile(path);
  const format = identifyFormat(bytes);
  if (format !== 'hive' && format !== 'unknown') throw new UsageError(`${path}: not a hive file: this is ${FORMAT_DESCRIPTIONS[format]}`);
  return openHive(bytes, options);
}
