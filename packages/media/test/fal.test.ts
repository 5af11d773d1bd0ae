import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPARE_LAYOUTS, SPARE_LAYOUT_NAMES, bytesSource, examineMedia, openFal, parseSpareLayout, versionContentKey, versionsOfHiveFiles, type FalVolume, type MediaReport, type PageCopy, type SectorHistory, type SpareLayoutName } from '@hivetool/media';
import { bytesSource as forensicBytes, examineCandidate } from '@hivetool/forensics';
import { NandSimulator, PAGE_STALE, PRESET_GEOMETRY, corpusAvailable, describeFatTools, layVolumeOnNand, makeFatNandImage, prng, setFixtureFat12Entry, sha256, type FatNandImage, type NandImage } from '@hivetool/test-support';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const fixture = (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'fat12-fragmented.img')));
const smallHive = (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'small.hv')));

function open(image: NandImage, bytes: Uint8Array = image.nand.image): FalVolume {
  return openFal(bytesSource(bytes), { pageSize: image.pageSize, spareSize: image.spareSize, pagesPerBlock: image.pagesPerBlock });
}

function hivesOf(report: MediaReport): { path: string; deleted: boolean; status: string; sha256: string }[] {
  return report.volumes.flatMap((volume) => volume.hives.map((hive) => ({ path: hive.path, deleted: hive.deleted, status: hive.status, sha256: sha256(hive.bytes) })));
}

/** Everything the reader rebuilt agrees with the generator's ground truth. */
function expectTruth(image: NandImage, fal: FalVolume): void {
  const { nand } = image;
  expect(fal.layout.layout?.name).toBe(image.layout);
  expect(fal.layout.how).toBe('detected');
  const expected = nand.logicalBytes();
  expect(fal.logical.size).toBeGreaterThanOrEqual(expected.length);
  expect(sha256(fal.logical.read(0, expected.length))).toBe(sha256(expected));
  const wrong: number[] = [];
  for (let s = 0; s < nand.map.length; s++) if (fal.physicalPageOf(s) !== nand.map[s]) wrong.push(s);
  expect(wrong).toEqual([]);
  // Every stale page the generator left, with its logical sector, and nothing else.
  const stale = [...fal.stale].map((copy) => [copy.physicalPage, copy.logicalSector]).sort((a, b) => a[0]! - b[0]!);
  expect(stale).toEqual(nand.stalePages().map((page) => [page, nand.logicalOf[page]]));
  for (const [i, copy] of [...fal.stale].entries()) {
    if (i % 97 !== 0) continue;
    expect(copy.block * image.pagesPerBlock + copy.pageInBlock).toBe(copy.physicalPage);
    expect(nand.stateOf[copy.physicalPage]).toBe(PAGE_STALE);
    expect(sha256(fal.stale.read(i))).toBe(sha256(fal.readPage(copy.physicalPage)));
  }
  expect(fal.geometry.badBlockList).toEqual(nand.badBlockList);
  expect(fal.geometry.reservedBlocks).toBe(nand.reservedBlocks);
  expect(fal.findings.filter((f) => f.code === 'FAL_DUPLICATE').map((f) => f.offset / (image.pageSize + image.spareSize))).toEqual(nand.duplicates.map((d) => Math.max(...d.pages)));
  expect(fal.findings.filter((f) => f.code === 'FAL_WRITE_INCOMPLETE').map((f) => f.offset / (image.pageSize + image.spareSize))).toEqual(nand.incomplete.map((i) => i.page));
  expect(fal.msflsh50?.reserved).toEqual([{ name: 'BOOT', startBlock: 0, blocks: nand.reservedBlocks }]);
  expect(fal.msflsh50?.regions.map((r) => r.regionTypeName)).toEqual(['FILESYS']);
}

/**
 * Older versions against the generator's ground truth: every earlier state it wrote of a
 * live hive file (the file's sectors read through that state's map) whose pages all
 * survive and which is a hive that verifies is among the versions found — as the same
 * keys and values, since states that differ only in free space or slack are one version;
 * and no version is marked proven whose bytes no recorded state held.
 */
