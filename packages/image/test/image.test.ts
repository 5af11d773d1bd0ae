import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_IMAGE_LIMITS,
  ImageFormatError,
  resolveImageLimits,
  type ImageLimits,
  OemReadEmulator,
  REG_READ_BYTES_START,
  REG_WRITE_BYTES_START,
  decodeCallLog,
  decodeImage,
  decodeOemStream,
  encodeCallLog,
  encodeImage,
  encodeOemStream,
  identifyFormat,
  loadStore,
  openImage,
  reassembleOemCalls,
  writeRegistryToOemCalls,
  writeStoreGeneration,
} from '@hivetool/image';
import { DEFAULT_REGISTRY_LIMITS, KeyFlags, ValueType, renderTreeAsReg, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';
import { REPO_ROOT, flattenTree, runs } from '@hivetool/test-support';

const flatten = flattenTree;

/** The tree as persisted: volatile keys (and their subtrees) dropped. */
function persisted(tree: HiveTree): HiveTree {
  const keep = (keys: TreeKey[]): TreeKey[] => keys.filter((k) => ((k.flags ?? 0) & KeyFlags.VOLATILE) === 0).map((k) => ({ ...k, subkeys: keep(k.subkeys ?? []) }));
  return { roots: Object.fromEntries(Object.entries(tree.roots).map(([i, keys]) => [i, keep(keys ?? [])]).filter(([, keys]) => (keys as TreeKey[]).length > 0)) };
}

const nameArbitrary = fc.string({ unit: 'binary', maxLength: 12 });
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: nameArbitrary,
  type: fc.oneof(fc.constantFrom(...Object.values(ValueType)), fc.integer({ min: 0, max: 0xffff })),
  data: fc.uint8Array({ maxLength: 40 }),
  flags: fc.integer({ min: 0, max: 255 }),
});
const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: nameArbitrary,
    flags: fc.constantFrom(0, 0x2, KeyFlags.VOLATILE, 0x4600),
    values: fc.array(valueArbitrary, { maxLength: 3 }),
    subkeys: fc.oneof({ maxDepth: 4, depthIdentifier: 'image' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 })),
  }),
}));
const treeArbitrary: fc.Arbitrary<HiveTree> = fc
  .record({ 0: fc.array(keyArbitrary, { maxLength: 2 }), 1: fc.array(keyArbitrary, { maxLength: 2 }), 2: fc.array(keyArbitrary, { maxLength: 3 }), 3: fc.array(keyArbitrary, { maxLength: 1 }) })
  .map((roots) => ({ roots }));
const chunkArbitrary = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 1 << 20 }));

function expectImageError(action: () => unknown): ImageFormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageFormatError);
    return error as ImageFormatError;
  }
  throw new Error('no error was thrown');
}

