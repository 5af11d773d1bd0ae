import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { RegTreeBuilder } from '@hivetool/registry';
import { findVersions, type PageCopy, type VersionSource } from '@hivetool/media';
import { prng, sha256 } from '@hivetool/test-support';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const PAGE = 2048;
const PAGES_PER_BLOCK = 32;

/** Three states of a small hive: as checked in, a value changed, a key added. */
function states(): Uint8Array[] {
  const base = new Uint8Array(readFileSync(join(FIXTURES, 'small.hv')));
  const tree = readTree(openHive(base));
  const edit = (reg: string): Uint8Array => encodeHive(RegTreeBuilder.fromTree(tree, { newEntriesFirst: true }).apply(reg).tree());
  return [
    edit('[HKEY_LOCAL_MACHINE\\Fixture]\n"Version"=dword:1\n'),
    edit('[HKEY_LOCAL_MACHINE\\Fixture]\n"Version"=dword:2\n'),
    edit('[HKEY_LOCAL_MACHINE\\Fixture]\n"Version"=dword:3\n[HKEY_LOCAL_MACHINE\\Fixture\\Added]\n"New"="yes"\n'),
  ];
}

/**
 * A toy flash translation layer after flash guide §2: each changed sector goes to the
 * next free page of the block being filled, the old copy becomes stale; a flush starts in
 * the block `blockFor(flush)` picks (the same one, or another at random).
 */
class ToyFal {
  readonly chip = new Map<number, Uint8Array>();
  readonly mappedCopies = new Map<number, PageCopy>();
  readonly staleCopies = new Map<number, PageCopy[]>();
  private readonly used = new Map<number, number>();

  write(sector: number, data: Uint8Array, block: number): void {
    const pageInBlock = this.used.get(block) ?? 0;
    if (pageInBlock >= PAGES_PER_BLOCK) throw new Error('block full');
    this.used.set(block, pageInBlock + 1);
    const copy = { logicalSector: sector, block, pageInBlock, physicalPage: block * PAGES_PER_BLOCK + pageInBlock };
    this.chip.set(copy.physicalPage, data.slice());
    const old = this.mappedCopies.get(sector);
    if (old !== undefined) this.staleCopies.set(sector, [...(this.staleCopies.get(sector) ?? []), old]);
    this.mappedCopies.set(sector, copy);
  }

  /** Writes a file's new state at logical sectors `first`…: only the pages that changed. */
  flush(first: number, bytes: Uint8Array, previous: Uint8Array | undefined, block: number): void {
    for (let page = 0; page * PAGE < bytes.length; page++) {
      const data = new Uint8Array(PAGE);
      data.set(bytes.subarray(page * PAGE, (page + 1) * PAGE));
      const before = previous?.subarray(page * PAGE, (page + 1) * PAGE);
      if (before !== undefined && before.length === Math.min(PAGE, bytes.length - page * PAGE) && before.every((byte, i) => byte === data[i])) continue;
      this.write(first + page, data, block);
    }
  }

  source(first: number, size: number): VersionSource {
    return {
      pageSize: PAGE,
      ranges: [{ offset: first * PAGE, length: size }],
      size,
      mapped: (sector) => this.mappedCopies.get(sector),
      stale: (sector) => this.staleCopies.get(sector) ?? [],
      readPage: (physical) => this.chip.get(physical) ?? new Uint8Array(0),
    };
  }
}

describe('older versions of a hive from stale FAL pages', () => {
  const [v1, v2, v3] = states() as [Uint8Array, Uint8Array, Uint8Array];

  test('the states are distinct hives of the same size (the test needs that)', () => {
    expect(new Set([sha256(v1), sha256(v2), sha256(v3)]).size).toBe(3);
    expect([v2.length, v3.length]).toEqual([v1.length, v1.length]);
  });

  test('flushes written one after the other in one block: both earlier states found and proven, newest first; mid-flush mixtures unproven', () => {
    const fal = new ToyFal();
    fal.flush(10, v1, undefined, 3);
    fal.flush(10, v2, v1, 3);
    fal.flush(10, v3, v2, 3);
    const report = findVersions(fal.source(10, v3.length), v3);
    const proven = report.versions.filter((version) => version.proven);
    expect(proven.map((version) => sha256(version.bytes))).toEqual([sha256(v2), sha256(v1)]);
    // The states in the middle of a flush (some pages new, some old) that verify are there too, unproven.
    expect(report.versions.filter((version) => !version.proven).every((version) => ![sha256(v1), sha256(v2), sha256(v3)].includes(sha256(version.bytes)))).toBe(true);
    const [newer, older] = proven.map((version) => report.versions.indexOf(version)) as [number, number];
    expect(report.versions[newer]!.newerThan).toContain(older);
    expect(report.versions[older]!.newerThan).not.toContain(newer);
    expect(report.pages).toBe(Math.ceil(v1.length / PAGE));
    expect(report.pagesWithHistory).toBeGreaterThan(0);
    // Each version names the physical pages it was read from.
    const stale = report.versions[older]!.pages.filter((page) => page.stale);
    expect(stale.length).toBe(report.versions[older]!.stalePages);
    expect(stale.length).toBeGreaterThan(0);
    for (const page of report.versions[older]!.pages) expect(fal.chip.get(page.physicalPage)!.subarray(0, 16)).toEqual(v1.subarray((page.logicalSector - 10) * PAGE, (page.logicalSector - 10) * PAGE + 16));
  });

  test('flushes in blocks picked at random: the earlier states are among the versions, none proven that was not written', () => {
    for (let seed = 1; seed <= 2; seed++) {
      const random = prng(seed);
      const fal = new ToyFal();
      const blocks = [0, 1, 2, 3, 4, 5, 6, 7].sort(() => random() - 0.5);
      fal.flush(0, v1, undefined, blocks[0]!);
      fal.flush(0, v2, v1, blocks[1]!);
      fal.flush(0, v3, v2, blocks[2]!);
      const report = findVersions(fal.source(0, v3.length), v3);
      const found = new Set(report.versions.map((version) => sha256(version.bytes)));
      expect(found.has(sha256(v1)) && found.has(sha256(v2))).toBe(true);
      expect(found.has(sha256(v3))).toBe(false);
      for (const version of report.versions.filter((v) => v.proven)) expect([sha256(v1), sha256(v2)]).toContain(sha256(version.bytes));
    }
  });

  test('no stale copy: no version; stale copies that make no hive: none', () => {
    const fal = new ToyFal();
    fal.flush(0, v1, undefined, 0);
    expect(findVersions(fal.source(0, v1.length), v1)).toMatchObject({ versions: [], pagesWithHistory: 0 });
    // Garbage written over the header page and then the real page again: no hive has that header.
    const noise = new Uint8Array(PAGE).fill(0xa5);
    fal.write(0, noise, 1);
    fal.write(0, v1.subarray(0, PAGE), 1);
    const report = findVersions(fal.source(0, v1.length), v1);
    expect(report.pagesWithHistory).toBe(1);
    expect(report.versions).toEqual([]);
  });
});