function expectEarlierStatesFound(image: FatNandImage, fal: FalVolume, report: MediaReport, kept: Set<number>, expectSome = true): void {
  const ppb = image.pagesPerBlock;
  const physical = image.pageSize + image.spareSize;
  const staleBySector = new Map<number, PageCopy[]>();
  for (const copy of fal.stale) {
    const list = staleBySector.get(copy.logicalSector);
    if (list === undefined) staleBySector.set(copy.logicalSector, [copy]);
    else list.push(copy);
  }
  const history: SectorHistory = {
    pageSize: image.pageSize,
    mapped: (sector) => {
      const page = fal.physicalPageOf(sector);
      return page < 0 ? undefined : { logicalSector: sector, block: Math.floor(page / ppb), pageInBlock: page % ppb, physicalPage: page };
    },
    stale: (sector) => staleBySector.get(sector) ?? [],
    readPage: (page) => fal.readPage(page),
  };
  let earlierStates = 0;
  for (const { volume, hive, report: found } of versionsOfHiveFiles(report, history)) {
    const where = report.volumes.find((v) => v.index === volume)!;
    const file = where.hives[hive]!;
    const currentContent = versionContentKey(file.bytes);
    const expected = new Set<string>();
    const written = new Set<string>();
    for (const state of image.nand.states) {
      const bytes = new Uint8Array(file.bytes.length);
      let at = 0;
      let whole = true;
      for (const run of file.runs) {
        for (let done = 0; done < run.length && at < bytes.length; ) {
          const offset = where.offset + run.offset + done;
          const sector = Math.floor(offset / image.pageSize);
          const within = offset - sector * image.pageSize;
          const take = Math.min(image.pageSize - within, run.length - done, bytes.length - at);
          const page = state.map[sector] ?? -1;
          if (page < 0 || !kept.has(page)) whole = false;
          else bytes.set(image.nand.image.subarray(page * physical + within, page * physical + within + take), at);
          at += take;
          done += take;
        }
      }
      written.add(sha256(bytes));
      if (!whole) continue;
      const examined = examineCandidate(forensicBytes(bytes), 0, { damagedBytes: false });
      const content = versionContentKey(bytes);
      if (examined.status === 'hive' && examined.verify?.errors === 0 && content !== currentContent) expected.add(content);
    }
    earlierStates += expected.size;
    const foundContent = new Set(found.versions.map((version) => versionContentKey(version.bytes)));
    expect([...expected].filter((content) => !foundContent.has(content))).toEqual([]);
    expect(found.versions.filter((version) => version.proven && !written.has(sha256(version.bytes))).length).toBe(0);
  }
  // The generator overwrites system.hv: on FAT12 and FAT16 mtools gives the new copy the
  // clusters the old one freed, so the first state is an earlier state of the same clusters,
  // to be found. On FAT32 mtools gives the new copy the clusters after the old one (it
  // allocates from FSInfo's next-free hint; `media` shows the runs move), so the old state
  // is not a version of the file's clusters (docs/forensics.md): none is required there.
  if (expectSome) expect(earlierStates).toBeGreaterThan(0);
}

