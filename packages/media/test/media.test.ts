import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FindingList, bytesSource, examineMedia, openFatVolume, walkDirectories, type HiveFile, type MediaReport } from '@hivetool/media';
import { CORPUS_SIGNATURE, corpusAvailable, corpusBytes, describeFatTools, fatToolsAvailable, makeFatImage, makePartitionedImage, makeTfat, prng, runs, setFixtureFat12Entry, sha256, type FatBits, type FatImage } from '@hivetool/test-support';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const fixture = (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'fat12-fragmented.img')));
const smallHive = (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'small.hv')));

function hive(report: MediaReport, path: string, deleted = false): HiveFile {
  const found = report.volumes.flatMap((volume) => volume.hives).filter((h) => h.path === path && h.deleted === deleted);
  expect(found.map((h) => h.path)).toEqual([path]);
  return found[0]!;
}

describe('the checked-in FAT12 fixture (made with mkfs.fat and mtools)', () => {
  test('a fragmented live hive comes back whole through its cluster chain, byte for byte', () => {
    const report = examineMedia(bytesSource(fixture()));
    expect(report.partitions).toBeNull();
    expect(report.volumes.map((v) => [v.type, v.label, v.tfat, v.fatsDiffer])).toEqual([['FAT12', 'FIXTURE', null, false]]);
    const live = hive(report, '\\Documents and Settings\\system.hv');
    expect(live.runs.length).toBeGreaterThan(10);
    expect(live.status).toBe('hive');
    expect(live.foundBy).toBe('name and content');
    expect(sha256(live.bytes)).toBe(sha256(smallHive()));
    expect(report.findings).toEqual([]);
  });

  test('a deleted contiguous hive is recovered byte for byte, its long name read back', () => {
    const report = examineMedia(bytesSource(fixture()));
    const deleted = hive(report, '\\Documents and Settings\\system (previous).hv', true);
    expect(deleted.status).toBe('recovered');
    expect(deleted.runs).toHaveLength(1);
    expect(sha256(deleted.bytes)).toBe(sha256(smallHive()));
    // Only the two hive files: none of the deleted small files is taken for one.
    expect(report.volumes[0]!.hives).toHaveLength(2);
  });

  test('a FAT loop in the hive chain is a finding, and the file is not whole', () => {
    const image = fixture();
    const first = examineMedia(bytesSource(image)).volumes[0]!.hives.find((h) => !h.deleted)!;
    // The first cluster's entry points back at the first cluster.
    setFixtureFat12Entry(image, first.firstCluster, first.firstCluster);
    const report = examineMedia(bytesSource(image));
    expect(report.findings.map((f) => f.code)).toContain('FAT_LOOP');
    const broken = hive(report, '\\Documents and Settings\\system.hv');
    expect(broken.status).not.toBe('hive');
    expect(broken.reason).toMatch(/loops back/);
  });

  test('a chain pointing past the volume is a finding', () => {
    const image = fixture();
    const first = examineMedia(bytesSource(image)).volumes[0]!.hives.find((h) => !h.deleted)!;
    setFixtureFat12Entry(image, first.firstCluster, 0xfe0);
    const report = examineMedia(bytesSource(image));
    expect(report.findings.map((f) => f.code)).toContain('CHAIN_PAST_VOLUME');
    expect(hive(report, '\\Documents and Settings\\system.hv').reason).toMatch(/past the volume/);
  });

  test('a cut image: the volume says so, and the hive it cuts is not whole', () => {
    const image = fixture();
    const report = examineMedia(bytesSource(image.subarray(0, 60 * 1024)));
    expect(report.findings.map((f) => f.code)).toContain('IMAGE_CUT');
    const cut = hive(report, '\\Documents and Settings\\system.hv');
    expect(cut.status).not.toBe('hive');
    expect(cut.bytes.length).toBeLessThan(smallHive().length);
  });

  test('a boot sector that leaves no data area is a finding, not a volume', () => {
    const image = fixture();
    image[0x13] = 4; // 4 sectors in all
    image[0x14] = 0;
    const report = examineMedia(bytesSource(image));
    expect(report.volumes).toEqual([]);
    expect(report.findings.map((f) => f.code)).toEqual(['BOOT_SECTOR_BAD']);
  });

  test('a folder linked into itself is walked once', () => {
    const image = fixture();
    // The root's second folder (`\fill`) given the first cluster of its first
    // (`\Documents and Settings`): the same folder reached twice.
    const root = 512 + 2 * 512;
    const folders: number[] = [];
    for (let at = root; at < root + 512; at += 32) if (image[at + 11] === 0x10 && image[at] !== 0xe5) folders.push(at);
    expect(folders).toHaveLength(2);
    image[folders[1]! + 26] = image[folders[0]! + 26]!;
    image[folders[1]! + 27] = image[folders[0]! + 27]!;
    const report = examineMedia(bytesSource(image));
    expect(report.findings.map((f) => f.code)).toEqual(['DIRECTORY_LOOP']);
    expect(report.volumes[0]!.hives.filter((h) => !h.deleted).map((h) => h.path)).toEqual(['\\Documents and Settings\\system.hv']);
  });

  test('a thousand deleted entries at one hive are read once; a size of 1 GiB allocates only what the chain holds', () => {
    const image = fixture();
    const volume = openFatVolume(bytesSource(image), new FindingList())!;
    const previous = examineMedia(bytesSource(image)).volumes[0]!.hives.find((h) => h.deleted)!;
    const deletedFills: number[] = [];
    walkDirectories(volume, 0, new FindingList(), (entry) => {
      if (entry.deleted && entry.path.startsWith('\\fill\\')) deletedFills.push(entry.entryOffset);
    });
    expect(deletedFills.length).toBe(30);
    const view = new DataView(image.buffer);
    for (const at of deletedFills) {
      view.setUint16(at + 26, previous.firstCluster, true);
      view.setUint32(at + 28, previous.size, true);
    }
    const live = examineMedia(bytesSource(image)).volumes[0]!.hives.find((h) => !h.deleted)!;
    view.setUint32(live.entryOffset + 28, 0x3ffff000, true);
    const report = examineMedia(bytesSource(image));
    expect(report.volumes[0]!.hives.map((h) => [h.path, h.status, h.bytes.length])).toEqual([
      ['\\Documents and Settings\\system (previous).hv', 'recovered', 28672],
      ['\\Documents and Settings\\system.hv', 'hive', 28672],
    ]);
    expect(report.findings.map((f) => f.code)).toEqual(['CHAIN_SHORT']);
  });

  test('random damage anywhere in the image never makes it throw, and the hives reported stay bounded', () => {
    const base = fixture();
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.nat(255) }), { minLength: 1, maxLength: 64 }), fc.nat(base.length), (edits, cut) => {
        const image = base.slice(0, Math.max(cut, 1));
        for (const edit of edits) if (edit.at < image.length) image[edit.at] = edit.value;
        const report = examineMedia(bytesSource(image));
        expect(report.volumes.length).toBeLessThanOrEqual(1);
        for (const volume of report.volumes) for (const found of volume.hives) expect(found.bytes.length).toBeLessThanOrEqual(found.size);
      }),
      { numRuns: runs(200), seed: 24 },
    );
  });
});

