import { describe, expect, test } from '@jest/globals';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { Ajv } from 'ajv';
import { HIVETOOL_BIN, REPO_ROOT, addSpareAreas, buildImage, corpusAvailable, corpusBytes, describeFatTools, headerFlood, makeFatImage, makePartitionedImage, fixtureNand, runs, setFixtureFat12Entry, corpusPath as corpusPathOf, describeCorpus, fillRandom, ramCapture, runCli, sha256Hex, type GeneratedImage } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-carve-');
const describeWithCorpus = describeCorpus(describe);

const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/carve.schema.json'), 'utf8')) as object);

interface CarveFile {
  volume: number;
  partition: number | null;
  path: string;
  deleted: boolean;
  fats: number[];
  size: number;
  runs: Array<{ offset: number; length: number }>;
  sha256: string;
}

interface CarveReport {
  format: string;
  images: Array<{
    image: string;
    layers: { volumes: Array<{ index: number; type: string; hiveFiles: number }>; findings: Array<{ code: string }> } | null;
    found: Array<{ offset: number; length: number; status: string; kind: string; keys: number; values: number; verify: { errors: number; warnings: number } | null; output: string | null; physicalOffset?: number; foundAs: string; file: CarveFile | null }>;
  }>;
}

/** carve --json; the document is checked against docs/schemas/carve.schema.json. */
function carve(image: string, outDir: string, extra: string[] = []): { report: CarveReport; status: number | null; stderr: string } {
  const result = runCli(['carve', image, '-o', outDir, '--json', ...extra]);
  const report = JSON.parse(result.stdout) as CarveReport;
  expect([validate(report), validate.errors]).toEqual([true, null]);
  return { report, status: result.status, stderr: result.stderr };
}

/** What carve wrote: file name → sha256. */
function written(outDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(outDir).sort()) files[name] = sha256Hex(readFileSync(join(outDir, name)));
  return files;
}

function expected(imageName: string, image: GeneratedImage): Record<string, string> {
  const files: Record<string, string> = {};
  for (const hive of image.hives) files[`${imageName}@0x${hive.offset.toString(16)}.hv`] = hive.sha256;
  return files;
}

function corpusHives(): Array<{ name: string; bytes: Uint8Array }> {
  // A persistent hive too: user.hv's tree written with the persistent layout (nibble 0).
  const persistent = encodeHive(readTree(openHive(corpusBytes('user.hv'))), { layout: 'persistent' });
  return [
    { name: 'user.hv', bytes: corpusBytes('user.hv') },
    { name: 'persistent-user.hv', bytes: persistent },
    { name: 'boot.hv', bytes: corpusBytes('boot.hv') },
    { name: 'default.hv', bytes: corpusBytes('default.hv') },
  ];
}