describe('FAL reassembly of the checked-in FAT12 fixture laid on a simulated NAND', () => {
  for (const layout of SPARE_LAYOUT_NAMES) {
    test(`${layout}: detected with its evidence; the logical space and both hives come back byte for byte`, () => {
      const image = layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout, seed: 7 });
      const fal = open(image);
      expectTruth(image, fal);
      expect(fal.layout.evidence).toContain(`${layout}: 100% of`);
      const report = examineMedia(fal.logical);
      expect(report.volumes.map((v) => v.label)).toEqual(['FIXTURE']);
      expect(hivesOf(report).map((h) => [h.path, h.deleted, h.status, h.sha256])).toEqual([
        ['\\Documents and Settings\\system (previous).hv', true, 'recovered', sha256(smallHive())],
        ['\\Documents and Settings\\system.hv', false, 'hive', sha256(smallHive())],
      ]);
    });
  }

  test('reads at any offset and length, across sectors on consecutive pages and not, match the truth', () => {
    for (const layout of ['ms16', 'ti-bch8'] as const) {
      const image = layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout, seed: 13 });
      const fal = open(image);
      // The logical space runs to the end of the MSFLSH50 region; unmapped sectors read as zeros.
      const expected = new Uint8Array(fal.logical.size);
      expected.set(image.nand.logicalBytes());
      const random = prng(layout.length);
      for (let n = 0; n < 200; n++) {
        const offset = Math.floor(random() * expected.length);
        const length = Math.floor(random() * 3 * image.pageSize * (n % 5 === 0 ? 40 : 1));
        const got = fal.logical.read(offset, length);
        expect(got.length).toBe(Math.min(length, expected.length - offset));
        expect(sha256(got)).toBe(sha256(expected.subarray(offset, offset + length)));
      }
    }
  });

  test('a long read of the logical space reads the pages it needs in few large requests, even when writes spread over open blocks', () => {
    // Consecutive sectors written to pages of four open blocks picked at random, a tenth
    // rewritten later: a read per run of consecutive pages would be one per few sectors.
    const geometry = PRESET_GEOMETRY['samsung-lb'];
    const nand = new NandSimulator({ layout: 'samsung-lb', ...geometry, blocks: 40, seed: 24, logicalSectors: 2000 });
    const data = new Uint8Array(geometry.pageSize);
    for (let sector = 0; sector < 2000; sector++) {
      data.fill(sector & 0xff);
      data[0] = sector >>> 8;
      nand.writeSector(sector, data);
    }
    for (let n = 0; n < 200; n++) nand.writeSector((n * 7919) % 2000, data.fill(n & 0xff));
    const raw = bytesSource(nand.image);
    let requests = 0;
    const fal = openFal({ size: raw.size, read: (offset, length) => (requests++, raw.read(offset, length)) }, { ...geometry, layout: 'samsung-lb' });
    requests = 0;
    const got = fal.logical.read(0, 2000 * geometry.pageSize);
    expect(sha256(got)).toBe(sha256(nand.logicalBytes().subarray(0, got.length)));
    // The 1,800 sectors written once lie in runs of the four open blocks (≤ 512 pages a
    // request); only the 200 rewritten ones, scattered, may take a request each.
    expect(requests).toBeLessThanOrEqual(200 + Math.ceil((40 * geometry.pagesPerBlock) / 512) * 4);
  });

  test('a preset given by name, and explicit offsets, read the same as detection', () => {
    const image = layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout: 'ti-bch8', seed: 3 });
    const geometry = { pageSize: image.pageSize, spareSize: image.spareSize, pagesPerBlock: image.pagesPerBlock };
    const explicit = parseSpareLayout('sector=54,status=58,oem=61,bad=0+1+0x3c');
    expect(typeof explicit).toBe('object');
    for (const layout of ['ti-bch8' as const, explicit as Exclude<typeof explicit, string>]) {
      const fal = openFal(bytesSource(image.nand.image), { ...geometry, layout });
      expect(fal.layout.how).toBe('given');
      expect(sha256(fal.logical.read(0, fixture().length))).toBe(sha256(image.nand.logicalBytes()));
    }
    expect(parseSpareLayout('sector=1,status=6')).toContain('oem');
    expect(parseSpareLayout('sector=x')).toContain('NAME=OFFSET');
  });

  test('a wrong preset given by name maps nothing it should not, and never throws', () => {
    const image = layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout: 'samsung-lb', seed: 5 });
    const fal = openFal(bytesSource(image.nand.image), { pageSize: 2048, spareSize: 64, pagesPerBlock: 64, layout: 'ti-bch8' });
    expect(fal.counts.mapped).toBe(0);
    expect(examineMedia(fal.logical).volumes).toEqual([]);
  });

  test('a read-only block is mapped whole from its page 0', () => {
    const image = layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout: 'samsung-sb', seed: 9, cuts: false });
    const data = new Uint8Array(32 * 512);
    for (let i = 0; i < data.length; i++) data[i] = (i >>> 9) + 1;
    const first = fixture().length / 512;
    const block = image.nand.writeReadOnlyBlock(first, data);
    const fal = open(image);
    expect(fal.geometry.readOnlyBlocks).toBe(1);
    expect(fal.physicalPageOf(first + 5)).toBe(block * 32 + 5);
    expect(sha256(fal.logical.read(first * 512, data.length))).toBe(sha256(data));
  });
});

