/**
 * The fuzzer and the benchmarks run as plain Node programs, outside jest: these tests run
 * them briefly so a change that only breaks them there (an import that needs jest's
 * globals, say) is caught by `npm test`.
 */
import { describe, expect, it, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive, readTree } from '@hivetool/hive';
import { CHUNK_HEADER_SIZE, IMAGE_HEADER_SIZE, decodeOemStream, encodeImage, encodeOemStream, isImageFormatError, loadStore, openImage, writeStoreGeneration } from '@hivetool/image';
import { REPO_ROOT, reseal, runNode } from '@hivetool/test-support';

describe('npm run fuzz', () => {
  // Counted in executions, not in wall-clock time: a busy machine runs fewer in a given time.
  it('fuzzes a decoder for the executions asked for and reports executions and failures', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--executions', '150', '--target', 'stream']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^fuzzing stream for 150 executions each; corpus /);
    expect(result.stdout).toMatch(/^stream +150 executions in \d+ s \(\d+\/s\), 0 failure\(s\)$/m);
  });

  it('fuzzes for the time given, counted from the first execution', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--minutes', '0.005', '--target', 'stream']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const line = /^stream +(\d+) executions in \d+ s \(\d+\/s\), 0 failure\(s\)$/m.exec(result.stdout);
    expect(line).not.toBeNull();
    // However long the seeds took to load, the time given was spent executing.
    expect(Number(line![1])).toBeGreaterThan(0);
  });

  it('reports the line coverage the first inputs of a run reach, growing with the inputs replayed', () => {
    const figures = (inputs: number): { covered: number; lines: number; reached: number } => {
      const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--coverage', String(inputs), '--target', 'stream']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const line = /^stream +(\d+)\/(\d+) lines \([\d.]+%\); in the functions called, \1\/(\d+) \([\d.]+%\): stream\.js [\d.]+%$/m.exec(result.stdout);
      expect(line).not.toBeNull();
      return { covered: Number(line![1]), lines: Number(line![2]), reached: Number(line![3]) };
    };
    const few = figures(50);
    const more = figures(2000);
    // The same module, more of it run by the longer replay (its inputs start with the 50).
    expect(more.lines).toBe(few.lines);
    expect(few.covered).toBeGreaterThan(0);
    expect(more.covered).toBeGreaterThan(few.covered);
    for (const { covered, reached, lines } of [few, more]) {
      expect(covered).toBeLessThanOrEqual(reached);
      expect(reached).toBeLessThan(lines); // the module holds the encoder too, which the decoder never calls
    }
  });

  it('refuses an unknown target with its usage and exit code 2', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--target', 'nonsense']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^usage: npm run fuzz -- \[--minutes N \| --executions N \| --coverage INPUTS\] \[--target hive\|verify\|reg\|image\|stream\|calls\|store\|media\|fal\]/);
  });
});

describe('bench generator', () => {
  it('generates a hive of about the size asked for that hivetool reads back', async () => {
    const { generateHive } = (await import(join(REPO_ROOT, 'bench/dist/generate.js'))) as {
      generateHive(targetBytes: number): { bytes: Uint8Array; keys: number; values: number };
    };
    const { openHive, hiveStatistics } = await import('@hivetool/hive');
    const { bytes, keys, values } = generateHive(256 * 1024);
    expect(bytes.length).toBeGreaterThan(200 * 1024);
    expect(bytes.length).toBeLessThan(400 * 1024);
    const stats = hiveStatistics(openHive(bytes));
    expect(stats.reachable.keys).toBe(keys);
    expect(stats.reachable.values).toBe(values);
  });
});

describe('reseal (the fuzzer recomputes checksums so decoders see corrupt records)', () => {
  const tree = readTree(openHive(new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')))));
  const stream = encodeOemStream(tree);
  // Damage a record in the middle; the checksum then fails, until resealed.
  const damaged = (bytes: Uint8Array, at: number): Uint8Array => {
    const copy = bytes.slice();
    copy[at] = copy[at]! ^ 0xff;
    return copy;
  };
  const codeOf = (decode: () => unknown): string => {
    try {
      decode();
      return 'ok';
    } catch (error) {
      expect(isImageFormatError(error)).toBe(true);
      return (error as { code: string }).code;
    }
  };

  test('an image: damaged → CHECKSUM_MISMATCH; resealed → past the digest to the records', () => {
    const bytes = damaged(encodeImage(tree), IMAGE_HEADER_SIZE + 3);
    expect(codeOf(() => openImage(bytes).toTree())).toBe('CHECKSUM_MISMATCH');
    reseal('image', bytes);
    expect(codeOf(() => openImage(bytes).toTree())).not.toMatch(/^(CHECKSUM_MISMATCH|TRUNCATED|TRAILING_BYTES)$/);
  });

  test('a stream cut short: no trailer; resealed → a trailer with the right CRC-32, and the records behind it are read', () => {
    const bytes = stream.slice(0, stream.length - 40);
    expect(() => decodeOemStream(bytes)).toThrow(/no trailer at its end/);
    reseal('stream', bytes);
    // Now the record cut by the new trailer is what fails.
    expect(codeOf(() => decodeOemStream(bytes))).toBe('TRUNCATED');
    expect(() => decodeOemStream(bytes)).not.toThrow(/no trailer|CRC-32/);
    expect(codeOf(() => decodeOemStream(reResealed(stream)))).toBe('ok');
  });

  test('a store: a damaged chunk is refused by its CRC-32; resealed, the chunk is taken and its stream checked', () => {
    const { store } = writeStoreGeneration(stream, { slotSize: stream.length * 2 + 4096, chunkPayload: 256 });
    const bytes = damaged(store, CHUNK_HEADER_SIZE + 300 + CHUNK_HEADER_SIZE);
    expect(() => loadStore(bytes)).toThrow(/CRC-32/);
    reseal('store', bytes);
    // The chunks pass now; what fails is the stream they carry (its own CRC-32).
    expect(() => loadStore(bytes)).toThrow(/stream does not decode: OEM stream CRC-32/);
  });

  /** Resealing an intact stream changes nothing. */
  function reResealed(bytes: Uint8Array): Uint8Array {
    const copy = bytes.slice();
    reseal('stream', copy);
    expect(Buffer.from(copy).equals(Buffer.from(bytes))).toBe(true);
    return copy;
  }
});