describeWithCorpus('carve finds exactly the hives placed in raw images', () => {
  test('random bytes, random aligned offsets, an object store header, the last hive cut by the end', () => {
    const image = buildImage({ seed: 11, hives: corpusHives(), layout: 'scattered', fill: 'random', objectStore: true, truncateLast: true });
    const path = join(scratch.path, 'flash.bin');
    writeFileSync(path, image.bytes);
    const outDir = join(scratch.path, 'out-scattered');
    const { report, status } = carve(path, outDir);
    expect(status).toBe(1); // one hive is truncated
    expect(written(outDir)).toEqual(expected('flash.bin', image));
    const found = report.images[0]!.found;
    expect(found.map((entry) => [entry.offset, entry.status, entry.kind])).toEqual([
      [image.objectStores[0], 'object-store', 'object-store'],
      [image.hives[0]!.offset, 'hive', 'rom'],
      [image.hives[1]!.offset, 'hive', 'persistent'],
      [image.hives[2]!.offset, 'hive', 'rom'],
      [image.hives[3]!.offset, 'truncated', 'rom'],
    ]);
    expect(found[1]).toMatchObject({ keys: 37, values: 55, verify: { errors: 0, warnings: 0 } });
    expect(found[3]).toMatchObject({ keys: 105, values: 364, verify: { errors: 0, warnings: 0 } });
    expect(image.hives[3]!.truncated).toBe(true);

    // The cut hive is still dumped as far as it goes: the keys before the cut, then a note.
    const cut = join(outDir, `flash.bin@0x${image.hives[3]!.offset.toString(16)}.hv`);
    const partial = runCli(['dump', cut]);
    const whole = runCli(['dump', corpusPathOf('default.hv')]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain(`hivetool: ${cut}: the file ends after ${image.hives[3]!.length} of the 266240 bytes its header gives`);
    const lines = partial.stdout.split('\n');
    const note = lines.findIndex((line) => line.startsWith(`; hivetool: the dump of ${cut} stops here:`));
    expect(note).toBeGreaterThan(100);
    // Apart from the file name in the header comment, what is shown is the whole hive's dump.
    expect(lines.slice(3, note)).toEqual(whole.stdout.split('\n').slice(3, note));
  });

  test('back to back in zero bytes; text report names offset, kind, signature, counts and verification', () => {
    const image = buildImage({ seed: 12, hives: corpusHives(), layout: 'back-to-back', fill: 'zero', tail: 4096 });
    const path = join(scratch.path, 'disk.img');
    writeFileSync(path, image.bytes);
    const outDir = join(scratch.path, 'out-back');
    const result = runCli(['carve', path, '-o', outDir]);
    expect(result.status).toBe(0);
    expect(written(outDir)).toEqual(expected('disk.img', image));
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      `${path}@0x${image.hives[3]!.offset.toString(16)}: hive, 266240 bytes, rom, signature 6e950daec1672852a98cf772c09550c9, 4 sections, 955 keys, 2703 values, verifies clean → ${join(outDir, `disk.img@0x${image.hives[3]!.offset.toString(16)}.hv`)}`,
    );
  });

  test.each([
    [2048, 64],
    [4096, 128],
  ])('a NAND dump with %i+%i spare areas', (pageSize, spareSize) => {
    const image = buildImage({ seed: 13 + pageSize, hives: corpusHives(), layout: 'scattered', fill: 'random', maxGap: 64 * 1024 });
    const path = join(scratch.path, `nand-${pageSize}.bin`);
    writeFileSync(path, addSpareAreas(image.bytes, pageSize, spareSize, 5));
    const outDir = join(scratch.path, `out-nand-${pageSize}`);
    const { report, status } = carve(path, outDir, ['--page-size', String(pageSize), '--spare-size', String(spareSize)]);
    expect(status).toBe(0);
    expect(written(outDir)).toEqual(expected(`nand-${pageSize}.bin`, image));
    for (const entry of report.images[0]!.found) {
      expect(entry.physicalOffset).toBe(Math.floor(entry.offset / pageSize) * (pageSize + spareSize) + (entry.offset % pageSize));
    }
    // Without stripping, the spare bytes break every hive longer than a page.
    const raw = carve(path, join(scratch.path, `out-nand-raw-${pageSize}`));
    expect(raw.report.images[0]!.found.filter((entry) => entry.status === 'hive')).toEqual([]);
  });

  test('a RAM capture: the region at a physical address is a combined hive', () => {
    const hive = corpusBytes('default.hv');
    const capture = ramCapture(hive, { seed: 14, size: 2 * 1024 * 1024, base: 0x80000000, regionStart: 0x80140000, regionLength: 0x80000 });
    const path = join(scratch.path, 'ram.bin');
    writeFileSync(path, capture.bytes);
    const outDir = join(scratch.path, 'out-ram');
    const { report, status } = carve(path, outDir, ['--ram-region', capture.region]);
    expect(status).toBe(0);
    expect(report.images[0]!.found.map((entry) => [entry.offset, entry.status, entry.kind])).toEqual([[0x140000, 'hive', 'combined']]);
    expect(written(outDir)).toEqual({ 'ram.bin@0x140000.hv': sha256Hex(hive) });
    const outside = runCli(['carve', path, '-o', outDir, '--ram-region', '0x90000000:0x1000@0x80000000']);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toMatch(/^hivetool: .*ram\.bin: RAM region start, expected .*\[BAD_RAM_REGION\]\n$/);
  });

  test('a damaged candidate is reported with its reason and written only with --keep-damaged', () => {
    const image = buildImage({ seed: 15, hives: [{ name: 'boot.hv', bytes: corpusBytes('boot.hv') }], layout: 'scattered', fill: 'random' });
    const bytes = image.bytes;
    // Break one slot of section 0: it now points into the middle of a block.
    const slot = image.hives[0]!.offset + 0x5000 + 12 + 4 * 5;
    new DataView(bytes.buffer).setUint32(slot, new DataView(bytes.buffer).getUint32(slot, true) + 4, true);
    const path = join(scratch.path, 'damaged.bin');
    writeFileSync(path, bytes);
    const outDir = join(scratch.path, 'out-damaged');
    const { report, status } = carve(path, outDir);
    expect(status).toBe(1);
    expect(report.images[0]!.found).toMatchObject([{ status: 'damaged', output: null }]);
    expect(readdirSync(outDir)).toEqual([]);
    const kept = carve(path, outDir, ['--keep-damaged']);
    expect(kept.report.images[0]!.found[0]!.output).toMatch(/damaged\.bin@0x[0-9a-f]+\.damaged\.hv$/);
    expect(readdirSync(outDir)).toHaveLength(1);
  });
});