/**
 * Pages laid out by hand from the drivers' sources (flash guide §3), not by the generator.
 * Each layout gets the same story on 4 blocks of 4 pages:
 *   block 0: page 0 sector 0 (old copy, stale 0xFFF8), page 1 sector 1 (0xFFF9),
 *            page 2 sector 0 (new copy, 0xFFF9), page 3 sector 2 (0xFFF9);
 *   block 1: page 4 sector 3, write cut after step 1 (0xFFFD, data erased),
 *            page 5 sector 3 (0xFFF9), pages 6–7 erased;
 *   block 2: bad (its mark cleared on page 0), page 8 claiming sector 1;
 *   block 3: erased.
 * Data of a page: the byte (sector + 1) * 16 + copy, repeated.
 */
const hex = (text: string): number[] => (text.replace(/\s+/g, '').match(/../g) ?? []).map((pair) => parseInt(pair, 16));

const HAND_SPARES: Record<SpareLayoutName, { pageSize: number; spareSize: number; spares: string[] }> = {
  // Microsoft, SectorInfo (Compact 2013, ee486730): `R R R R O V R R E E E E E E E E` —
  // dwReserved1 0–3, bOEMReserved 4, bBadBlock 5, wReserved2 6–7, ECC 8–15.
  ms16: {
    pageSize: 512,
    spareSize: 16,
    spares: [
      '00000000 ff ff f8ff 3ccf03 3ccf03 ffff',
      '01000000 ff ff f9ff 5aa596 5aa596 ffff',
      '00000000 ff ff f9ff 0c30c3 0c30c3 ffff',
      '02000000 ff ff f9ff 6699aa 6699aa ffff',
      '03000000 ff ff fdff ffffff ffffff ffff',
      '03000000 ff ff f9ff c33c0f c33c0f ffff',
      'ff'.repeat(16),
      'ff'.repeat(16),
      '01000000 ff 00 f9ff 000000 000000 0000',
    ],
  },
  // Samsung S3C6410 small page (fmd_SB.h 23–24, fmd_SB.cpp 224–242): SectorInfo in struct
  // order at 0–7 (OEM 4, bad-block mark 5), the main ECC at 8–11, 12–15 left erased.
  'samsung-sb': {
    pageSize: 512,
    spareSize: 16,
    spares: [
      '00000000 ff ff f8ff 3ccf0356 ffffffff',
      '01000000 ff ff f9ff 5aa59669 ffffffff',
      '00000000 ff ff f9ff 0c30c3a5 ffffffff',
      '02000000 ff ff f9ff 6699aa0f ffffffff',
      '03000000 ff ff fdff ffffffff ffffffff',
      '03000000 ff ff f9ff c33c0f96 ffffffff',
      'ff'.repeat(16),
      'ff'.repeat(16),
      '01000000 ff 00 f9ff 00000000 ffffffff',
    ],
  },
  // Samsung S3C6410 2 KiB page, 64-byte spare (fmd_LB.h 40–53, RestructSectorInfo in
  // fmd_LB.cpp): bBadBlock 0, dwReserved1 1–4, bOEMReserved 5, wReserved2 6–7, four
  // main-ECC words 8–23, spare ECC 24–25, ECC of the ECC 26–27, the rest erased.
  'samsung-lb': {
    pageSize: 2048,
    spareSize: 64,
    spares: [
      'ff 00000000 ff f8ff' + ' 11223344 55667788 99aabbcc ddeeff00' + ' 1234 5678' + 'ff'.repeat(36),
      'ff 01000000 ff f9ff' + ' 21324354 65768798 a9bacbdc edfe0f10' + ' 2345 6789' + 'ff'.repeat(36),
      'ff 00000000 ff f9ff' + ' 31425364 75869708 b9cadbec fd0e1f20' + ' 3456 789a' + 'ff'.repeat(36),
      'ff 02000000 ff f9ff' + ' 41526374 85960718 c9daebfc 0d1e2f30' + ' 4567 89ab' + 'ff'.repeat(36),
      'ff 03000000 ff fdff' + 'ff'.repeat(56),
      'ff 03000000 ff f9ff' + ' 51627384 95061728 d9eafb0c 1d2e3f40' + ' 5678 9abc' + 'ff'.repeat(36),
      'ff'.repeat(64),
      'ff'.repeat(64),
      '00 01000000 ff f9ff' + '00'.repeat(56),
    ],
  },
  // TI OMAP, x16 bus, BCH8 (COMMON_TI/BLOCK/NAND/fmd.c 70–82, 1169–1170; gpmc_ecc.h 27–31):
  // hwBadBlock[2], 52 ECC bytes, reserved1[4] (dwReserved1) at 54, reserved2[2]
  // (wReserved2) at 58, swBadBlock 60, oemReserved 61, 2 unused.
  'ti-bch8': {
    pageSize: 2048,
    spareSize: 64,
    spares: [
      'ffff' + '5a'.repeat(52) + ' 00000000 f8ff ff ff ffff',
      'ffff' + '6b'.repeat(52) + ' 01000000 f9ff ff ff ffff',
      'ffff' + '7c'.repeat(52) + ' 00000000 f9ff ff ff ffff',
      'ffff' + '8d'.repeat(52) + ' 02000000 f9ff ff ff ffff',
      'ffff' + 'ff'.repeat(52) + ' 03000000 fdff ff ff ffff',
      'ffff' + '9e'.repeat(52) + ' 03000000 f9ff ff ff ffff',
      'ff'.repeat(64),
      'ff'.repeat(64),
      '0000' + '00'.repeat(52) + ' 01000000 f9ff 00 ff ffff',
    ],
  },
};
/** Which sector each hand-written page holds, and which copy (for its data byte); -1 erased. */
const HAND_PAGES: [number, number][] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [2, 0],
  [-1, 0],
  [3, 0],
  [-1, 0],
  [-1, 0],
  [1, 9],
];

