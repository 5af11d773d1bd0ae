import { bytesSource, examineCandidate, findHeaderCandidates, CANDIDATE_BYTES, type CarvedKind, type CarveStatus } from '@hivetool/forensics';
import type { FindingList } from './errors.js';
import { asByteSource, sliceSource } from './source.js';
import type { FatVolume, Run } from './fat.js';
import { walkDirectories, type DirectoryEntry, type WalkLimits } from './directory.js';

/**
 * A live file: what the hive's own structure says of the bytes its chain gives
 * (`hive`, `truncated`, `damaged`, `object-store`, as `carve` names them). A deleted
 * entry, read from its first cluster as if contiguous: `recovered` when the hive's
 * structure verifies, `partial` when it does not (fragmented, or overwritten since).
 */
export type HiveFileStatus = CarveStatus | 'recovered' | 'partial';

export interface HiveFile {
  /** Path on the volume, `\`-separated, as stored. */
  path: string;
  deleted: boolean;
  /** Why it was taken for a hive: its name ends in `.hv`, its first bytes are a hive header, or both. */
  foundBy: 'name' | 'content' | 'name and content';
  /** The FAT copies whose chains give these runs (`[0]`; `[0, 1]` or `[1]` where the copies differ, as in an open TFAT transaction). */
  fats: number[];
  /** Size in the directory entry. */
  size: number;
  firstCluster: number;
  /** Where its bytes lie in the volume, in file order (more than one: fragmented). */
  runs: Run[];
  /** Offset in the volume of its directory entry. */
  entryOffset: number;
  status: HiveFileStatus;
  /** Why it is not a whole hive. */
  reason: string | undefined;
  kind: CarvedKind;
  /** ROM signature, 32 hex digits (format guide §3). */
  romSignature: string;
  keys: number;
  values: number;
  /** What `verifyHive` found in a whole hive; null when not verified. */
  verify: { errors: number; warnings: number } | null;
  /** The file's bytes as read (a deleted one's as recovered). */
  bytes: Uint8Array;
}

export interface FindHiveOptions extends WalkLimits {
  /** Largest file read as a hive (default 1 GiB: slot offsets have 28 bits, format guide §6). */
  maxFileBytes?: number;
  /** Hive files read per volume and FAT (default 4096). */
  maxHives?: number;
}

const DEFAULT_MAX_FILE = 1024 * 1024 * 1024;
const DEFAULT_MAX_HIVES = 4096;

function startsWithHiveHeader(volume: FatVolume, cluster: number): boolean {
  if (!volume.isCluster(cluster)) return false;
  const head = volume.source.read(volume.clusterOffset(cluster), CANDIDATE_BYTES);
  return head.length === CANDIDATE_BYTES && findHeaderCandidates(head.slice()).length === 1;
}

/**
 * Whether a deleted entry found by content alone can be the file of the hive its first
 * cluster starts with: the hive's heap end (format guide §3a), read as if contiguous,
 * must fit in the entry's size. A deleted small file whose freed cluster was reused by a
 * hive (deleted in turn) points at that hive's header too, and is not its file.
 */
function ownsHive(volume: FatVolume, entry: DirectoryEntry): { owns: boolean; read: number } {
  const offset = volume.clusterOffset(entry.firstCluster);
  const head = examineCandidate(asByteSource(sliceSource(volume.source, offset, Math.max(0, volume.length - offset))), 0, { damagedBytes: false, verify: false });
  return { owns: head.extent <= entry.size, read: head.length };
}

/**
 * The hive files on a volume, through FAT `fat`: every file whose name ends in `.hv` or
 * whose first bytes are a hive header (format guide §3), live ones read through their
 * cluster chain (fragments joined), deleted ones from their first cluster as if
 * contiguous and kept as `recovered` only where the hive's own structure verifies.
 */
