import type { FindingList } from './errors.js';
import type { FatVolume, Run } from './fat.js';

/** A directory entry as found: live or deleted, with its long name where one was stored. */
export interface DirectoryEntry {
  /** Path from the volume's root, `\`-separated, as stored (a deleted entry's lost first character recovered from its long name's checksum where it can be, else `?`). */
  path: string;
  /** The name (the long name where present). */
  name: string;
  /** The 8.3 name. */
  shortName: string;
  directory: boolean;
  deleted: boolean;
  firstCluster: number;
  size: number;
  /** Offset in the volume of the 32-byte entry. */
  entryOffset: number;
}

export interface WalkLimits {
  /** Entries looked at, in all folders together (default 1,000,000). */
  maxEntries?: number;
  /** Folder nesting followed (default 128: a CE path has at most 260 characters). */
  maxDepth?: number;
}

/** A folder has at most 65,536 entries (Microsoft's FAT specification): 2 MiB. */
const MAX_DIRECTORY_BYTES = 65536 * 32;

function shortNameOf(entry: Uint8Array, firstByte: number): string {
  const decode = (from: number, to: number, lower: boolean): string => {
    let out = '';
    for (let i = from; i < to; i++) {
      const byte = i === 0 ? firstByte : entry[i]!;
      out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : byte === 0 ? '' : '?';
    }
    out = out.trimEnd();
    return lower ? out.toLowerCase() : out;
  };
  // NT case bits at 0x0C: 0x08 base in lower case, 0x10 extension in lower case.
  const base = decode(0, 8, (entry[12]! & 0x08) !== 0);
  const extension = decode(8, 11, (entry[12]! & 0x10) !== 0);
  return extension === '' ? base : `${base}.${extension}`;
}

/** The checksum of an 8.3 name that each of its long-name entries carries. */
function nameChecksum(entry: Uint8Array, firstByte: number): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >>> 1) + (i === 0 ? firstByte : entry[i]!)) & 0xff;
  return sum;
}

const LFN_CHARS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

function longNamePart(entry: Uint8Array): string {
  let out = '';
  for (const at of LFN_CHARS) {
    const unit = entry[at]! | (entry[at + 1]! << 8);
    if (unit === 0 || unit === 0xffff) break;
    out += String.fromCharCode(unit);
  }
  return out;
}

interface Pending {
  folderRuns: Run[] | undefined;
  path: string;
  depth: number;
}

/**
 * Walks every folder of a volume from its root, with FAT `fat` giving the chains, and
 * calls `visit` for each file and folder entry, deleted ones included (`.`/`..` and
 * volume labels left out). Iterative, with caps on entries, depth and folder size, and
 * each folder's first cluster walked once (a folder linked twice is a finding, not a loop).
 */