describe('carve: arguments', () => {
  test('two images of one file name, a page size without a spare size, a bad RAM region: usage errors', () => {
    const dir = join(scratch.path, 'args');
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'img.bin'), new Uint8Array(4096));
    writeFileSync(join(dir, 'b', 'img.bin'), new Uint8Array(4096));
    const same = runCli(['carve', join(dir, 'a', 'img.bin'), join(dir, 'b', 'img.bin'), '-o', join(dir, 'out')]);
    expect([same.status, same.stderr]).toEqual([2, `hivetool: ${join(dir, 'a', 'img.bin')} and ${join(dir, 'b', 'img.bin')} have the same file name, and the hives found are named after it: carve them into separate directories\n`]);
    expect(runCli(['carve', join(dir, 'a', 'img.bin'), '-o', join(dir, 'out'), '--page-size', '2048']).stderr).toBe('hivetool: --page-size and --spare-size go together (e.g. --page-size 2048 --spare-size 64)\n');
    expect(runCli(['carve', join(dir, 'a', 'img.bin'), '-o', join(dir, 'out'), '--ram-region', 'nonsense']).stderr).toMatch(/^hivetool: --ram-region "nonsense": RAM region, expected START:LENGTH\[@BASE\].*, found "nonsense"\n$/);
    const none = runCli(['carve', join(dir, 'a', 'img.bin'), '-o', join(dir, 'out')]);
    expect([none.status, none.stdout]).toEqual([0, `${join(dir, 'a', 'img.bin')}: no hive header found\n`]);
  });
});

