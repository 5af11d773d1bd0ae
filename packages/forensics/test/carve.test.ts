import { describe, expect, test } from '@jest/globals';
import { bytesSource, carveImage, findHeaderCandidates, parseRamRegion, stripSpareAreas, ForensicsError } from '@hivetool/forensics';
import { addSpareAreas, buildImage, corpusBytes, describeCorpus, fillRandom } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

describeWithCorpus('carveImage over windows', () => {
  test.each([4096, 8192, 65536])('headers across every window boundary are found (window %i)', (windowSize) => {
    const boot = corpusBytes('boot.hv');
    // Place copies so that their headers straddle window boundaries at each 4-byte position.
    const image = new Uint8Array(windowSize * 4 + boot.length * 4);
    fillRandom(image, windowSize);
    const offsets = [windowSize - 4, 2 * windowSize + boot.length - 8 - ((2 * windowSize + boot.length - 8) % 4), image.length - boot.length];
    for (const offset of offsets) image.set(boot, offset);
    const found = [...carveImage(bytesSource(image), { windowSize, verify: false })];
    expect(found.map((hive) => [hive.offset, hive.status])).toEqual(offsets.map((offset) => [offset, 'hive']));
  });

  test('a hive cut by the end is truncated, with its bytes as far as they go', () => {
    const image = buildImage({ seed: 3, hives: [{ name: 'default.hv', bytes: corpusBytes('default.hv') }], layout: 'scattered', fill: 'random', truncateLast: true });
    const [hive] = [...carveImage(bytesSource(image.bytes))];
    expect(hive).toMatchObject({ offset: image.hives[0]!.offset, status: 'truncated', kind: 'rom', extent: 266240, length: image.hives[0]!.length });
    expect(hive!.bytes).toEqual(corpusBytes('default.hv').subarray(0, image.hives[0]!.length));
  });

  test('stripSpareAreas reads the data bytes of any range', () => {
    const data = new Uint8Array(10000);
    fillRandom(data, 1);
    const source = stripSpareAreas(bytesSource(addSpareAreas(data, 2048, 64, 2)), 2048, 64);
    expect(source.length).toBe(5 * 2048);
    // The data as the dump holds it: the last page padded with 0xFF (erased flash).
    const padded = new Uint8Array(5 * 2048).fill(0xff);
    padded.set(data);
    for (const [offset, length] of [[0, 10000], [2040, 20], [4095, 2], [9990, 500]] as const) {
      expect(source.read(offset, length)).toEqual(padded.subarray(offset, offset + length));
    }
  });
});

describe('arguments', () => {
  test('parseRamRegion', () => {
    expect(parseRamRegion('0x80100000:0x40000@0x80000000')).toEqual({ start: 0x80100000, length: 0x40000, base: 0x80000000 });
    expect(parseRamRegion('4096:8192')).toEqual({ start: 4096, length: 8192, base: 0 });
    expect(() => parseRamRegion('0x10:')).toThrow(ForensicsError);
    expect(() => parseRamRegion('12:0')).toThrow(/BAD_RAM_REGION/);
  });

  test('findHeaderCandidates needs version and magic at 4-aligned offsets', () => {
    const bytes = new Uint8Array(64);
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 0x400, true);
    view.setUint32(16, 0x4d494b45, true);
    view.setUint32(30, 0x400, true); // unaligned: never a candidate
    view.setUint32(38, 0x4d494b45, true);
    view.setUint32(44, 0x4d494b45, true); // magic without the version
    expect(findHeaderCandidates(bytes)).toEqual([8]);
    expect(findHeaderCandidates(bytes.subarray(1))).toEqual([]);
  });
});