describe('registry image', () => {
  test('round trip is exact, deterministic, and leaves volatile keys out', () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        const bytes = encodeImage(tree);
        expect(Buffer.from(encodeImage(tree)).equals(bytes)).toBe(true);
        expect(flatten(decodeImage(bytes))).toEqual(flatten(persisted(tree)));
        expect(identifyFormat(bytes)).toBe('image');
      }),
      { seed: 31, numRuns: runs(80) },
    );
  });

  test('every truncation and every single-bit flip is detected', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.nat(), fc.nat(), (tree, cutSeed, bitSeed) => {
        const bytes = encodeImage(tree);
        const cut = cutSeed % bytes.length;
        expectImageError(() => openImage(bytes.subarray(0, cut)));
        const flipped = bytes.slice();
        const bit = bitSeed % (bytes.length * 8);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        expectImageError(() => openImage(flipped));
      }),
      { seed: 32, numRuns: runs(150) },
    );
    // Exhaustively on one small image: every cut, every bit.
    const small = encodeImage({ roots: { 2: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } });
    for (let cut = 0; cut < small.length; cut++) expectImageError(() => openImage(small.subarray(0, cut)));
    for (let bit = 0; bit < small.length * 8; bit++) {
      const flipped = small.slice();
      flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
      expectImageError(() => openImage(flipped));
    }
  });

  test('limits: maxKeys and maxValues cap each count; maxRecords, the former name, caps both', () => {
    const tree: HiveTree = { roots: { 2: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }, { name: 'w', type: 4, data: Uint8Array.of(2, 0, 0, 0) }], subkeys: [{ name: 'B' }] }] } };
    const image = encodeImage(tree);
    const stream = encodeOemStream(tree);
    expect(DEFAULT_IMAGE_LIMITS.maxKeys).toBe(DEFAULT_REGISTRY_LIMITS.maxKeys);
    expect(resolveImageLimits({ maxRecords: 5 })).toEqual({ maxDepth: 512, maxKeys: 5, maxValues: 5 });
    for (const decode of [(limits: Partial<ImageLimits>) => decodeImage(image, limits), (limits: Partial<ImageLimits>) => decodeOemStream(stream, limits).tree]) {
      expect(flattenTree(decode({ maxKeys: 2, maxValues: 2 }))).toEqual(flattenTree(tree));
      expect(expectImageError(() => decode({ maxKeys: 1 })).code).toBe('LIMIT_EXCEEDED');
      expect(expectImageError(() => decode({ maxValues: 1 })).code).toBe('LIMIT_EXCEEDED');
      expect(expectImageError(() => decode({ maxRecords: 1 })).code).toBe('LIMIT_EXCEEDED');
    }
  });

  test('data are views into the image (zero-copy decoding)', () => {
    const bytes = encodeImage({ roots: { 2: [{ name: 'K', values: [{ name: 'v', type: 3, data: Uint8Array.of(9, 8, 7) }] }] } });
    const value = decodeImage(bytes).roots[2]![0]!.values![0]!;
    expect(value.data.buffer).toBe(bytes.buffer);
    expect(Array.from(value.data)).toEqual([9, 8, 7]);
  });
});