describe('carve: a flood of crafted headers', () => {
  // A header candidate every 16 bytes: 1 MiB in npm test, 24 MiB with test:long.
  const size = runs(1, 24) * 1024 * 1024;
  interface FloodReport {
    images: Array<{ found: Array<{ status: string; output: string | null }>; maxCandidates: number; notReported: Record<string, number> }>;
  }
  test(`${size / 1024 ** 2} MiB: the first --max-candidates reported, the rest counted; nothing written; the report bounded`, () => {
    const flood = headerFlood(size, 21);
    const path = join(scratch.path, 'flood.bin');
    writeFileSync(path, flood.bytes);
    const outDir = join(scratch.path, 'out-flood');
    const result = runCli(['carve', path, '-o', outDir, '--json']);
    expect(result.status).toBe(1);
    const image = (JSON.parse(result.stdout) as FloodReport).images[0]!;
    // The default cap: 4096 candidates reported, every other one counted by what it is.
    expect(image.found).toHaveLength(4096);
    expect(image.maxCandidates).toBe(4096);
    expect(image.notReported['total']).toBe(flood.candidates - 4096);
    expect(image.notReported['hive']! + image.notReported['truncated']! + image.notReported['restore-record']!).toBe(0);
    // Those cut by the end before their heap's first block header claim a heap end of 0x400:
    // damaged, not "truncated" (the others have 0x400 there, no section table: object stores).
    expect(image.notReported['damaged']).toBe(Math.ceil((0x5000 + 12 - 48) / 16));
    expect(image.notReported['object-store']).toBe(flood.candidates - 4096 - image.notReported['damaged']!);
    // About 300 bytes per reported candidate, whatever the image holds (was 500 MB for 24 MiB).
    expect(result.stdout.length).toBeLessThan(4096 * 400);
    expect(readdirSync(outDir)).toEqual([]);

    // Every candidate reported (of 1 MiB, also with test:long): still none written (the
    // 1 536 at the end were written as truncated).
    const small = size === 1024 * 1024 ? { ...flood, path } : { ...headerFlood(1024 * 1024, 21), path: join(scratch.path, 'flood-1.bin') };
    if (small.path !== path) writeFileSync(small.path, small.bytes);
    const all = runCli(['carve', small.path, '-o', outDir, '--json', '--max-candidates', String(small.candidates)]);
    const every = (JSON.parse(all.stdout) as FloodReport).images[0]!;
    expect(every.found).toHaveLength(small.candidates);
    expect(every.notReported['total']).toBe(0);
    expect(every.found.filter((entry) => entry.status !== 'object-store' && entry.status !== 'damaged')).toEqual([]);
    expect(readdirSync(outDir)).toEqual([]);

    // Text: the lines reported, then one line for the rest.
    const text = runCli(['carve', path, '-o', outDir, '--max-candidates', '3']);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`${path}@0x0: object store header, not a hive (not written)`);
    expect(lines[3]).toBe(`${path}: ${flood.candidates - 3} more candidates past the first 3, not reported or written: ${image.notReported['damaged']} damaged, ${flood.candidates - 3 - image.notReported['damaged']!} object-store; raise --max-candidates to see them`);
    expect(runCli(['carve', path, '-o', outDir, '--max-candidates', '0']).stderr).toBe('hivetool: --max-candidates takes a whole number of at least 1\n');
  }, 300_000);
});

describe('carve: what is not an image or not a folder', () => {
  test('a FIFO is refused as not a regular file, without waiting for a writer', () => {
    const fifo = join(scratch.path, 'pipe.bin');
    spawnSync('mkfifo', [fifo]);
    // A child process: a run that blocks is then killed, and the test fails instead of hanging.
    const result = spawnSync(process.execPath, [HIVETOOL_BIN, 'carve', fifo, '-o', join(scratch.path, 'out-fifo')], { encoding: 'utf8', timeout: 30_000 });
    expect([result.status, result.stdout, result.stderr]).toEqual([2, '', `hivetool: ${fifo}: not a regular file\n`]);
  });

  test('-o naming a file: -o takes a folder, and the file is left as it is', () => {
    const image = join(scratch.path, 'small.bin');
    writeFileSync(image, new Uint8Array(4096));
    const file = join(scratch.path, 'a-file');
    writeFileSync(file, 'precious');
    const result = runCli(['carve', image, '-o', file]);
    expect([result.status, result.stdout, result.stderr]).toEqual([2, '', `hivetool: ${file}: is a file, not a folder: carve -o takes the folder the hives found are written into (created when missing)\n`]);
    expect(readFileSync(file, 'utf8')).toBe('precious');
  });
});

