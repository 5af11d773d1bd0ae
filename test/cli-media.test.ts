import { describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { REPO_ROOT, corpusAvailable, corpusBytes, describeFatTools, fixtureNand, layVolumeOnNand, makeFatImage, makeFatNandImage, makePartitionedImage, prng, runCli, setFixtureFat12Entry, sha256 } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-media-cli-');
const FIXTURE = join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img');
const SMALL = join(REPO_ROOT, 'packages/media/test/fixtures/small.hv');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/media.schema.json'), 'utf8')) as object);

interface MediaJson {
  fal: { layout: { name: string; how: string; evidence: string }; counts: { mapped: number; stale: number; duplicates: number; incomplete: number }; eccCorrected: boolean; logicalSize: number; export: string | null } | null;
  volumes: Array<{ type: string; hives: Array<{ path: string; deleted: boolean; status: string; runs: unknown[]; sha256: string; output: string | null; rom: { readsWith: Array<{ where: string; output: string | null }>; sameSignature: unknown[] } | null }> }>;
  romHives: Array<{ offset: number; output: string | null }>;
  findings: Array<{ code: string; layer: string }>;
}

function media(args: string[]): { status: number | null; stdout: string; stderr: string; json?: MediaJson } {
  const result = runCli(['media', ...args]);
  if (!args.includes('--json') || result.status === 2) return result;
  const json = JSON.parse(result.stdout) as MediaJson;
  expect([validate(json), validate.errors]).toEqual([true, null]);
  return { ...result, json };
}

/** The fixture with one FAT12 entry set in both FATs. */
function withFatEntry(cluster: number, value: number): Uint8Array {
  const image = new Uint8Array(readFileSync(FIXTURE));
  setFixtureFat12Entry(image, cluster, value);
  return image;
}

describe('hivetool media on the checked-in FAT12 fixture', () => {
  test('lists the volume and its hives layer by layer; exit 0', () => {
    const result = media([FIXTURE]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('partitions: no MBR partition table');
    expect(result.stdout).toContain('volume 1 (at 0x0): FAT12, type string "FAT12", label "FIXTURE"');
    expect(result.stdout).toMatch(/^ {2}\\Documents and Settings\\system\.hv: 28672 bytes, rom, hive, verifies clean, 31 runs \(fragmented\)/m);
    expect(result.stdout).toMatch(/^ {2}deleted \\Documents and Settings\\system \(previous\)\.hv: 28672 bytes, rom, recovered/m);
    expect(result.stdout).toContain(`sha256 ${sha256(readFileSync(SMALL))}`);
  });

  test('--json follows the schema; -o writes each hive, byte for byte, named from its path', () => {
    // An output folder that exists already.
    const out = join(scratch.path, 'fixture-out');
    mkdirSync(out);
    const result = media([FIXTURE, '--json', '-o', out]);
    expect(result.status).toBe(0);
    const hives = result.json!.volumes[0]!.hives;
    expect(hives.map((h) => [h.path, h.deleted, h.status, h.output])).toEqual([
      ['\\Documents and Settings\\system (previous).hv', true, 'recovered', join(out, 'v1-Documents_and_Settings_system_previous_.deleted.hv')],
      ['\\Documents and Settings\\system.hv', false, 'hive', join(out, 'v1-Documents_and_Settings_system.hv')],
    ]);
    for (const hive of hives) expect(sha256(readFileSync(hive.output!))).toBe(sha256(readFileSync(SMALL)));
    expect(readdirSync(out).sort()).toEqual(['v1-Documents_and_Settings_system.hv', 'v1-Documents_and_Settings_system_previous_.deleted.hv']);
  });

  test('a name with separators, dots and control characters in the image: never used raw, printed escaped', () => {
    const image = new Uint8Array(readFileSync(FIXTURE));
    // The first long-name entry of "Documents and Settings" in the root folder: its first
    // five characters become "../", BEL and RIGHT-TO-LEFT OVERRIDE (the checksum covers
    // the short name only, so the entry still belongs to it).
    const root = 512 + 2 * 512;
    let at = root;
    while (!(image[at + 11] === 0x0f && image[at] === 0x01)) at += 32;
    [0x2e, 0x2e, 0x2f, 0x07, 0x202e].forEach((unit, i) => {
      image[at + 1 + 2 * i] = unit & 0xff;
      image[at + 2 + 2 * i] = unit >>> 8;
    });
    const path = join(scratch.path, 'evil.img');
    writeFileSync(path, image);
    const out = join(scratch.path, 'evil-out');
    const result = media([path, '-o', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('\\../\\x07\\u202eents and Settings\\system.hv');
    expect(result.stdout).not.toMatch(/[\u0007\u202e]/);
    const names = readdirSync(out).sort();
    expect(names).toEqual(['v1-ents_and_Settings_system.hv', 'v1-ents_and_Settings_system_previous_.deleted.hv']);
  });

  test('damage: a FAT loop and a chain past the volume are findings; exit 1, no crash', () => {
    const first = media([FIXTURE, '--json']).json!.volumes[0]!.hives.find((h) => !h.deleted)!;
    const firstCluster = (first as unknown as { firstCluster: number }).firstCluster;
    for (const [value, code] of [[firstCluster, 'FAT_LOOP'], [0xfe0, 'CHAIN_PAST_VOLUME']] as const) {
      const path = join(scratch.path, `${code}.img`);
      writeFileSync(path, withFatEntry(firstCluster, value));
      const result = media([path, '--json']);
      expect(result.status).toBe(1);
      expect(result.json!.findings.map((f) => [f.layer, f.code])).toEqual([['volume 1', code]]);
      const text = media([path]);
      expect(text.stdout).toMatch(new RegExp(`^ {2}volume 1: .* at 0x[0-9a-f]+ \\[${code}\\]$`, 'm'));
    }
  });

  test('a cut image: exit 1 with IMAGE_CUT, and what is left is still listed', () => {
    const path = join(scratch.path, 'cut.img');
    writeFileSync(path, readFileSync(FIXTURE).subarray(0, 60 * 1024));
    const result = media([path, '--json']);
    expect(result.status).toBe(1);
    expect(result.json!.findings.map((f) => f.code)).toEqual(['IMAGE_CUT']);
    expect(result.json!.volumes[0]!.hives.find((h) => !h.deleted)!.status).not.toBe('hive');
  });

  test('an image with no file system: says so, exit 0; a missing image or -o naming a file: exit 2', () => {
    const noise = join(scratch.path, 'noise.bin');
    const random = prng(7);
    writeFileSync(noise, Uint8Array.from({ length: 256 * 1024 }, () => Math.floor(random() * 256)));
    const result = media([noise]);
    expect([result.status, result.stdout.split('\n').slice(1, 3)]).toEqual([0, ['partitions: no MBR partition table', 'volumes: no FAT volume found']]);
    const missing = media([join(scratch.path, 'absent.img')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^hivetool: .*absent\.img: /);
    const file = join(scratch.path, 'a-file');
    writeFileSync(file, '');
    const notFolder = media([FIXTURE, '-o', file]);
    expect(notFolder.status).toBe(2);
    expect(notFolder.stderr).toMatch(/is a file, not a folder/);
    for (const args of [['-'], [FIXTURE, '-o', '-']]) {
      const refused = media(args);
      expect([refused.status, refused.stdout]).toEqual([2, '']);
      expect(refused.stderr).toMatch(/^hivetool: media .*- \(standard (input|output)\)/);
    }
  });
});

const describeGenerated = corpusAvailable ? describeFatTools(describe) : (name: string, fn: () => void) => describe.skip(`${name} (SKIPPED: corpus not found)`, fn);

describeGenerated('hivetool media on a partitioned disk made with mkfs.fat and mtools', () => {
  test('the persistent system.hv is paired with the ROM hive found by signature, and verify reads it with that --rom', () => {
    const dir = join(scratch.path, 'disk');
    mkdirSync(dir);
    const volume = makeFatImage(dir, 16);
    const disk = join(dir, 'disk.img');
    writeFileSync(disk, makePartitionedImage(new Uint8Array(readFileSync(volume.path)), 0x06, corpusBytes('default.hv')));
    const out = join(dir, 'out');
    const result = media([disk, '--json', '-o', out]);
    expect(result.status).toBe(0);
    expect(result.json!.romHives.map((r) => [r.offset, r.output])).toEqual([[65536, join(out, 'disk.img@0x10000.rom.hv')]]);
    const system = result.json!.volumes[0]!.hives.find((h) => h.path === '\\Documents and Settings\\system.hv')!;
    expect(system.rom!.readsWith).toEqual([{ where: 'image', offset: 65536, output: join(out, 'disk.img@0x10000.rom.hv') }]);
    expect(system.rom!.sameSignature).toHaveLength(1);
    expect(sha256(readFileSync(system.output!))).toBe(volume.files.find((f) => f.path === system.path)!.sha256);
    const text = media([disk]);
    expect(text.stdout).toContain(`reads with the ROM hive at ${disk}@0x10000`);
    const verify = runCli(['verify', '--rom', join(out, 'disk.img@0x10000.rom.hv'), system.output!]);
    expect([verify.status, verify.stderr]).toEqual([0, '']);
  });
});

describe('hivetool media --fal: a NAND dump behind the Flash Abstraction Layer', () => {
  /** The checked-in fixture laid on a simulated NAND (no tools needed). */
  const logicalOf = new Map<string, Uint8Array>();
  function fixtureNand(layout: 'ms16' | 'samsung-lb', name: string): string {
    const image = layVolumeOnNand([{ label: 'flashed', bytes: new Uint8Array(readFileSync(FIXTURE)) }], { layout, seed: 4 });
    const path = join(scratch.path, name);
    writeFileSync(path, image.nand.image);
    logicalOf.set(path, image.nand.logicalBytes());
    return path;
  }

  test('the layout and its evidence, the pages, then the volume read from the logical space; exit 1 for the cut writes', () => {
    const nand = fixtureNand('samsung-lb', 'fixture-lb.nand');
    const result = media(['--fal', '--page-size', '2048', '--spare-size', '64', nand]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`${nand}: NAND dump, `);
    expect(result.stdout).toMatch(/FAL spare layout: samsung-lb \(sector@1 status@6 oem@5 bad@0\), detected; evidence: samsung-lb: 100% of \d+ written pages/);
    expect(result.stdout).toContain('no ECC correction');
    expect(result.stdout).toContain('volume 1 (at 0x0): FAT12, type string "FAT12", label "FIXTURE"');
    expect(result.stdout).toContain(`sha256 ${sha256(readFileSync(SMALL))}`);
    expect(result.stdout).toMatch(/FAL: logical sector 0 is held by physical pages \d+ and \d+ .* \[FAL_DUPLICATE\]/);
    expect(result.stdout).toMatch(/FAL: physical page \d+: a write of logical sector \d+ began and never completed .* \[FAL_WRITE_INCOMPLETE\]/);
  });

  test('--json follows the schema; --export-logical writes the logical space, which media then reads as a disk image', () => {
    const nand = fixtureNand('ms16', 'fixture-ms16.nand');
    const exported = join(scratch.path, 'fixture-logical.img');
    const result = media(['--fal', '--page-size', '512', '--spare-size', '16', '--spare-layout', 'ms16', '--json', '--export-logical', exported, nand]);
    expect(result.status).toBe(1);
    const fal = result.json!.fal!;
    expect([fal.layout.name, fal.layout.how, fal.eccCorrected, fal.export, fal.counts.duplicates, fal.counts.incomplete]).toEqual(['ms16', 'given', false, exported, 1, 1]);
    const logical = readFileSync(exported);
    expect(logical.length).toBe(fal.logicalSize);
    // Byte for byte the generator's logical space (unmapped sectors past it as zeros).
    const expected = new Uint8Array(fal.logicalSize);
    expected.set(logicalOf.get(nand)!);
    expect(sha256(logical)).toBe(sha256(expected));
    const again = media([exported, '--json']);
    expect(again.json!.fal).toBeNull();
    expect(again.json!.volumes[0]!.hives.map((h) => h.sha256)).toEqual(result.json!.volumes[0]!.hives.map((h) => h.sha256));
    expect(readdirSync(scratch.path).filter((name) => name.includes('.tmp') || name.startsWith('.'))).toEqual([]);
  });

  test('errors that say what to do: geometry missing, options without --fal, a bad layout, an undecidable image, the input as export', () => {
    const nand = fixtureNand('ms16', 'fixture-errors.nand');
    const before = sha256(readFileSync(nand));
    const cases: [string[], RegExp][] = [
      [['--fal', nand], /--fal needs the NAND geometry: --page-size and --spare-size/],
      [['--page-size', '512', nand], /--page-size describes a NAND dump and is read only with --fal/],
      [['--fal', '--page-size', '500', '--spare-size', '16', nand], /page size 500 is not a power of two/],
      [['--fal', '--page-size', '512', '--spare-size', '16', '--spare-layout', 'bogus', nand], /--spare-layout bogus: .*auto, ms16, samsung-sb, samsung-lb, ti-bch8/],
      [['--fal', '--page-size', '512', '--spare-size', '16', '--spare-layout', 'ti-bch8', nand], /ti-bch8 reads spare bytes up to offset 61 \(it is for 64-byte spare areas\), and --spare-size is 16/],
      [['--fal', '--page-size', '512', '--spare-size', '16', '--export-logical', nand, nand], /hivetool never writes over an input/],
    ];
    for (const [args, message] of cases) {
      const result = media(args);
      expect([result.status, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toMatch(message);
    }
    const noise = join(scratch.path, 'noise.nand');
    const random = prng(3);
    writeFileSync(noise, Uint8Array.from({ length: 128 * 528 }, () => Math.floor(random() * 256)));
    const undecided = media(['--fal', '--page-size', '512', '--spare-size', '16', noise]);
    expect(undecided.status).toBe(2);
    expect(undecided.stderr).toMatch(/^hivetool: .*noise\.nand: cannot decide the NAND spare-area layout: .*ms16.*; .*--spare-layout \(ms16, samsung-sb, samsung-lb, ti-bch8/);
    expect(sha256(readFileSync(nand))).toBe(before);
  });
});

(corpusAvailable ? describeFatTools(describe) : describe.skip)('hivetool media --fal on generated NAND images of mkfs.fat/mtools volumes', () => {
  for (const layout of ['samsung-sb', 'ti-bch8'] as const) {
    test(`${layout}: detected; every live hive written byte-identical (fragmented, rewritten)`, () => {
      const image = makeFatNandImage(join(scratch.path, `nand-${layout}`), 12, layout, 17);
      const out = join(scratch.path, `nand-${layout}-out`);
      const result = media(['--fal', '--page-size', String(image.pageSize), '--spare-size', String(image.spareSize), '--json', '-o', out, image.path]);
      expect(result.json!.fal!.layout.name).toBe(layout);
      expect(result.json!.fal!.counts.stale).toBe(image.nand.stalePages().length);
      const hives = result.json!.volumes[0]!.hives;
      for (const placed of image.fat.files.filter((file) => !file.deleted)) {
        const found = hives.filter((h) => h.path === placed.path && !h.deleted);
        expect(found.map((h) => [h.status, h.sha256])).toEqual([['hive', placed.sha256]]);
        expect(sha256(readFileSync(found[0]!.output!))).toBe(placed.sha256);
      }
    });
  }
});

describe('hivetool media --fal: the earlier versions of each hive from stale pages', () => {
  test('listed with their physical pages, in the JSON, written with -o; the earlier state is among them', () => {
    const nand = fixtureNand('ms16');
    const path = join(scratch.path, 'versions-nand.bin');
    writeFileSync(path, nand.nand.image);
    const out = join(scratch.path, 'versions-out');
    const result = media(['--fal', '--page-size', '512', '--spare-size', '16', path, '--json', '-o', out]);
    expect(result.status).not.toBe(2);
    const live = result.json!.volumes[0]!.hives.find((hive) => hive.path === '\\Documents and Settings\\system.hv' && !hive.deleted)! as unknown as { sha256: string; history: { pages: number; pagesWithHistory: number }; versions: Array<{ sha256: string; proven: boolean; output: string }> };
    expect(live.sha256).toBe(sha256(nand.hives[1]));
    expect(live.history.pagesWithHistory).toBeGreaterThan(0);
    expect(live.versions.map((version) => version.sha256)).toContain(sha256(nand.hives[0]));
    for (const version of live.versions) {
      if (version.proven) expect(version.sha256).toBe(sha256(nand.hives[0]));
      expect(sha256(readFileSync(version.output))).toBe(version.sha256);
    }
    // The deleted copy has no versions (its sectors are no live file's); without --fal, no such fields.
    const deleted = result.json!.volumes[0]!.hives.find((hive) => hive.deleted)! as unknown as { versions: unknown };
    expect(deleted.versions).toBeNull();
    expect(Object.keys(media([FIXTURE, '--json']).json!.volumes[0]!.hives[0]!)).not.toContain('versions');
    const text = media(['--fal', '--page-size', '512', '--spare-size', '16', path]);
    expect(text.stdout).toMatch(/^ {2}older versions: \d+ \(\d+ proven, \d+ unproven\) from stale copies of \d+ of its \d+ pages/m);
    expect(text.stdout).toMatch(/^ {4}version 1 \((proven|unproven)\): 3 keys, \d+ values, \d+ of \d+ pages from stale copies in blocks? [\d, ]+/m);
  }, 120_000);
});