function handImage(layout: SpareLayoutName): { bytes: Uint8Array; pageSize: number; spareSize: number } {
  const { pageSize, spareSize, spares } = HAND_SPARES[layout];
  const physical = pageSize + spareSize;
  const bytes = new Uint8Array(16 * physical).fill(0xff);
  spares.forEach((spare, page) => {
    const values = hex(spare);
    expect(values.length).toBe(spareSize);
    const [sector, copy] = HAND_PAGES[page]!;
    if (sector >= 0) bytes.fill((sector + 1) * 16 + copy, page * physical, page * physical + pageSize);
    bytes.set(values, page * physical + pageSize);
  });
  return { bytes, pageSize, spareSize };
}

describe('hand-written pages per preset, laid out from the drivers’ sources', () => {
  for (const layout of SPARE_LAYOUT_NAMES) {
    test(`${layout}: detected; the later copy mapped, the stale one kept, the cut write and the bad block reported or skipped`, () => {
      const { bytes, pageSize, spareSize } = handImage(layout);
      const fal = openFal(bytesSource(bytes), { pageSize, spareSize, pagesPerBlock: 4 });
      expect([fal.layout.how, fal.layout.layout?.name]).toEqual(['detected', layout]);
      expect(fal.logical.size).toBe(4 * pageSize);
      expect([0, 1, 2, 3].map((s) => fal.physicalPageOf(s))).toEqual([2, 1, 3, 5]);
      expect([0, 1, 2, 3].map((s) => fal.logical.read(s * pageSize, pageSize)[pageSize - 1])).toEqual([0x11, 0x20, 0x30, 0x40]);
      expect([...fal.stale]).toEqual([{ logicalSector: 0, block: 0, pageInBlock: 0, physicalPage: 0, why: 'dirty' }]);
      expect(fal.stale.read(0)[0]).toBe(0x10);
      expect(fal.findings.map((f) => f.code)).toEqual(['FAL_WRITE_INCOMPLETE']);
      expect(fal.geometry.badBlockList).toEqual([2]);
      expect(fal.counts).toEqual({ mapped: 4, stale: 1, free: 2 + 4, incomplete: 1, duplicates: 0, unreadable: 0, logicalSectors: 4 });
    });
  }

  test('two completed copies of one sector: the later physical page is mapped, the pair reported', () => {
    const { bytes, pageSize, spareSize } = handImage('ms16');
    // Page 0's copy of sector 0 made valid again (0xFFF9), as if the write of page 2 was cut before step 3.
    const physical = pageSize + spareSize;
    bytes[physical * 0 + pageSize + 6] = 0xf9;
    const fal = openFal(bytesSource(bytes), { pageSize, spareSize, pagesPerBlock: 4, layout: 'ms16' });
    expect(fal.physicalPageOf(0)).toBe(2);
    expect(fal.findings.map((f) => [f.code, f.offset / physical])).toEqual([
      ['FAL_DUPLICATE', 2],
      ['FAL_WRITE_INCOMPLETE', 4],
    ]);
    expect([...fal.stale].map((copy) => [copy.physicalPage, copy.why])).toEqual([[0, 'duplicate']]);
  });
});