describe('carve: no false positives', () => {
  // 32 MiB: two of carve's 16 MiB scan windows of random bytes, then two of zeros; 1 GiB with test:long.
  const size = process.env['HIVETOOL_LONG'] === '1' ? 1024 ** 3 : 32 * 1024 ** 2;
  test(`in ${size / 1024 ** 2} MiB of random bytes and as much of zero bytes, read as they are and through the FAL`, () => {
    const path = join(scratch.path, 'noise.bin');
    const fd = openSync(path, 'w');
    const chunk = new Uint8Array(16 * 1024 * 1024);
    for (let at = 0; at < size; at += chunk.length) {
      fillRandom(chunk, 1000 + at / chunk.length);
      writeSync(fd, chunk, 0, chunk.length, at);
    }
    ftruncateSync(fd, 2 * size); // the second half: a hole that reads as zeros
    closeSync(fd);
    const outDir = join(scratch.path, 'out-noise');
    const { report, status } = carve(path, outDir);
    expect(status).toBe(0);
    expect(report.images[0]!.found).toEqual([]);
    expect(readdirSync(outDir)).toEqual([]);
    // The same bytes taken for a NAND dump behind the flash translation layer (512+16
    // pages, Microsoft's layout named, since noise decides none): whatever random spare
    // bytes map, no hive is made of it.
    const fal = carve(path, outDir, ['--fal', '--page-size', '512', '--spare-size', '16', '--spare-layout', 'ms16']);
    expect(fal.status).toBe(0);
    expect(fal.report.images[0]!.found).toEqual([]);
    expect(readdirSync(outDir)).toEqual([]);
    // 1 GiB (HIVETOOL_LONG=1) takes a few minutes on a busy machine, mostly making the random bytes.
  }, size > 64 * 1024 ** 2 ? 900_000 : 120_000);
});

describe('carve reads the storage layers (partitions, FAT volumes, files)', () => {
  const FIXTURE = join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img');
  const SMALL = join(REPO_ROOT, 'packages/media/test/fixtures/small.hv');

  test('the checked-in FAT12 fixture: the fragmented hive is carved whole as a file, reported once; the plain signature carve cuts it', () => {
    const outDir = join(scratch.path, 'out-layers-fixture');
    const { report, status } = carve(FIXTURE, outDir);
    expect(status).toBe(0);
    const image = report.images[0]!;
    expect(image.layers!.volumes.map((v) => [v.index, v.type, v.hiveFiles])).toEqual([[1, 'FAT12', 2]]);
    const small = sha256Hex(readFileSync(SMALL));
    // Two files, and no signature entry: both headers are the files' first bytes.
    expect(image.found.map((entry) => [entry.foundAs, entry.file?.path, entry.file?.deleted, entry.status, entry.file?.runs.length, entry.file?.sha256])).toEqual([
      ['file', '\\Documents and Settings\\system (previous).hv', true, 'recovered', 1, small],
      ['file', '\\Documents and Settings\\system.hv', false, 'hive', 31, small],
    ]);
    const live = image.found[1]!;
    expect(live.offset).toBe(live.file!.runs[0]!.offset);
    expect(written(outDir)).toEqual({
      'fat12-fragmented.img@v1-Documents_and_Settings_system.hv': small,
      'fat12-fragmented.img@v1-Documents_and_Settings_system_previous_.deleted.hv': small,
    });

    // Signature carving alone finds the fragmented hive's header and reads on into the
    // clusters after it: damaged, not written; only the contiguous (deleted) copy survives.
    const rawDir = join(scratch.path, 'out-layers-fixture-raw');
    const raw = carve(FIXTURE, rawDir, ['--no-layers']);
    expect(raw.status).toBe(1);
    expect(raw.report.images[0]!.layers).toBeNull();
    expect(raw.report.images[0]!.found.map((entry) => [entry.foundAs, entry.offset, entry.status, entry.output === null])).toEqual([
      ['signature', image.found[0]!.offset, 'hive', false],
      ['signature', live.offset, 'damaged', true],
    ]);
    expect(Object.values(written(rawDir))).toEqual([small]);

    // The text report names the file, its runs and its SHA-256.
    const text = runCli(['carve', FIXTURE, '-o', outDir]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`${FIXTURE}: volume 1 (at 0x0): FAT12, type string "FAT12", label "FIXTURE", 2 hive files`);
    expect(text.stdout).toContain(`${FIXTURE}@${'0x' + live.offset.toString(16)}: file \\Documents and Settings\\system.hv on volume 1: hive, 28672 bytes, rom, signature `);
    expect(text.stdout).toContain(`31 runs (fragmented), sha256 ${small} → ${join(outDir, 'fat12-fragmented.img@v1-Documents_and_Settings_system.hv')}\n`);
  });

  test('a FAT loop in the hive\'s chain: a layer finding, the file cut short (exit 1), its header not reported twice', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const first = carve(FIXTURE, join(scratch.path, 'out-loop-probe')).report.images[0]!.found[1]!.offset;
    // The live hive's first cluster, from media's report, made to point at itself.
    const listing = JSON.parse(runCli(['media', FIXTURE, '--json']).stdout) as { volumes: Array<{ hives: Array<{ deleted: boolean; firstCluster: number }> }> };
    const cluster = listing.volumes[0]!.hives.find((hive) => !hive.deleted)!.firstCluster;
    setFixtureFat12Entry(bytes, cluster, cluster);
    const path = join(scratch.path, 'loop.img');
    writeFileSync(path, bytes);
    const { report, status } = carve(path, join(scratch.path, 'out-loop'));
    expect(status).toBe(1);
    const image = report.images[0]!;
    expect(image.layers!.findings.map((f) => f.code)).toContain('FAT_LOOP');
    const entries = image.found.filter((entry) => entry.offset === first);
    expect(entries.map((entry) => [entry.foundAs, entry.status])).toEqual([['file', 'truncated']]);
  });
});