export function findHiveFiles(volume: FatVolume, fat: number, findings: FindingList, options: FindHiveOptions = {}): { hives: HiveFile[]; files: number; deleted: number } {
  const maxFile = options.maxFileBytes ?? DEFAULT_MAX_FILE;
  const candidates: { entry: DirectoryEntry; foundBy: HiveFile['foundBy'] }[] = [];
  let files = 0;
  let deleted = 0;
  walkDirectories(
    volume,
    fat,
    findings,
    (entry) => {
      if (entry.directory) return;
      if (entry.deleted) deleted++;
      else files++;
      if (entry.size < CANDIDATE_BYTES) return;
      const byName = /\.hv$/i.test(entry.name);
      // A deleted entry's first cluster may since have gone to another file: its bytes are
      // then that file's, found (if a hive) as that file.
      const reused = entry.deleted && volume.isCluster(entry.firstCluster) && volume.fatEntry(fat, entry.firstCluster) !== 0;
      const byContent = !reused && startsWithHiveHeader(volume, entry.firstCluster);
      if (reused && byName) {
        findings.add('CLUSTER_REUSED', entry.entryOffset, `deleted ${entry.path}: its first cluster ${entry.firstCluster} now belongs to another file, so nothing of it can be read`);
        return;
      }
      if (byName || byContent) candidates.push({ entry, foundBy: byName && byContent ? 'name and content' : byName ? 'name' : 'content' });
    },
    options,
  );
  const hives: HiveFile[] = [];
  const maxHives = options.maxHives ?? DEFAULT_MAX_HIVES;
  // Live files cannot share clusters; deleted entries can point at the same ones any number
  // of times. What is read stays within about twice the volume (each cluster once as a
  // live file, once as a deleted one), and deleted entries of one first cluster and size
  // are read once (a named one preferred).
  const maxTotal = 2 * Math.max(volume.length, volume.clusterSize);
  let total = 0;
  // A deleted entry repeating a named one's first cluster and size is not read again.
  const deletedSeen = new Set<string>(candidates.filter(({ entry, foundBy }) => entry.deleted && foundBy !== 'content').map(({ entry }) => `${entry.firstCluster}:${entry.size}`));
  const named = new Set(deletedSeen);
  for (const { entry, foundBy } of candidates) {
    if (entry.deleted && foundBy === 'content') {
      const key = `${entry.firstCluster}:${entry.size}`;
      if (deletedSeen.has(key)) continue;
      deletedSeen.add(key);
    } else if (entry.deleted) {
      const key = `${entry.firstCluster}:${entry.size}`;
      if (!named.delete(key)) continue; // a second named entry with the same cluster and size
    }
    if (hives.length >= maxHives || total >= maxTotal) {
      findings.add('LIMIT_REACHED', entry.entryOffset, hives.length >= maxHives ? `more than ${maxHives} hive files on the volume: ${entry.path} and the rest are not read` : `the hive files read so far hold ${total} bytes, twice the volume: ${entry.path} and the rest are not read`);
      break;
    }
    if (entry.size > maxFile) {
      findings.add('LIMIT_REACHED', entry.entryOffset, `${entry.path} has ${entry.size} bytes, more than the ${maxFile} a hive file is read up to: not read`);
      continue;
    }
    if (entry.deleted && foundBy === 'content') {
      const { owns, read } = ownsHive(volume, entry);
      total += read;
      if (!owns) continue;
    }
    const needed = Math.ceil(entry.size / volume.clusterSize);
    let runs: Run[];
    let reason: string | undefined;
    if (entry.deleted) {
      // FAT clears a deleted file's chain: its clusters are read as if contiguous.
      const last = Math.min(entry.firstCluster + needed, volume.clusterCount + 2);
      runs = volume.isCluster(entry.firstCluster) ? [{ offset: volume.clusterOffset(entry.firstCluster), length: (last - entry.firstCluster) * volume.clusterSize }] : [];
      if (last - entry.firstCluster < needed) reason = 'its clusters, read as if contiguous, run past the end of the volume';
    } else {
      const chain = volume.chain(entry.firstCluster, fat, needed);
      runs = chain.runs;
      if (chain.clusters < needed) {
        const why = { loop: 'loops back to a cluster it already went through', 'past-volume': `points past the volume's ${volume.clusterCount} clusters`, free: 'meets a free cluster', bad: 'meets a bad cluster', end: 'ends', limit: 'ends' }[chain.ended];
        reason = `its cluster chain ${why} after ${chain.clusters} of ${needed} clusters`;
        const code = chain.ended === 'loop' ? 'FAT_LOOP' : chain.ended === 'past-volume' ? 'CHAIN_PAST_VOLUME' : 'CHAIN_SHORT';
        findings.add(code, entry.entryOffset, `${entry.path}: ${reason}`);
      }
    }
    const bytes = volume.readRuns(runs, entry.size);
    total += bytes.length;
    if (bytes.length < entry.size && reason === undefined) reason = `the image ends after ${bytes.length} of its ${entry.size} bytes`;
    const found = examineCandidate(bytesSource(bytes), 0, { damagedBytes: false });
    let status: HiveFileStatus = found.status;
    if (entry.deleted) {
      const whole = found.status === 'hive' && found.verify !== null && found.verify.errors === 0 && bytes.length === entry.size;
      status = whole ? 'recovered' : 'partial';
      if (!whole && reason === undefined) reason = found.reason ?? (found.verify === null ? `read as if contiguous, it is ${found.status}` : `read as if contiguous, verify finds ${found.verify.errors} errors`);
    } else if (reason === undefined) reason = found.reason;
    hives.push({
      path: entry.path,
      deleted: entry.deleted,
      foundBy,
      fats: [fat],
      size: entry.size,
      firstCluster: entry.firstCluster,
      runs,
      entryOffset: entry.entryOffset,
      status,
      reason,
      kind: found.kind,
      romSignature: found.romSignature,
      keys: found.keys,
      values: found.values,
      verify: found.verify,
      bytes,
    });
  }
  return { hives, files, deleted };
}