describe('when the layout cannot be decided', () => {
  test('an all-erased chip: says so, maps nothing', () => {
    const fal = openFal(bytesSource(new Uint8Array(64 * 528).fill(0xff)), { pageSize: 512, spareSize: 16 });
    expect(fal.layout.how).toBe('undecided');
    expect(fal.layout.evidence).toContain('erased');
    expect(fal.logical.size).toBe(0);
    expect(fal.findings.map((f) => f.code)).toEqual(['FAL_LAYOUT_UNDECIDED']);
  });

  test('noise: no layout explains it, the evidence names each', () => {
    const random = prng(11);
    const bytes = new Uint8Array(256 * 2112);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    const fal = openFal(bytesSource(bytes), { pageSize: 2048, spareSize: 64 });
    expect(fal.layout.how).toBe('undecided');
    for (const name of SPARE_LAYOUT_NAMES) expect(fal.layout.evidence).toContain(name);
    expect(fal.counts.mapped).toBe(0);
  });

  test('a geometry that cannot be a NAND is refused before any read', () => {
    expect(() => openFal(bytesSource(new Uint8Array(1024)), { pageSize: 500, spareSize: 16 })).toThrow(RangeError);
    expect(() => openFal(bytesSource(new Uint8Array(1024)), { pageSize: 512, spareSize: 4 })).toThrow(RangeError);
    expect(() => openFal(bytesSource(new Uint8Array(1024)), { pageSize: 512, spareSize: 16, layout: 'ti-bch8' })).toThrow(/spare/);
  });
});

describe('damaged NAND images: findings, never a crash', () => {
  const base = (): NandImage => layVolumeOnNand([{ label: 'flashed', bytes: fixture() }], { layout: 'samsung-lb', seed: 21 });

  test('random flips in spare areas', () => {
    const image = base();
    const physical = image.pageSize + image.spareSize;
    const random = prng(5);
    for (let round = 0; round < 12; round++) {
      const bytes = image.nand.image.slice();
      for (let n = 0; n < 40; n++) {
        const page = Math.floor(random() * image.nand.pages);
        const at = page * physical + image.pageSize + Math.floor(random() * 8);
        bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
      }
      const fal = openFal(bytesSource(bytes), { pageSize: 2048, spareSize: 64, pagesPerBlock: 64, layout: round % 2 === 0 ? 'auto' : 'samsung-lb' });
      expect(fal.logical.size).toBeLessThanOrEqual(image.nand.pages * image.pageSize);
      const report = examineMedia(fal.logical);
      for (const hive of hivesOf(report)) expect(hive.path.length).toBeGreaterThan(0);
    }
  });

  test('a cut image: the partial page and block are reported', () => {
    const image = base();
    const cut = image.nand.image.subarray(0, image.nand.image.length - 3000);
    const fal = open(image, cut);
    expect(fal.findings.filter((f) => f.code === 'IMAGE_CUT').length).toBe(2);
    expect(fal.geometry.trailingBytes).toBe(image.pageSize + image.spareSize - (3000 % (image.pageSize + image.spareSize)));
  });

  test('a logical sector past the chip is reported, never allocated for', () => {
    const { bytes, pageSize, spareSize } = handImage('ms16');
    bytes.set([0xff, 0xff, 0xff, 0x7f], 3 * (pageSize + spareSize) + pageSize);
    const fal = openFal(bytesSource(bytes), { pageSize, spareSize, pagesPerBlock: 4, layout: 'ms16' });
    expect(fal.findings.map((f) => f.code)).toContain('FAL_SECTOR_OUT_OF_RANGE');
    expect(fal.logical.size).toBe(4 * pageSize);
  });

  test('a FAT loop in the rebuilt volume is the FAT layer’s finding', () => {
    const volume = fixture();
    const first = examineMedia(bytesSource(volume)).volumes[0]!.hives.find((h) => !h.deleted)!;
    setFixtureFat12Entry(volume, first.firstCluster, first.firstCluster);
    const image = layVolumeOnNand([{ label: 'flashed', bytes: volume }], { layout: 'ms16', seed: 2 });
    const report = examineMedia(open(image).logical);
    expect(report.findings.map((f) => f.code)).toContain('FAT_LOOP');
  });
});