const describeGenerated = corpusAvailable ? describeFatTools(describe) : (name: string, fn: () => void) => describe.skip(`${name} (SKIPPED: corpus not found)`, fn);

describeGenerated('carve on FAT images made with mkfs.fat and mtools', () => {
  test.each([12, 16, 32] as const)('FAT%i: every hive placed comes back as its file (fragmented ones whole, deleted ones as such); signature carving alone cuts them', (bits) => {
    const dir = join(scratch.path, `fat${bits}`);
    mkdirSync(dir, { recursive: true });
    const volume = makeFatImage(dir, bits);
    // FAT16 behind an MBR, with a ROM hive before the partition (found by signature only).
    const path = bits === 16 ? join(dir, 'disk.img') : volume.path;
    if (bits === 16) writeFileSync(path, makePartitionedImage(new Uint8Array(readFileSync(volume.path)), 0x06, corpusBytes('default.hv')));
    const outDir = join(dir, 'out');
    const { report, status } = carve(path, outDir);
    // The deleted fragmented boot.hv is partial: exit 1.
    expect(status).toBe(1);
    const image = report.images[0]!;
    const files = image.found.filter((entry) => entry.foundAs === 'file');
    const byPath = new Map(files.map((entry) => [entry.file!.path, entry]));
    expect([...byPath.keys()].sort()).toEqual(volume.files.map((file) => file.path).sort());
    for (const placed of volume.files) {
      const entry = byPath.get(placed.path)!;
      expect(entry.file!.deleted).toBe(placed.deleted);
      if (placed.deleted && placed.fragmented) {
        expect([entry.status, entry.output]).toEqual(['partial', null]);
        continue;
      }
      expect(entry.status).toBe(placed.deleted ? 'recovered' : 'hive');
      if (placed.fragmented) expect(entry.file!.runs.length).toBeGreaterThan(1);
      expect(entry.file!.sha256).toBe(placed.sha256);
      expect(sha256Hex(readFileSync(entry.output!))).toBe(placed.sha256);
    }
    // Reported once: no signature entry at a file's first byte; nothing else but the ROM hive before the partition.
    const starts = new Set(files.map((entry) => entry.offset));
    const signature = image.found.filter((entry) => entry.foundAs === 'signature');
    expect(signature.filter((entry) => starts.has(entry.offset))).toEqual([]);
    expect(signature.filter((entry) => entry.status === 'hive').map((entry) => entry.offset)).toEqual(bits === 16 ? [0x10000] : []);
    if (bits === 16) expect(image.layers!.volumes.map((v) => [v.index, v.type])).toEqual([[1, 'FAT16']]);

    // Signature carving alone: the fragmented live hives' headers are found, but what
    // follows them is not theirs, so neither comes back as placed.
    const raw = carve(path, join(dir, 'out-raw'), ['--no-layers']).report.images[0]!;
    for (const placed of volume.files.filter((file) => file.fragmented && !file.deleted)) {
      const at = byPath.get(placed.path)!.offset;
      const entry = raw.found.find((candidate) => candidate.offset === at)!;
      expect(entry.status).not.toBe('hive');
      if (entry.output !== null) expect(sha256Hex(readFileSync(entry.output))).not.toBe(placed.sha256);
    }
  }, 120_000);
});

