import { describe, expect, test } from '@jest/globals';
import { bytesSource, carveImage, findHeaderCandidates, parseRamRegion, stripSpareAreas, ForensicsError } from '@hivetool/forensics';
import { addSpareAreas, buildImage, corpusBytes, describeCorpus, fillRandom, headerFlood } from '@hivetool/test-support';

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

  test('a hive cut before its first section table is still truncated, whatever it holds up to the cut', () => {
    const boot = corpusBytes('boot.hv');
    // In the header, in the directory, in the heap's first block header, in section table 0.
    for (const cut of [0x100, 0x3000, 0x5008, 0x5800]) {
      const image = new Uint8Array(0x3000 + cut);
      fillRandom(image, cut);
      image.set(boot.subarray(0, cut), 0x3000);
      const found = [...carveImage(bytesSource(image), { damagedBytes: false })];
      expect(found.map((hive) => [hive.offset, hive.status, hive.length, hive.extent])).toEqual([[0x3000, 'truncated', cut, boot.length]]);
      expect(found[0]!.bytes).toEqual(boot.subarray(0, cut));
    }
  });

  test('a header no hive can have, cut by the end, is damaged: its heap end, its heap, its directory', () => {
    const boot = corpusBytes('boot.hv');
    const cases: Array<[string, (view: DataView) => void, number, RegExp]> = [
      ['restoreStart below the heap', (view) => view.setUint32(0x20, 0x400, true), 0x3000, /^restoreStart 0x400 cannot be a heap end .* and the image ends after 12288 bytes$/],
      ['restoreStart not page-aligned', (view) => view.setUint32(0x20, 0x10010, true), 0x3000, /^restoreStart 0x10010 cannot be a heap end/],
      ['restoreStart past 1 GiB', (view) => view.setUint32(0x20, 0xfffff000, true), 0x3000, /^restoreStart 0xfffff000 cannot be a heap end/],
      ['no section table at 0x5000', (view) => view.setUint32(0x5000, 0x400, true), 0x5800, /^no section table 0 at 0x5000/],
      ['a directory going backwards', (view) => { view.setUint32(0x1004, 0x8000, true); view.setUint32(0x1008, 0x4000, true); }, 0x3000, /^section directory entry 2 \(0x4000\) is not 4-aligned after the one before$/],
    ];
    for (const [what, edit, cut, reason] of cases) {
      const bytes = boot.slice(0, cut);
      edit(new DataView(bytes.buffer));
      const image = new Uint8Array(0x1000 + cut);
      image.set(bytes, 0x1000);
      const [kept] = [...carveImage(bytesSource(image))];
      expect([what, kept!.status, kept!.reason]).toEqual([what, 'damaged', expect.stringMatching(reason)]);
      expect(kept!.bytes).toEqual(bytes.subarray(0, kept!.length));
      // Without damagedBytes, nothing is read for it.
      const [bare] = [...carveImage(bytesSource(image), { damagedBytes: false })];
      expect([bare!.status, bare!.bytes]).toEqual(['damaged', undefined]);
    }
  });

  test('a free block jumping past the end of the image over section tables the directory lists: damaged, not truncated', () => {
    // Header: heap end claimed at 1 GiB; directory: sections 0 and 1 (its table at 0x7000).
    const image = new Uint8Array(0x9000);
    const view = new DataView(image.buffer);
    view.setUint32(0, 0x400, true);
    view.setUint32(8, 0x4d494b45, true);
    view.setUint32(0x20, 0x40000000, true);
    view.setUint32(0x1004, 0x2000, true);
    // Section table 0, slot 0 → the roots record at 0x6010, then a free block to 0x3ffff000.
    view.setUint32(0x5000, 0x20001004, true);
    view.setUint32(0x500c, 0x1010 | 1, true);
    view.setUint32(0x6010, 0xb0000020, true);
    view.setUint32(0x603c, (0x3ffff000 - 0x603c - 12) | 1, true);
    const [found] = [...carveImage(bytesSource(image))];
    expect(found).toMatchObject({ offset: 0, status: 'damaged', reason: 'the heap holds 1 of the 2 section tables the directory lists before 0x3ffff000, where the image ends' });
    // With section 1 left out of the directory, the same bytes are a hive cut by the end.
    view.setUint32(0x1004, 0, true);
    expect([...carveImage(bytesSource(image))][0]).toMatchObject({ offset: 0, status: 'truncated', extent: 0x40000000, length: 0x9000 });
  });

  test('a flood of crafted headers: one scan of the windows, every candidate examined, none a hive', () => {
    const flood = headerFlood(1024 * 1024, 5);
    let reads = 0;
    const source = bytesSource(flood.bytes);
    const counted = { length: source.length, read: (offset: number, length: number) => (reads++, source.read(offset, length)) };
    const statuses = new Map<string, number>();
    for (const found of carveImage(counted, { windowSize: 256 * 1024, damagedBytes: false })) statuses.set(found.status, (statuses.get(found.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 'object-store': flood.candidates - 1278, damaged: 1278 });
    // Headers are read from the window that found them: a read per window, none per candidate.
    expect(reads).toBe(4);
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