describe('OEM stream and the WriteRegistryToOEM / ReadRegistryFromOEM protocol', () => {
  test('for any registry and chunk size (1 byte to 1 MiB): calls reassemble to the stream, which decodes to the registry', () => {
    fc.assert(
      fc.property(treeArbitrary, chunkArbitrary, (tree, chunk) => {
        const stream = encodeOemStream(tree);
        const calls = [...writeRegistryToOemCalls(stream, chunk)];
        expect(calls[0]!.flags).toBe(REG_WRITE_BYTES_START);
        expect(calls.slice(1).every((call) => call.flags === 0)).toBe(true);
        expect(calls[calls.length - 1]!.data.length).toBe(0);
        expect(calls.slice(0, -1).every((call) => call.data.length > 0 && call.data.length <= chunk)).toBe(true);
        const joined = reassembleOemCalls(decodeCallLog(encodeCallLog(calls)));
        expect(Buffer.from(joined).equals(stream)).toBe(true);
        expect(flatten(decodeOemStream(joined).tree)).toEqual(flatten(persisted(tree)));
      }),
      { seed: 33, numRuns: runs(80) },
    );
  });

  test('a save without its final cbData = 0 call is refused as a partial registry', () => {
    fc.assert(
      fc.property(treeArbitrary, chunkArbitrary, fc.nat(), (tree, chunk, dropSeed) => {
        const calls = [...writeRegistryToOemCalls(encodeOemStream(tree), chunk)];
        // The OS stopped somewhere before the end: any prefix without the last call.
        const kept = calls.slice(0, dropSeed % calls.length);
        const error = expectImageError(() => reassembleOemCalls(kept));
        expect(error.code).toBe('PARTIAL_REGISTRY');
      }),
      { seed: 34, numRuns: runs(60) },
    );
    expect(expectImageError(() => reassembleOemCalls([{ flags: 0, data: Uint8Array.of(1) }, { flags: 0, data: new Uint8Array(0) }])).code).toBe('BAD_CALL_SEQUENCE');
  });

  test('ReadRegistryFromOEM emulation serves the stream for any buffer size, then 0', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.integer({ min: 1, max: 5000 }), (tree, size) => {
        const stream = encodeOemStream(tree);
        const reader = new OemReadEmulator(stream);
        const buffer = new Uint8Array(size);
        const parts: number[] = [];
        let flags = REG_READ_BYTES_START;
        for (;;) {
          const count = reader.read(flags, buffer, size);
          flags = 0;
          if (count === 0) break;
          expect(count).toBeLessThanOrEqual(size);
          parts.push(...buffer.subarray(0, count));
        }
        expect(Buffer.from(parts).equals(stream)).toBe(true);
        // REG_READ_BYTES_START starts over.
        expect(reader.read(REG_READ_BYTES_START, buffer, 4)).toBe(Math.min(4, size, stream.length));
      }),
      { seed: 35, numRuns: runs(40) },
    );
  });

  test('every truncation and every single-bit flip of a stream is detected', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.nat(), fc.nat(), (tree, cutSeed, bitSeed) => {
        const stream = encodeOemStream(tree);
        expectImageError(() => decodeOemStream(stream.subarray(0, cutSeed % stream.length)));
        const flipped = stream.slice();
        const bit = bitSeed % (stream.length * 8);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        expectImageError(() => decodeOemStream(flipped));
      }),
      { seed: 36, numRuns: runs(150) },
    );
    const small = encodeOemStream({ roots: { 2: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } });
    for (let cut = 0; cut < small.length; cut++) expectImageError(() => decodeOemStream(small.subarray(0, cut)));
    for (let bit = 0; bit < small.length * 8; bit++) {
      const flipped = small.slice();
      flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
      expectImageError(() => decodeOemStream(flipped));
    }
  });

  test('the two API pairs cannot be mixed up: each names what the other file is', () => {
    const tree: HiveTree = { roots: { 2: [{ name: 'A' }] } };
    const image = encodeImage(tree);
    const stream = encodeOemStream(tree);
    const asImage = expectImageError(() => openImage(stream));
    expect(asImage.code).toBe('WRONG_FORMAT');
    expect(asImage.message).toContain('WriteRegistryToOEM');
    expect(asImage.message).toContain('hivetool oem');
    const asStream = expectImageError(() => decodeOemStream(image));
    expect(asStream.message).toContain('RegCopyFile');
    expect(asStream.message).toContain('hivetool image dump');
    const hive = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
    expect(expectImageError(() => openImage(hive)).message).toContain('hive file (.hv)');
    expect(expectImageError(() => decodeOemStream(hive)).message).toContain('hive file (.hv)');
  });
});

