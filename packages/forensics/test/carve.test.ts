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

  test('a restore area after the heap end: its page-0 copy is a restore record, not a second hive', () => {
    const boot = corpusBytes('boot.hv');
    const record = 4 + 4096;
    const image = new Uint8Array(0x2000 + boot.length + 3 * record + 0x1000);
    fillRandom(image, 7);
    image.set(boot, 0x2000);
    // Restore records {u32 fileOffset; page}: page 0 first, then two heap pages (format guide §3a).
    const tail = 0x2000 + boot.length;
    [0, 0x5000, 0x6000].forEach((fileOffset, index) => {
      const at = tail + index * record;
      new DataView(image.buffer).setUint32(at, fileOffset, true);
      image.set(boot.subarray(fileOffset, fileOffset + 4096), at + 4);
    });
    const found = [...carveImage(bytesSource(image), { windowSize: 8192 })];
    expect(found.map((hive) => [hive.offset, hive.status])).toEqual([
      [0x2000, 'hive'],
      [tail + 4, 'restore-record'],
    ]);
    expect(found[1]!.reason).toBe('copy of the header page in a restore record after the heap of the hive at 0x2000');
    expect(found[1]!.bytes).toBeUndefined();
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