const describeNand = corpusAvailable ? describeFatTools(describe) : describe.skip;

describeNand('generated NAND images of FAT volumes made with mkfs.fat and mtools, holding the corpus hives', () => {
  let dir: string;
  const images = new Map<string, FatNandImage>();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hivetool-fal-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // FAT12 volumes keep npm test quick; test:long adds a FAT16 and a FAT32 one.
  const cases: [SpareLayoutName, 12 | 16 | 32][] = [
    ['ms16', 12],
    ['samsung-sb', 12],
    ['samsung-lb', 12],
    ['ti-bch8', 12],
  ];
  if (process.env['HIVETOOL_LONG'] === '1') cases.push(['samsung-sb', 16], ['ti-bch8', 32]);
  for (const [layout, bits] of cases) {
    test(`${layout}, FAT${bits}: every live hive byte-identical (fragmented, rewritten), the stale copies and the earlier states all there`, () => {
      const image = makeFatNandImage(join(dir, `fat${bits}-${layout}`), bits, layout, bits + layout.length);
      images.set(layout, image);
      expect([image.pageSize, image.spareSize]).toEqual([PRESET_GEOMETRY[layout].pageSize, PRESET_GEOMETRY[layout].spareSize]);
      const fal = openFal(bytesSource(new Uint8Array(readFileSync(image.path))), { pageSize: image.pageSize, spareSize: image.spareSize });
      expectTruth(image, fal);
      const report = examineMedia(fal.logical);
      const found = hivesOf(report);
      for (const placed of image.fat.files.filter((file) => !file.deleted)) {
        expect(found.filter((hive) => hive.path === placed.path && !hive.deleted).map((hive) => [hive.status, hive.sha256])).toEqual([['hive', placed.sha256]]);
      }
      // Freed sectors are unmapped (marked dirty): a deleted file's data survives only in stale pages.
      for (const placed of image.fat.files.filter((file) => file.deleted)) {
        expect(found.filter((hive) => hive.path === placed.path && hive.deleted).map((hive) => hive.sha256)).not.toContain(placed.sha256);
      }
      // Every earlier state's pages are still on the chip: mapped now or kept as stale copies.
      const kept = new Set([...fal.stale].map((copy) => copy.physicalPage));
      for (let s = 0; s < image.nand.map.length; s++) if (image.nand.map[s]! >= 0) kept.add(image.nand.map[s]!);
      expect(image.nand.states.map((state) => state.label)).toEqual(['formatted', 'device.hv copied', 'filled', 'every other filler deleted', 'boot (old copy).hv copied', 'system.hv copied', 'user.hv copied', 'system.hv overwritten', 'two hives deleted']);
      const lost = image.nand.states.flatMap((state) => [...state.map].filter((page) => page >= 0 && !kept.has(page)));
      expect(lost).toEqual([]);
      expectEarlierStatesFound(image, fal, report, kept, bits !== 32);
    });
  }

  test('the preset names all have a generated image, and every detection was right', () => {
    expect([...images.keys()].sort()).toEqual([...SPARE_LAYOUT_NAMES].sort());
    expect(Object.keys(SPARE_LAYOUTS).sort()).toEqual([...SPARE_LAYOUT_NAMES].sort());
  });
});
