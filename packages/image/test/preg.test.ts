/**
 * The PREG container of the common OAL (format guide §10, docs/formats/preg.md): round
 * trips, damage detection, interrupted saves, and the OAL's read side call by call.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PREG_HEADER_SIZE, PregReadEmulator, decodePreg, encodePreg, identifyFormat, inspectPreg, looksLikePreg, pregChecksum, type PregLayout } from '@hivetool/image';
import { REPO_ROOT, runs } from '@hivetool/test-support';

const payload = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
/** A layout: none (the container ends after the padded stream) or regions of a given size. */
const layoutFor = (streamLength: number): fc.Arbitrary<PregLayout> =>
  fc.oneof(
    fc.constant({}),
    fc.integer({ min: 16, max: 96 }).chain((regionSize) => {
      const least = Math.max(1, Math.ceil((PREG_HEADER_SIZE + streamLength + 3) / regionSize));
      return least > 8 ? fc.constant({}) : fc.integer({ min: least, max: 8 }).map((regions) => ({ regionSize, regions }));
    }),
  );

describe('PREG container', () => {
  test('the checksum is the wrapping sum of little-endian words, padded with 0xFF', () => {
    expect(pregChecksum(new Uint8Array([]))).toBe(0);
    expect(pregChecksum(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]))).toBe(3);
    expect(pregChecksum(new Uint8Array([0x01]))).toBe(0xffffff01);
    expect(pregChecksum(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0]))).toBe(1); // wraps
  });

  test('round trip for arbitrary streams and region layouts', () => {
    fc.assert(
      fc.property(payload(300).chain((stream) => fc.tuple(fc.constant(stream), layoutFor(stream.length))), ([stream, layout]) => {
        const container = encodePreg(stream, layout);
        expect(identifyFormat(container)).toBe('oem-preg');
        if (layout.regionSize !== undefined) expect(container.length).toBe(layout.regionSize * layout.regions!);
        else expect(container.length).toBe(PREG_HEADER_SIZE + Math.ceil(stream.length / 4) * 4);
        expect(decodePreg(container, layout)).toEqual(stream);
        const report = inspectPreg(container, layout);
        expect(report).toMatchObject({ state: 'intact', size: stream.length, checksum: pregChecksum(stream), computedChecksum: pregChecksum(stream) });
      }),
      { seed: 140, numRuns: runs(300) },
    );
  });

  test('a stream that does not fit its regions is refused', () => {
    expect(() => encodePreg(new Uint8Array(40), { regionSize: 16, regions: 3 })).toThrow(expect.objectContaining({ code: 'DOES_NOT_FIT' }));
    expect(() => encodePreg(new Uint8Array(4), { regionSize: 16, regions: 9 })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });

  test('every single-bit flip is detected (but the one the layout cannot see: the size moved across erased bytes of its last word)', () => {
    fc.assert(
      fc.property(payload(40).chain((stream) => fc.tuple(fc.constant(stream), layoutFor(stream.length))), ([stream, layout]) => {
        const container = encodePreg(stream, layout);
        for (let bit = 0; bit < container.length * 8; bit++) {
          const flipped = container.slice();
          flipped[bit >> 3]! ^= 1 << (bit & 7);
          const report = inspectPreg(flipped, layout);
          if (report.state !== 'intact') continue;
          // Only the two low bits of the size can move the end of the stream inside its last
          // 4-byte word; the bytes gained or lost there are erased flash, which is also what
          // the checksum pads with: the two readings are the same bytes on flash.
          const size = report.size!;
          expect([bit >> 3, (bit & 7) < 2]).toEqual([4, true]);
          expect(Math.ceil(size / 4)).toBe(Math.ceil(stream.length / 4));
          const longer = size > stream.length ? report.stream! : stream;
          expect(longer.subarray(Math.min(size, stream.length)).every((b) => b === 0xff)).toBe(true);
        }
      }),
      { seed: 141, numRuns: runs(60) },
    );
  });

  test('every truncation is detected', () => {
    fc.assert(
      fc.property(payload(64).chain((stream) => fc.tuple(fc.constant(stream), layoutFor(stream.length))), ([stream, layout]) => {
        const container = encodePreg(stream, layout);
        for (let length = 0; length < container.length; length++) {
          const report = inspectPreg(container.subarray(0, length), layout);
          expect([length, report.state]).toEqual([length, 'damaged']);
          expect(report.problem?.code).toMatch(/^(TRUNCATED|LIMIT_EXCEEDED)$/);
        }
      }),
      { seed: 142, numRuns: runs(40) },
    );
  });

  test('arbitrary bytes never make inspectPreg throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.option(fc.integer({ min: 16, max: 40 }), { nil: undefined }), (bytes, signed, regionSize) => {
        if (signed && bytes.length >= 4) bytes.set([0x47, 0x45, 0x52, 0x50]);
        const report = inspectPreg(bytes, { regionSize });
        expect(['intact', 'interrupted', 'damaged']).toContain(report.state);
        expect(report.state === 'intact' ? report.stream !== undefined : report.problem !== undefined).toBe(true);
      }),
      { seed: 145, numRuns: runs(500) },
    );
  });

  test('an erased header is an interrupted save: nothing stored', () => {
    const stream = new TextEncoder().encode('a stream whose save was cut before its header');
    const container = encodePreg(stream, { regionSize: 64, regions: 2 });
    container.fill(0xff, 0, PREG_HEADER_SIZE); // the data was written, the header never was
    expect(looksLikePreg(container)).toBe(true);
    const report = inspectPreg(container, { regionSize: 64 });
    expect(report.state).toBe('interrupted');
    expect(report.problem?.code).toBe('INTERRUPTED_SAVE');
    expect(() => decodePreg(container)).toThrow(expect.objectContaining({ code: 'INTERRUPTED_SAVE' }));
    expect(inspectPreg(new Uint8Array(128).fill(0xff)).state).toBe('interrupted'); // erased, never saved
    expect(new PregReadEmulator(container).read(1, new Uint8Array(8))).toBe(-1);
  });

  test('the read emulator returns what the common OAL code returns, for any sequence of requests', () => {
    fc.assert(
      fc.property(
        payload(200),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 80 })), { minLength: 1, maxLength: 30 }),
        fc.constantFrom<'intact' | 'bad checksum' | 'bad signature'>('intact', 'intact', 'bad checksum', 'bad signature'),
        (stream, requests, damage) => {
          const container = encodePreg(stream);
          if (damage === 'bad checksum') container[8]! ^= 0x10;
          if (damage === 'bad signature') container[0] = 0x46;
          const emulator = new PregReadEmulator(container);
          // The model: -1 until a start call on a good container; each request gets all its
          // bytes while that many are left, else 0 (a short final read gets nothing).
          let position = 0;
          let started = false;
          requests.forEach(([start, length], index) => {
            const flags = start || index === 0 ? 1 : 0;
            if (flags === 1) {
              started = damage === 'intact';
              position = 0;
            }
            const buffer = new Uint8Array(length);
            const got = emulator.read(flags, buffer);
            if (!started) {
              expect(got).toBe(-1);
              return;
            }
            if (stream.length - position >= length) {
              expect(got).toBe(length);
              expect(buffer).toEqual(stream.subarray(position, position + length));
              position += length;
            } else {
              expect(got).toBe(0);
            }
          });
        },
      ),
      { seed: 143, numRuns: runs(500) },
    );
  });

  test('the hex example of docs/formats/preg.md decodes as the document says', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/formats/preg.md'), 'utf8');
    const block = /```hex\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const bytes = Uint8Array.from((block!.match(/^[0-9a-f]{8}: ((?:[0-9a-f]{2} ?)+)/gm) ?? []).flatMap((line) => line.slice(10).trim().split(/\s+/).map((h) => parseInt(h, 16))));
    const report = inspectPreg(bytes, { regionSize: 32, regions: 1 });
    // 'ABCD' = 0x44434241, then 'EF' padded with 0xFF = 0xffff4645; their sum wraps.
    expect(report).toMatchObject({ state: 'intact', signature: 0x50524547, size: 6, checksum: 0x44428886, regions: 1 });
    expect(new TextDecoder().decode(report.stream)).toBe('ABCDEF');
  });
});