describe('OEM store (A/B slots)', () => {
  const slotSize = 4096;

  test('a write cut at any byte of a new generation loads the previous one, nothing lost', () => {
    fc.assert(
      fc.property(treeArbitrary, treeArbitrary, treeArbitrary, fc.integer({ min: 1, max: 300 }), fc.nat(), fc.boolean(), (first, second, third, chunk, cutSeed, erasedFirst) => {
        const s1 = encodeOemStream(first);
        const s2 = encodeOemStream(second);
        const s3 = encodeOemStream(third);
        // Each generation fits its slot: a 36-byte header per chunk, and the stream.
        const fits = (stream: Uint8Array): boolean => Math.max(1, Math.ceil(stream.length / chunk)) * 36 + stream.length <= slotSize;
        fc.pre(fits(s1) && fits(s2) && fits(s3));
        const g1 = writeStoreGeneration(s1, { slotSize, chunkPayload: chunk });
        const g2 = writeStoreGeneration(s2, { previous: g1.store, chunkPayload: chunk });
        expect(g2.slot).toBe('B');
        const g3 = writeStoreGeneration(s3, { previous: g2.store, chunkPayload: chunk });
        expect(g3.slot).toBe('A');
        // The flush of generation 3 into slot A stops after `cut` bytes: before it, the new
        // bytes; after it, either erased flash or what the slot held (generation 1).
        const written = g3.store.subarray(0, slotSize);
        let end = written.length;
        while (end > 0 && written[end - 1] === 0xff) end--;
        const cut = cutSeed % end;
        const torn = g2.store.slice();
        if (erasedFirst) torn.fill(0xff, 0, slotSize);
        torn.set(written.subarray(0, cut), 0);
        const loaded = loadStore(torn);
        if (loaded.generation === 3) {
          // Only possible when the bytes not yet written already held exactly what was to
          // be written (old chunks of an identical stream): then nothing is lost either.
          expect(erasedFirst).toBe(false);
          expect(Buffer.from(loaded.stream).equals(s3)).toBe(true);
        } else {
          expect(loaded.generation).toBe(2);
          expect(loaded.slot).toBe('B');
          expect(Buffer.from(loaded.stream).equals(s2)).toBe(true);
        }
        const complete = loadStore(g3.store);
        expect(complete.generation).toBe(3);
        expect(Buffer.from(complete.stream).equals(s3)).toBe(true);
      }),
      { seed: 37, numRuns: runs(100), maxSkipsPerRun: 1000 },
    );
  });

  test('exhaustively on a small store: a cut at every byte of the new generation loads the previous one', () => {
    const s1 = encodeOemStream({ roots: { 2: [{ name: 'First', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } });
    const s2 = encodeOemStream({ roots: { 2: [{ name: 'Second', values: [{ name: 'w', type: 1, data: Uint8Array.of(0x41, 0, 0, 0) }] }] } });
    const g1 = writeStoreGeneration(s1, { slotSize: 1024, chunkPayload: 24 });
    const g2 = writeStoreGeneration(s2, { previous: g1.store, chunkPayload: 24 });
    const written = g2.store.subarray(1024);
    let end = written.length;
    while (end > 0 && written[end - 1] === 0xff) end--;
    for (let cut = 0; cut < end; cut++) {
      const torn = g1.store.slice();
      torn.set(written.subarray(0, cut), 1024);
      const loaded = loadStore(torn);
      expect([loaded.generation, loaded.slot]).toEqual([1, 'A']);
      expect(Buffer.from(loaded.stream).equals(s1)).toBe(true);
    }
    expect(loadStore(g2.store).generation).toBe(2);
  });

  test('every truncation of a store is detected', () => {
    const stream = encodeOemStream({ roots: { 2: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } });
    const g1 = writeStoreGeneration(stream, { slotSize: 512, chunkPayload: 16 });
    const g2 = writeStoreGeneration(stream, { previous: g1.store, chunkPayload: 16 });
    for (const store of [g1.store, g2.store]) {
      for (let cut = 0; cut < store.length; cut++) expectImageError(() => loadStore(store.subarray(0, cut)));
    }
  });

  test('a stream larger than a slot is refused', () => {
    const stream = encodeOemStream({ roots: { 2: [{ name: 'A', values: [{ name: 'v', type: 3, data: new Uint8Array(5000) }] }] } });
    expect(expectImageError(() => writeStoreGeneration(stream, { slotSize: 1024, chunkPayload: 256 })).code).toBe('DOES_NOT_FIT');
  });
});

describe('hand-assembled examples from the format documents', () => {
  function exampleBytes(document: string): Uint8Array {
    const text = readFileSync(join(REPO_ROOT, 'docs/formats', document), 'utf8');
    const block = /## Example[\s\S]*?```hex\n([\s\S]*?)```/.exec(text);
    expect(block).not.toBeNull();
    return Uint8Array.from(block![1]!.trim().split(/\s+/).map((pair) => parseInt(pair, 16)));
  }
  const expected = 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\A]\n"v"=dword:00000001\n';

  test('docs/formats/image.md', () => {
    const bytes = exampleBytes('image.md');
    expect(bytes.length).toBe(85);
    expect(renderTreeAsReg(decodeImage(bytes))).toBe(expected);
  });

  test('docs/formats/oem-stream.md', () => {
    const bytes = exampleBytes('oem-stream.md');
    expect(bytes.length).toBe(59);
    const { tree, info } = decodeOemStream(bytes);
    expect(renderTreeAsReg(tree)).toBe(expected);
    expect(info.crc32).toBe(0x013494d3);
  });
});