describe('carve --fal: a NAND dump behind the flash translation layer', () => {
  test.each(['ms16', 'samsung-sb'] as const)('%s: the live hive comes back whole as a file, its earlier state from stale pages; diff compares them', (layout) => {
    const nand = fixtureNand(layout);
    const hives = nand.hives;
    const path = join(scratch.path, `nand-${layout}.bin`);
    writeFileSync(path, nand.nand.image);
    const outDir = join(scratch.path, `out-fal-${layout}`);
    const { report, status } = carve(path, outDir, ['--fal', '--page-size', '512', '--spare-size', '16']);
    expect(status).toBe(0);
    const image = report.images[0]!;
    expect((image as unknown as { fal: { layout: { name: string; how: string } } }).fal.layout).toMatchObject({ name: layout, how: 'detected' });
    const live = image.found.find((entry) => entry.file?.path === '\\Documents and Settings\\system.hv' && !entry.file.deleted)!;
    expect([live.status, live.file!.sha256]).toEqual(['hive', sha256Hex(hives[1]!)]);
    expect(sha256Hex(readFileSync(live.output!))).toBe(sha256Hex(hives[1]!));
    const versions = (live.file as unknown as { versions: Array<{ sha256: string; proven: boolean; output: string; pages: Array<{ stale: boolean }> }> }).versions;
    // The state the volume was in before is among the versions; nothing proven that was not written.
    expect(versions.map((version) => version.sha256)).toContain(sha256Hex(hives[0]!));
    for (const version of versions.filter((v) => v.proven)) expect(version.sha256).toBe(sha256Hex(hives[0]!));
    const earlier = versions.find((version) => version.sha256 === sha256Hex(hives[0]!))!;
    expect(earlier.pages.some((page) => page.stale)).toBe(true);
    expect(sha256Hex(readFileSync(earlier.output))).toBe(earlier.sha256);
    // diff reads the two written states and names the value that changed.
    const diff = runCli(['diff', earlier.output, live.output!]);
    expect(diff.status).toBe(1);
    expect(diff.stdout).toMatch(/Version/);
  }, 120_000);

  test('an undecidable layout, a layout option without --fal, --fal without a geometry: clear errors', () => {
    const noise = join(scratch.path, 'fal-noise.bin');
    const bytes = new Uint8Array(64 * 528);
    fillRandom(bytes, 77);
    writeFileSync(noise, bytes);
    const outDir = join(scratch.path, 'out-fal-errors');
    const undecided = runCli(['carve', '--fal', '--page-size', '512', '--spare-size', '16', noise, '-o', outDir]);
    expect(undecided.status).toBe(2);
    expect(undecided.stderr).toMatch(/fal-noise\.bin: the spare layout cannot be decided: .*; name it with --spare-layout/);
    expect(runCli(['carve', '--spare-layout', 'ms16', noise, '-o', outDir]).stderr).toMatch(/^hivetool: --pages-per-block and --spare-layout describe a NAND dump read through the flash translation layer: add --fal/);
    expect(runCli(['carve', '--fal', noise, '-o', outDir]).stderr).toMatch(/^hivetool: --fal needs the NAND geometry: --page-size and --spare-size/);
    expect(runCli(['carve', '--fal', '--page-size', '512', '--spare-size', '16', '--spare-layout', 'sector=99', noise, '-o', outDir]).stderr).toMatch(/^hivetool: --spare-layout "sector=99": /);
  });
});
