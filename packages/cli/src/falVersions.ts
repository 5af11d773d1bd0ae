/** What carve and media share to rebuild hive files' earlier versions from a FAL's stale pages (findVersions over an opened FalVolume). */
import { createHash } from 'node:crypto';
import { findVersions, type FalVolume, type MediaReport, type PageCopy, type VersionsReport } from '@hivetool/media';

/** An earlier version of a hive file, as carve and media report it. */
export interface FileVersion {
  /** 1 = the newest earlier version (where the evidence orders them). */
  index: number;
  proven: boolean;
  length: number;
  keys: number;
  values: number;
  sha256: string;
  /** Pages read from stale copies, of all the file's pages. */
  stalePages: number;
  /** The versions (by index) known to be older than this one. */
  newerThan: number[];
  /** The physical page each logical page of the file was read from, in file order. */
  pages: { logicalSector: number; physicalPage: number; block: number; pageInBlock: number; stale: boolean }[];
  output: string | null;
}

/** The stale copies by sector, and every programmed page of a block, that findVersions is given. */
export interface StaleIndex {
  copies: Map<number, PageCopy[]>;
  blockPages: (block: number) => (PageCopy & { stale: boolean })[];
}

/**
 * The earlier versions of one hive file whose bytes lie at `runs` (offsets in the FAL's
 * logical space): how far back they reach, each version's facts, and its bytes.
 */
export function fileVersions(fal: FalVolume, stale: StaleIndex, runs: readonly { offset: number; length: number }[], bytes: Uint8Array): { history: Omit<VersionsReport, 'versions'>; versions: FileVersion[]; bytes: Uint8Array[] } {
  const ppb = fal.geometry.pagesPerBlock;
  const found = findVersions(
    {
      pageSize: fal.geometry.pageSize,
      ranges: runs,
      size: bytes.length,
      mapped: (sector) => {
        const page = fal.physicalPageOf(sector);
        return page < 0 ? undefined : { logicalSector: sector, block: Math.floor(page / ppb), pageInBlock: page % ppb, physicalPage: page };
      },
      stale: (sector) => stale.copies.get(sector) ?? [],
      readPage: (page) => fal.readPage(page),
      blockPages: (block) => stale.blockPages(block),
    },
    bytes,
  );
  const { versions: list, ...history } = found;
  return {
    history,
    versions: list.map((version, i) => ({ index: i + 1, proven: version.proven, length: version.bytes.length, keys: version.keys, values: version.values, sha256: createHash('sha256').update(version.bytes).digest('hex'), stalePages: version.stalePages, newerThan: version.newerThan.map((other) => other + 1), pages: version.pages, output: null })),
    bytes: list.map((version) => version.bytes),
  };
}

/**
 * The stale copies of the logical sectors the live hive files of a report lie in, by
 * sector (one pass over the FAL's list), and every programmed page of a block with its
 * logical sector (an array of a few bytes per page, made on first use).
 */
export function staleCopiesOf(fal: FalVolume, report: MediaReport): StaleIndex {
  const ppb = fal.geometry.pagesPerBlock;
  let sectorOfPage: Int32Array | undefined;
  let staleAt: Uint8Array | undefined;
  const blockPages = (block: number): (PageCopy & { stale: boolean })[] => {
    if (sectorOfPage === undefined || staleAt === undefined) {
      sectorOfPage = new Int32Array(fal.geometry.pages).fill(-1);
      staleAt = new Uint8Array(fal.geometry.pages);
      const sectors = Math.floor(fal.logical.size / fal.geometry.pageSize);
      for (let sector = 0; sector < sectors; sector++) {
        const page = fal.physicalPageOf(sector);
        if (page >= 0 && page < sectorOfPage.length) sectorOfPage[page] = sector;
      }
      for (let i = 0; i < fal.stale.length; i++) {
        const copy = fal.stale.get(i);
        if (copy.physicalPage < sectorOfPage.length) {
          sectorOfPage[copy.physicalPage] = copy.logicalSector;
          staleAt[copy.physicalPage] = 1;
        }
      }
    }
    const out: (PageCopy & { stale: boolean })[] = [];
    for (let pageInBlock = 0; pageInBlock < ppb; pageInBlock++) {
      const page = block * ppb + pageInBlock;
      const sector = sectorOfPage[page] ?? -1;
      if (sector >= 0) out.push({ logicalSector: sector, block, pageInBlock, physicalPage: page, stale: staleAt[page] === 1 });
    }
    return out;
  };
  return { copies: staleCopiesBySector(fal, report), blockPages };
}

/** The stale copies of the logical sectors the live hive files of a report lie in, by sector (one pass over the FAL's list). */
function staleCopiesBySector(fal: FalVolume, report: MediaReport): Map<number, PageCopy[]> {
  const pageSize = fal.geometry.pageSize;
  const wanted = new Set<number>();
  for (const volume of report.volumes) {
    for (const hive of volume.hives) {
      if (hive.deleted || hive.status !== 'hive') continue;
      for (const run of hive.runs) {
        const first = Math.floor((volume.offset + run.offset) / pageSize);
        const last = Math.floor((volume.offset + run.offset + Math.max(1, run.length) - 1) / pageSize);
        for (let sector = first; sector <= last; sector++) wanted.add(sector);
      }
    }
  }
  const out = new Map<number, PageCopy[]>();
  if (wanted.size === 0) return out;
  for (let i = 0; i < fal.stale.length; i++) {
    const copy = fal.stale.get(i);
    if (!wanted.has(copy.logicalSector)) continue;
    const list = out.get(copy.logicalSector) ?? [];
    list.push({ logicalSector: copy.logicalSector, block: copy.block, pageInBlock: copy.pageInBlock, physicalPage: copy.physicalPage });
    out.set(copy.logicalSector, list);
  }
  return out;
}


/** How far back a file's stale pages reach, and each earlier version, as indented lines. */
export function describeVersions(history: Omit<VersionsReport, 'versions'>, versions: readonly FileVersion[]): string[] {
  const proven = versions.filter((version) => version.proven).length;
  const reach =
    history.pagesWithHistory === 0
      ? `  older versions: none (no stale copy of its ${history.pages} pages is left)`
      : `  older versions: ${versions.length} (${proven} proven, ${versions.length - proven} unproven) from stale copies of ${history.pagesWithHistory} of its ${history.pages} pages, at most ${history.deepestHistory} per page${history.limited === undefined ? '' : `; ${history.limited}`}`;
  const lines = [reach];
  for (const version of versions) {
    const blocks = [...new Set(version.pages.filter((page) => page.stale).map((page) => page.block))].sort((a, b) => a - b);
    const order = version.newerThan.length === 0 ? '' : `, newer than ${version.newerThan.map((other) => `version ${other}`).join(', ')}`;
    lines.push(`    version ${version.index} (${version.proven ? 'proven' : 'unproven'}): ${version.keys} keys, ${version.values} values, ${version.stalePages} of ${version.pages.length} pages from stale copies in block${blocks.length === 1 ? '' : 's'} ${blocks.join(', ')}${order}, sha256 ${version.sha256}${version.output === null ? '' : ` → ${version.output}`}`);
  }
  return lines;
}