export function walkDirectories(volume: FatVolume, fat: number, findings: FindingList, visit: (entry: DirectoryEntry) => void, limits: WalkLimits = {}): void {
  const maxEntries = limits.maxEntries ?? 1_000_000;
  const maxDepth = limits.maxDepth ?? 128;
  const maxFolderClusters = Math.max(1, Math.ceil(MAX_DIRECTORY_BYTES / volume.clusterSize));
  const walked = new Set<number>();
  let entriesSeen = 0;
  const stack: Pending[] = [];
  if (volume.type === 'FAT32') {
    const chain = volume.chain(volume.boot.rootCluster, fat, maxFolderClusters);
    walked.add(volume.boot.rootCluster);
    if (chain.ended === 'loop' || chain.ended === 'past-volume') findings.add(chain.ended === 'loop' ? 'FAT_LOOP' : 'CHAIN_PAST_VOLUME', 0x2c, `the root folder's chain (from cluster ${volume.boot.rootCluster}) ${chain.ended === 'loop' ? 'loops' : 'leaves the volume'}: read as far as it goes`);
    stack.push({ folderRuns: chain.runs, path: '', depth: 0 });
  } else stack.push({ folderRuns: undefined, path: '', depth: 0 });
  while (stack.length > 0) {
    const folder = stack.pop()!;
    const runs = folder.folderRuns ?? [{ offset: volume.rootOffset, length: volume.boot.rootEntries * 32 }];
    let lfn: { parts: string[]; checksum: number; ordinals: number[] } = { parts: [], checksum: -1, ordinals: [] };
    let ended = false;
    for (const run of runs) {
      if (ended) break;
      const bytes = volume.source.read(run.offset, run.length);
      for (let at = 0; at + 32 <= bytes.length; at += 32) {
        if (++entriesSeen > maxEntries) {
          findings.add('LIMIT_REACHED', run.offset + at, `more than ${maxEntries} directory entries: the rest of the volume is not walked`);
          return;
        }
        const entry = bytes.subarray(at, at + 32);
        const first = entry[0]!;
        // 0x00: this entry and all after it are free.
        if (first === 0) {
          ended = true;
          break;
        }
        const deleted = first === 0xe5;
        const attributes = entry[11]!;
        if (attributes === 0x0f) {
          // Long-name entries come before their short entry, last part first.
          if (lfn.checksum !== entry[13]) lfn = { parts: [], checksum: entry[13]!, ordinals: [] };
          lfn.parts.push(longNamePart(entry));
          lfn.ordinals.push(first);
          continue;
        }
        const collected = lfn;
        lfn = { parts: [], checksum: -1, ordinals: [] };
        if ((attributes & 0x08) !== 0) continue; // volume label
        if (first === 0x2e) continue; // `.` and `..`
        let firstByte = first === 0x05 ? 0xe5 : first;
        let longName: string | undefined;
        if (collected.parts.length > 0) {
          if (deleted) {
            // Deletion overwrote the first byte; the long name's checksum gives it back
            // (each step of the checksum is a bijection, so exactly one byte fits).
            for (let candidate = 0x20; candidate < 0x100; candidate++) {
              if (nameChecksum(entry, candidate) === collected.checksum) {
                firstByte = candidate;
                longName = collected.parts.reverse().join('');
                break;
              }
            }
          } else if (nameChecksum(entry, firstByte) === collected.checksum) {
            longName = collected.parts.reverse().join('');
          } else {
            findings.add('LFN_MISMATCH', run.offset + at, `long-name entries before the entry of ${shortNameOf(entry, firstByte)} carry another name's checksum: the short name is used`);
          }
        }
        if (deleted && firstByte === 0xe5) firstByte = 0x3f; // `?`: the first character is lost
        const shortName = shortNameOf(entry, firstByte);
        const name = longName ?? shortName;
        const firstCluster = ((volume.type === 'FAT32' ? entry[20]! | (entry[21]! << 8) : 0) * 65536) + (entry[26]! | (entry[27]! << 8));
        const size = (entry[28]! | (entry[29]! << 8) | (entry[30]! << 16) | (entry[31]! << 24)) >>> 0;
        const directory = (attributes & 0x10) !== 0;
        const path = `${folder.path}\\${name}`;
        visit({ path, name, shortName, directory, deleted, firstCluster, size, entryOffset: run.offset + at });
        if (!directory || deleted || firstCluster === 0) continue;
        if (walked.has(firstCluster)) {
          findings.add('DIRECTORY_LOOP', run.offset + at, `folder ${path} starts at cluster ${firstCluster}, a folder already walked: not walked again`);
          continue;
        }
        if (folder.depth + 1 > maxDepth) {
          findings.add('LIMIT_REACHED', run.offset + at, `folder ${path} is nested deeper than ${maxDepth} levels: not walked`);
          continue;
        }
        walked.add(firstCluster);
        const chain = volume.chain(firstCluster, fat, maxFolderClusters);
        if (chain.ended === 'loop') findings.add('FAT_LOOP', run.offset + at, `the chain of folder ${path} loops: read as far as it goes`);
        else if (chain.ended === 'past-volume') findings.add('CHAIN_PAST_VOLUME', run.offset + at, `the chain of folder ${path} points past the volume's ${volume.clusterCount} clusters: read as far as it goes`);
        stack.push({ folderRuns: chain.runs, path, depth: folder.depth + 1 });
      }
    }
  }
}