test('32 MiB of random noise: no partition, no volume, no hive', () => {
  const random = prng(0x24);
  const noise = new Uint8Array(32 * 1024 * 1024);
  const words = new Uint32Array(noise.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(random() * 0x100000000);
  const report = examineMedia(bytesSource(noise));
  expect([report.partitions, report.volumes, report.romHives, report.pairs]).toEqual([null, [], [], []]);
});

const describeGenerated = corpusAvailable ? describeFatTools(describe) : (name: string, fn: () => void) => describe.skip(`${name} (SKIPPED: corpus not found)`, fn);

describeGenerated('FAT images made by mkfs.fat and mtools with the corpus hives', () => {
  let dir = '';
  const images = new Map<FatBits, FatImage>();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hivetool-media-'));
    if (fatToolsAvailable && corpusAvailable) for (const bits of [12, 16, 32] as const) images.set(bits, makeFatImage(join(dir), bits));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([12, 16, 32] as const)('FAT%i: every hive placed is found, byte for byte where it can be, and nothing else', (bits) => {
    const image = images.get(bits)!;
    const report = examineMedia(bytesSource(new Uint8Array(readFileSync(image.path))));
    expect(report.volumes.map((v) => v.type)).toEqual([`FAT${bits}`]);
    const found = report.volumes[0]!.hives;
    expect(found.map((h) => `${h.deleted ? 'deleted ' : ''}${h.path}`).sort()).toEqual(image.files.map((f) => `${f.deleted ? 'deleted ' : ''}${f.path}`).sort());
    for (const placed of image.files) {
      const file = hive(report, placed.path, placed.deleted);
      if (!placed.deleted) {
        expect([placed.path, file.status, sha256(file.bytes)]).toEqual([placed.path, 'hive', placed.sha256]);
        if (placed.fragmented) expect(file.runs.length).toBeGreaterThan(1);
      } else if (!placed.fragmented) expect([placed.path, file.status, sha256(file.bytes)]).toEqual([placed.path, 'recovered', placed.sha256]);
      else expect([placed.path, file.status]).toEqual([placed.path, 'partial']);
    }
    // The persistent system.hv links into default.hv of the ROM whose user.hv is on the
    // volume: same signature, but its links do not resolve in user.hv.
    const system = found.findIndex((h) => h.path === '\\Documents and Settings\\system.hv');
    expect(found[system]!.romSignature).toBe(CORPUS_SIGNATURE);
    expect(report.pairs).toEqual([{ volume: 1, hive: system, roms: [], rejected: [{ where: 'file', volume: 1, path: '\\Documents and Settings\\default\\user.hv' }] }]);
    expect(report.findings).toEqual([]);
  });

  const tfatCases: [FatBits, 'pending' | 'fat-count-zero', string, boolean][] = [
    [16, 'pending', 'pending', false],
    [16, 'fat-count-zero', 'in-progress', true],
    [12, 'pending', 'raw', false],
    [32, 'pending', 'raw', false],
  ];
  test.each(tfatCases)('TFAT on FAT%i, %s: the transaction is reported and both states are read', (bits, state, status, countZero) => {
    const image = images.get(bits)!;
    const bytes = new Uint8Array(readFileSync(image.path));
    const path = '\\Documents and Settings\\system.hv';
    const before = hive(examineMedia(bytesSource(bytes)), path);
    const uncommitted = makeTfat(bytes, state, before.firstCluster, before.size)!;
    const report = examineMedia(bytesSource(bytes));
    const volume = report.volumes[0]!;
    expect(volume.typeString).toBe('TFAT');
    expect(volume.tfat).toMatchObject({ status, fatCountZero: countZero });
    expect(volume.fatsDiffer).toBe(true);
    if (bits === 16) expect(volume.tfat!.open).toBe(true);
    expect(report.findings.map((f) => f.code)).toEqual(countZero ? ['FAT_COUNT_ZERO', 'FATS_DIFFER'] : ['FATS_DIFFER']);
    const states = volume.hives.filter((h) => h.path === path);
    expect(states.map((h) => [h.fats, sha256(h.bytes)])).toEqual([
      [[0], image.files.find((f) => f.path === path)!.sha256],
      [[1], sha256(uncommitted)],
    ]);
    // Files the transaction did not touch are read once, through both FATs.
    expect(volume.hives.find((h) => h.path === '\\Documents and Settings\\default\\user.hv')!.fats).toEqual([0, 1]);
  });

  test('TFAT with no transaction open: one state', () => {
    const bytes = new Uint8Array(readFileSync(images.get(16)!.path));
    makeTfat(bytes, 'committed', 0, 0);
    const volume = examineMedia(bytesSource(bytes)).volumes[0]!;
    expect(volume.tfat).toEqual({ fatCountZero: false, statusRaw: 0xffff, status: 'raw', open: false });
    expect(volume.hives.every((h) => h.fats.length === 1)).toBe(true);
  });

  test('an MBR-partitioned disk: the partition, its volume, and the ROM hive found by signature paired with system.hv', () => {
    const volumeBytes = new Uint8Array(readFileSync(images.get(16)!.path));
    const disk = makePartitionedImage(volumeBytes, 0x06, corpusBytes('default.hv'));
    const report = examineMedia(bytesSource(disk));
    expect(report.partitions!.map((p) => [p.index, p.type, p.typeName, p.offset, p.length, p.cut])).toEqual([[1, 6, 'FAT16', 2048 * 512, volumeBytes.length, false]]);
    expect(report.volumes.map((v) => [v.partition, v.offset, v.type])).toEqual([[1, 2048 * 512, 'FAT16']]);
    expect(report.romHives.map((r) => [r.offset, r.romSignature, sha256(r.bytes)])).toEqual([[65536, CORPUS_SIGNATURE, sha256(corpusBytes('default.hv'))]]);
    const system = report.volumes[0]!.hives.findIndex((h) => h.path === '\\Documents and Settings\\system.hv');
    expect(report.pairs.filter((p) => p.hive === system)).toEqual([
      { volume: 1, hive: system, roms: [{ where: 'image', offset: 65536 }], rejected: [{ where: 'file', volume: 1, path: '\\Documents and Settings\\default\\user.hv' }] },
    ]);
    // Cut inside the partition: the partition table's claim is reported, the volume still read.
    const cut = examineMedia(bytesSource(disk.subarray(0, disk.length - 1024 * 1024)));
    expect(cut.findings.filter((f) => f.code === 'IMAGE_CUT').map((f) => f.layer)).toEqual(['image']);
    expect(cut.volumes.map((v) => v.type)).toEqual(['FAT16']);
  });
});
