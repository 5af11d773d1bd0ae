import { bytesSource, examineCandidate } from '@hivetool/forensics';
import { readTree } from '@hivetool/hive';
import type { TreeKey } from '@hivetool/registry';

/**
 * Earlier versions of a hive file from the stale pages the flash translation layer left
 * (flash guide §2: a changed sector is written to a fresh page and the old copy marked
 * dirty, not erased; it stays until compaction erases its block). The FAL keeps no
 * sequence number, so the only order known is what the writes themselves show:
 *
 * - within one block, pages are programmed in order (a lower page was written first);
 * - the mapped copy of a logical sector is newer than each stale copy of it.
 *
 * The order known is the transitive closure of those two. A state of the file "just after
 * copy c was written" gives each of its pages the copy current then: one that is not known
 * to be newer than c, and not known to be superseded (by a newer copy of its page) at or
 * before c. Where that leaves one copy for every page, the state is proven; where some
 * page has several candidates, each combination that makes a hive that verifies is an
 * unproven version (it verifies, but could mix two generations).
 */

/** A physical copy of a logical sector: where it lies on the chip. */
export interface PageCopy {
  logicalSector: number;
  /** Erase block, and the page's place in it (programmed in increasing order). */
  block: number;
  pageInBlock: number;
  /** Page number on the chip (block × pages per block + page in block). */
  physicalPage: number;
}

/** What the version finder needs of the FAL layer below and of the file. */
export interface VersionSource {
  /** Data bytes per page: one FAL sector. */
  pageSize: number;
  /** The file's bytes as ranges of the logical sector space, in file order. */
  ranges: readonly { offset: number; length: number }[];
  /** The file's size. */
  size: number;
  /** Where the mapped (current) copy of a logical sector lies, or undefined when none is mapped. */
  mapped(sector: number): PageCopy | undefined;
  /** The stale copies of a logical sector (dirty pages still holding it). */
  stale(sector: number): readonly PageCopy[];
  /** The data bytes of a physical page (`pageSize` of them; fewer where the dump ends). */
  readPage(physicalPage: number): Uint8Array;
  /**
   * Every programmed page of a block that holds a page of the file (mapped or stale, any
   * logical sector), when the layer can tell: their order within the block and each stale
   * one's mapped successor carry the order across blocks (a page of the file, then another
   * sector's page in its block, that sector's newer copy in a second block, then a page of
   * the file after it there).
   */
  blockPages?(block: number): readonly (PageCopy & { stale: boolean })[];
}

/** One page of a version: which copy it was read from. */
export interface VersionPage extends PageCopy {
  /** A stale copy (false: the mapped one, as in the current file). */
  stale: boolean;
}

export interface HiveVersion {
  /** Every page determined by the order the writes show (true), or one combination of several that verifies (false). */
  proven: boolean;
  /** The file's bytes in that state. */
  bytes: Uint8Array;
  /** The copy each logical page of the file was read from, in file order. */
  pages: VersionPage[];
  /** Pages read from stale copies. */
  stalePages: number;
  keys: number;
  values: number;
  /**
   * Versions known to be older than this one (by the index in `versions`): the copy that
   * makes the difference in the other was written before it.
   */
  newerThan: number[];
}

export interface VersionsReport {
  /** The versions found, newest first where the evidence orders them. */
  versions: HiveVersion[];
  /** Logical pages of the file, and how many of them have stale copies. */
  pages: number;
  pagesWithHistory: number;
  /** The most stale copies any one page of the file has: how far back its history can reach. */
  deepestHistory: number;
  /** What capped the search, if anything. */
  limited: string | undefined;
}

export interface VersionLimits {
  /** Stale copies considered per file (default 65,536). */
  maxCopies?: number;
  /** Combinations tried per cut where pages are ambiguous (default 64). */
  maxCombinations?: number;
  /** Versions reported per file (default 256). */
  maxVersions?: number;
  /** States rebuilt and checked as hives per file, in all (default 512): the time spent follows it. */
  maxExaminations?: number;
  /** States rebuilt per file at the cuts, checked or found before (default 4,096). */
  maxRebuilt?: number;
}

interface Node {
  copy: PageCopy;
  /** Index of the file's page (in `pages`); -1 for another sector's page (order only). */
  page: number;
  stale: boolean;
}

/**
 * The earlier states of a hive file that the stale copies of its pages support (see the
 * file comment), each rebuilt and kept only when it is a whole hive that verifies and
 * differs from the current file. Bounded by `limits`; never throws on odd input.
 */
export function findVersions(source: VersionSource, current: Uint8Array, limits: VersionLimits = {}): VersionsReport {
  const maxCopies = limits.maxCopies ?? 65536;
  const maxCombinations = limits.maxCombinations ?? 256;
  const maxVersions = limits.maxVersions ?? 256;
  const maxExaminations = limits.maxExaminations ?? 512;
  const maxRebuilt = limits.maxRebuilt ?? 4096;
  let examinations = 0;
  let rebuilt = 0;
  const { pageSize } = source;
  // The file's logical pages, in order of first use, and where each byte range of the file lies in them.
  const pages: number[] = [];
  const pageIndex = new Map<number, number>();
  const pieces: { page: number; within: number; at: number; length: number }[] = [];
  let at = 0;
  for (const range of source.ranges) {
    let offset = range.offset;
    let left = Math.min(range.length, source.size - at);
    while (left > 0) {
      const sector = Math.floor(offset / pageSize);
      const within = offset - sector * pageSize;
      const take = Math.min(left, pageSize - within);
      let index = pageIndex.get(sector);
      if (index === undefined) {
        index = pages.length;
        pages.push(sector);
        pageIndex.set(sector, index);
      }
      pieces.push({ page: index, within, at, length: take });
      offset += take;
      at += take;
      left -= take;
    }
  }
  const report: VersionsReport = { versions: [], pages: pages.length, pagesWithHistory: 0, deepestHistory: 0, limited: undefined };
  // Every copy of every page: the mapped one and the stale ones.
  const nodes: Node[] = [];
  const copiesOf: number[][] = pages.map(() => []);
  const mappedOf: (number | undefined)[] = pages.map(() => undefined);
  pages.forEach((sector, page) => {
    const mapped = source.mapped(sector);
    if (mapped !== undefined) {
      mappedOf[page] = nodes.length;
      copiesOf[page]!.push(nodes.length);
      nodes.push({ copy: mapped, page, stale: false });
    }
    const stale = source.stale(sector);
    if (stale.length > 0) report.pagesWithHistory++;
    report.deepestHistory = Math.max(report.deepestHistory, stale.length);
    for (const copy of stale) {
      if (nodes.length >= maxCopies) {
        report.limited = `more than ${maxCopies} copies of the file's pages: the rest are not considered`;
        break;
      }
      copiesOf[page]!.push(nodes.length);
      nodes.push({ copy, page, stale: true });
    }
  });
  if (report.pagesWithHistory === 0) return report;
  const own = nodes.length;
  // The other programmed pages of the blocks the file's copies lie in: order only.
  const nodeAt = new Map<number, number>(nodes.map((node, i) => [node.copy.physicalPage, i]));
  if (source.blockPages !== undefined) {
    for (const block of new Set(nodes.map((node) => node.copy.block))) {
      for (const copy of source.blockPages(block)) {
        if (nodes.length >= maxCopies) break;
        if (nodeAt.has(copy.physicalPage)) continue;
        nodeAt.set(copy.physicalPage, nodes.length);
        nodes.push({ copy: { logicalSector: copy.logicalSector, block: copy.block, pageInBlock: copy.pageInBlock, physicalPage: copy.physicalPage }, page: -1, stale: copy.stale });
      }
    }
  }
  // Known order: edges from older to newer. Within a block, each page to the next one programmed.
  const after: number[][] = nodes.map(() => []);
  const byBlock = new Map<number, number[]>();
  nodes.forEach((node, i) => {
    const list = byBlock.get(node.copy.block) ?? [];
    list.push(i);
    byBlock.set(node.copy.block, list);
  });
  for (const list of byBlock.values()) {
    list.sort((a, b) => nodes[a]!.copy.pageInBlock - nodes[b]!.copy.pageInBlock);
    for (let i = 1; i < list.length; i++) if (nodes[list[i - 1]!]!.copy.pageInBlock < nodes[list[i]!]!.copy.pageInBlock) after[list[i - 1]!]!.push(list[i]!);
  }
  nodes.forEach((node, i) => {
    if (!node.stale) return;
    // A stale copy, then its sector's mapped copy.
    const mapped = node.page >= 0 ? mappedOf[node.page] : (() => {
      const copy = source.mapped(node.copy.logicalSector);
      return copy === undefined ? undefined : nodeAt.get(copy.physicalPage);
    })();
    if (mapped !== undefined) after[i]!.push(mapped);
  });
  // Reachability (a ≺ b), as bit sets: the graph is small (the copies of one file's pages).
  const words = Math.ceil(nodes.length / 32);
  const newer: Uint32Array[] = nodes.map(() => new Uint32Array(words));
  // Iterative: nodes in reverse topological order (a DFS post-order), each taking its successors' sets.
  const order: number[] = [];
  const state = new Uint8Array(nodes.length);
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const successors = after[top.node]!;
      if (top.next < successors.length) {
        const next = successors[top.next++]!;
        if (state[next] === 0) {
          state[next] = 1;
          stack.push({ node: next, next: 0 });
        }
        continue;
      }
      state[top.node] = 2;
      order.push(top.node);
      stack.pop();
    }
  }
  for (const node of order) {
    const set = newer[node]!;
    for (const next of after[node]!) {
      set[next >>> 5]! |= 1 << (next & 31);
      const other = newer[next]!;
      for (let w = 0; w < words; w++) set[w]! |= other[w]!;
    }
  }
  const precedes = (a: number, b: number): boolean => (newer[a]![b >>> 5]! & (1 << (b & 31))) !== 0;

  // Versions already found, by a content key (the bytes compared on a match).
  // (-1: the current file; otherwise the index in `found`.)
  const seen = new Map<string, { bytes: Uint8Array; index: number }[]>([[digest(current), [{ bytes: current, index: -1 }]]]);
  const foundBefore = (bytes: Uint8Array): number | undefined => seen.get(digest(bytes))?.find((other) => equalBytes(other.bytes, bytes))?.index;
  const remember = (bytes: Uint8Array, index: number): void => {
    const key = digest(bytes);
    seen.set(key, [...(seen.get(key) ?? []), { bytes, index }]);
  };
  // Write groups: runs of pages programmed one after the other in a block, each holding
  // another page of the file (a flush writes a page once; a page written again, a page
  // of something else, or a free page between two ends the run). A state is proven only
  // at the end of one: in the middle, it mixes two flushes.
  const ends = new Set<number>();
  for (const list of byBlock.values()) {
    let group = new Set<number>();
    list.forEach((node, i) => {
      if (nodes[node]!.page < 0) return;
      const next = list[i + 1];
      group.add(nodes[node]!.page);
      if (next === undefined || nodes[next]!.page < 0 || nodes[next]!.copy.pageInBlock !== nodes[node]!.copy.pageInBlock + 1 || group.has(nodes[next]!.page)) {
        ends.add(node);
        group = new Set();
      }
    });
  }
  const groupEnd = (c: number): boolean => ends.has(c);
  const found: { version: HiveVersion; cut: number }[] = [];
  // Versions by their keys and values (-1: the current file's).
  const contents = new Map<string, number>([[contentKey(current), -1]]);
  // Candidate sets already tried, and whether at the end of a write.
  const states = new Map<string, boolean>();
  // What each copy holds of the file (a page is shared with other files' clusters when
  // clusters are smaller than pages: copies rewritten for them hold the same bytes of this
  // file, and count as one candidate).
  const valueOf = nodes.map((node) => {
    if (node.page < 0) return '';
    const data = source.readPage(node.copy.physicalPage);
    let key = '';
    for (const piece of pieces) if (piece.page === node.page) key += digest(data.subarray(piece.within, piece.within + piece.length)) + '/';
    return key;
  });
  const distinct = (list: number[]): number[] => {
    const values = new Set<string>();
    return list.filter((node) => {
      if (values.has(valueOf[node]!)) return false;
      values.add(valueOf[node]!);
      return true;
    });
  };
  /** Rebuilds the state that `picked` (a copy per page) gives, and keeps it when it is a new version. `c`: the cut it was found at (-1: none). */
  // The cuts may check all but 64 states: those are kept for the generations below.
  // The cuts may check all but 64 states: those are kept for the generations below.
  let budget = Math.max(0, maxExaminations - 64);
  const tryState = (picked: number[], proven: boolean, c: number, given?: Uint8Array): void => {
    // A generation's reading (given bytes) adds versions but never replaces a cut's reading.
    const bytes = given ?? new Uint8Array(source.size);
    if (given === undefined) {
      const pageBytes = picked.map((node) => source.readPage(nodes[node]!.copy.physicalPage));
      for (const piece of pieces) bytes.set(pageBytes[piece.page]!.subarray(piece.within, piece.within + piece.length), piece.at);
    }
    const before = foundBefore(bytes);
    const earlier = before === undefined ? undefined : found[before];
    if (earlier !== undefined) {
      // The same bytes again, now proven: the version is.
      if (proven && !earlier.version.proven) {
        earlier.version.proven = true;
        earlier.cut = c;
      }
    } else if (before === undefined) {
      if (++examinations > budget) {
        report.limited = `more than ${budget} states checked: the rest are not tried`;
        return;
      }
      // The structure first (cheap); verify only what is a hive by it. A state that is none is remembered too.
      const shape = examineCandidate(bytesSource(bytes), 0, { damagedBytes: false, verify: false });
      const examined = shape.status === 'hive' ? examineCandidate(bytesSource(bytes), 0, { damagedBytes: false }) : shape;
      const content = examined.status === 'hive' && examined.verify !== null && examined.verify.errors === 0 ? contentKey(bytes) : undefined;
      const sameContent = content === undefined ? undefined : contents.get(content);
      if (content === undefined) remember(bytes, -2);
      else if (sameContent !== undefined) {
        // The same keys and values as a version found (or the current file): bytes that
        // differ only where the hive holds no data (free space, slack). The version keeps
        // the reading with the fewest stale pages, proven preferred.
        remember(bytes, sameContent);
        const other = found[sameContent];
        const stalePages = picked.filter((node) => nodes[node]!.stale).length;
        if (other !== undefined && given === undefined && ((proven && !other.version.proven) || (proven === other.version.proven && stalePages < other.version.stalePages))) {
          const versionPages = picked.map((node) => ({ ...nodes[node]!.copy, stale: nodes[node]!.stale }));
          other.version = { proven, bytes, pages: versionPages, stalePages, keys: examined.keys, values: examined.values, newerThan: [] };
          other.cut = c;
        }
      } else {
        contents.set(content, found.length);
        remember(bytes, found.length);
        const versionPages = picked.map((node) => ({ ...nodes[node]!.copy, stale: nodes[node]!.stale }));
        found.push({ version: { proven, bytes, pages: versionPages, stalePages: versionPages.filter((page) => page.stale).length, keys: examined.keys, values: examined.values, newerThan: [] }, cut: c });
        if (found.length >= maxVersions) {
          report.limited = `more than ${maxVersions} versions: the rest are not reported`;
        }
      }
    }
  };
  for (let c = 0; c < own; c++) {
    // The candidates of each page just after c was written (the mapped copy first where it is one).
    const candidates = copiesOf.map((copies, page) => {
      if (page === nodes[c]!.page) return [c];
      // First the mapped copy (a page the flushes since did not change), then what the
      // writes show was there before c (in c's own block first), then the rest.
      const rank = (x: number): number => (!nodes[x]!.stale ? 0 : precedes(x, c) ? (nodes[x]!.copy.block === nodes[c]!.copy.block ? 1 : 2) : 3);
      return distinct(copies.filter((x) => !precedes(c, x) && !copies.some((y) => y !== x && precedes(x, y) && (y === c || precedes(y, c)))).sort((x, y) => rank(x) - rank(y)));
    });
    if (candidates.some((list) => list.length === 0)) continue; // a page not yet written then: the file was another size
    // Cuts that leave the same candidates give the same states: tried once (a proven one kept as such).
    const stateKey = candidates.map((list) => list.join(',')).join(';');
    const triedBefore = states.get(stateKey);
    if (triedBefore !== undefined && (triedBefore || !groupEnd(c))) continue;
    states.set(stateKey, groupEnd(c));
    const combinations = candidates.reduce((product, list) => product * list.length, 1);
    // Proven: one copy for every page, at the end of a write (mid-write, the state mixes two flushes).
    const proven = combinations === 1 && groupEnd(c);
    let tried = 0;
    // Combinations with the fewest pages off their first candidate first: an earlier state
    // differs from the next one in the pages a flush changed, usually few.
    for (const choice of combinationsByWeight(candidates.map((list) => list.length), maxCombinations)) {
      tried++;
      // States already seen cost no examination but are rebuilt: bounded too.
      if (++rebuilt > maxRebuilt) {
        report.limited ??= `more than ${maxRebuilt} states rebuilt: the rest are not tried`;
        break;
      }
      tryState(candidates.map((list, page) => list[choice[page]!]!), proven, c);
      if (found.length >= maxVersions || examinations > budget) break;
    }
    if (tried >= maxCombinations && combinations > maxCombinations) report.limited ??= `more than ${maxCombinations} combinations of copies at one point: the rest are not tried`;
    if (found.length >= maxVersions || examinations > budget || rebuilt > maxRebuilt) break;
  }
  // Then generations: a whole-file rewrite (a copy tool, an editor's save) gives each
  // page new copies, spread over blocks whose order nothing shows, so no single cut
  // reaches the state before it; and where clusters or sectors are smaller than pages, a
  // page is rewritten once per sector, its copies mixing the two states. So the file is
  // taken a unit at a time (512 bytes of it within one page): each unit takes, of the
  // earlier values its page's copies hold, the one closest to its current bytes (an older
  // state of the same hive shares much of its bytes), when at least a quarter of them are
  // the same; otherwise its current bytes (another file's data that lay there before
  // shares few; nor does a unit of one byte value). Then the combinations with the fewest units off that choice (the next
  // closest value, or the current one). Unproven: no order shows them one state.
  const UNIT = 512;
  const units: { piece: (typeof pieces)[number]; within: number; at: number; length: number; values: { node: number; data: Uint8Array }[] }[] = [];
  for (const piece of pieces) {
    for (let offset = piece.within; offset < piece.within + piece.length; ) {
      const length = Math.min(piece.within + piece.length, (Math.floor(offset / UNIT) + 1) * UNIT) - offset;
      units.push({ piece, within: offset, at: piece.at + offset - piece.within, length, values: [] });
      offset += length;
    }
  }
  const unitsOfPage = pages.map((): number[] => []);
  units.forEach((unit, i) => unitsOfPage[unit.piece.page]!.push(i));
  let generationOk = units.length <= 65536;
  for (let page = 0; page < pages.length && generationOk; page++) {
    const mapped = mappedOf[page];
    if (mapped === undefined) {
      generationOk = false;
      break;
    }
    const copies = copiesOf[page]!;
    const data = copies.map((node) => source.readPage(nodes[node]!.copy.physicalPage));
    const current = data[copies.indexOf(mapped)]!;
    for (const u of unitsOfPage[page]!) {
      const unit = units[u]!;
      const now = current.subarray(unit.within, unit.within + unit.length);
      unit.values.push({ node: mapped, data: now });
      const scored: { node: number; data: Uint8Array; same: number }[] = [];
      copies.forEach((node, i) => {
        if (node === mapped) return;
        const value = data[i]!.subarray(unit.within, unit.within + unit.length);
        if (value.length < unit.length || equalBytes(value, now) || scored.some((other) => equalBytes(other.data, value))) return;
        // A unit of one byte value throughout (zeros of a fresh volume, 0xFF) is what lay
        // there before any file: never taken first.
        let same = 0;
        let uniform = true;
        for (let k = 0; k < value.length; k++) {
          if (value[k] === now[k]) same++;
          if (value[k] !== value[0]) uniform = false;
        }
        scored.push({ node, data: value, same: uniform ? -1 : same });
      });
      scored.sort((x, y) => y.same - x.same);
      // The closest earlier value first when it shares a quarter of the bytes; the current one first otherwise.
      if (scored.length > 0 && scored[0]!.same * 4 >= unit.length) unit.values.unshift(scored.shift()!);
      unit.values.push(...scored);
    }
  }
  budget = maxExaminations;
  if (generationOk && units.some((unit) => unit.values.length > 1)) {
    for (const choice of combinationsByWeight(units.map((unit) => unit.values.length), maxCombinations)) {
      const bytes = new Uint8Array(source.size);
      // Each page is named by the copy most of its units came from.
      const votes = pages.map(() => new Map<number, number>());
      units.forEach((unit, u) => {
        const value = unit.values[choice[u]!]!;
        bytes.set(value.data, unit.at);
        const vote = votes[unit.piece.page]!;
        vote.set(value.node, (vote.get(value.node) ?? 0) + unit.length);
      });
      const picked = votes.map((vote, page) => [...vote].sort((x, y) => y[1] - x[1])[0]?.[0] ?? mappedOf[page]!);
      tryState(picked, false, -1, bytes);
      if (found.length >= maxVersions || examinations > maxExaminations) break;
    }
  }
  // Newest first where the cut points are ordered: by how many versions are known to be
  // older (a total order that keeps every known one), then in the order found.
  const older = (a: number, b: number): boolean => found[a]!.cut >= 0 && found[b]!.cut >= 0 && precedes(found[a]!.cut, found[b]!.cut);
  const olderCount = found.map((_, index) => found.filter((__, other) => other !== index && older(other, index)).length);
  const indices = found.map((_, i) => i);
  indices.sort((a, b) => olderCount[b]! - olderCount[a]! || a - b);
  const position = new Map(indices.map((index, i) => [index, i]));
  report.versions = indices.map((index) => {
    const version = found[index]!.version;
    version.newerThan = found.map((_, other) => other).filter((other) => other !== index && older(other, index)).map((other) => position.get(other)!).sort((a, b) => a - b);
    return version;
  });
  return report;
}

/**
 * What a hive holds, as a key: its header, every key's path and flags, every value's
 * name, type and data, in tree order (iterative). Two states that differ only in free space or slack
 * have the same key. A hive the reader cannot open whole keys by its bytes.
 */
export function contentKey(bytes: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let n = 0;
  const add = (unit: number): void => {
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995) ^ (b >>> 13);
    n++;
  };
  const text = (value: string): void => {
    for (let i = 0; i < value.length; i++) add(value.charCodeAt(i));
    add(0x10000);
  };
  // The header (its signature and GUID follow the content when the writer derives them).
  for (const byte of bytes.subarray(0, 0x200)) add(byte);
  try {
    const tree = readTree(bytes);
    for (const [root, keys] of Object.entries(tree.roots)) {
      text(`root ${root}`);
      const stack: { key: TreeKey; depth: number }[] = (keys ?? []).map((key) => ({ key, depth: 0 })).reverse();
      while (stack.length > 0) {
        const { key, depth } = stack.pop()!;
        text(`${depth}:${key.name}:${key.flags ?? 0}`);
        for (const value of key.values ?? []) {
          text(`${value.name}:${value.type}:${value.flags ?? 0}:${value.data.length}`);
          for (const byte of value.data) add(byte);
        }
        for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, depth: depth + 1 });
      }
    }
    return `tree:${n}:${(a >>> 0).toString(16)}:${(b >>> 0).toString(16)}`;
  } catch {
    return `bytes:${digest(bytes)}`;
  }
}

/**
 * Choices (an index per page into its candidates) in order of how many pages are off
 * their first candidate (0, then 1, 2, 3 pages), at most `max` of them.
 */
function* combinationsByWeight(counts: readonly number[], max: number): Generator<number[]> {
  const ambiguous = counts.map((count, page) => (count > 1 ? page : -1)).filter((page) => page >= 0);
  const choice = counts.map(() => 0);
  let given = 0;
  for (let weight = 0; weight <= Math.min(3, ambiguous.length); weight++) {
    // Subsets of `weight` ambiguous pages, each with every alternative candidate.
    const stack: { from: number; depth: number }[] = [{ from: 0, depth: 0 }];
    const chosen: number[] = [];
    const walk = function* (from: number, depth: number): Generator<number[]> {
      if (depth === weight) {
        yield choice.slice();
        return;
      }
      for (let i = from; i < ambiguous.length; i++) {
        const page = ambiguous[i]!;
        for (let alternative = 1; alternative < counts[page]!; alternative++) {
          choice[page] = alternative;
          chosen.push(page);
          yield* walk(i + 1, depth + 1);
          chosen.pop();
          choice[page] = 0;
        }
      }
    };
    void stack;
    for (const combination of walk(0, 0)) {
      if (given++ >= max) return;
      yield combination;
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A cheap content key (FNV-1a style over the bytes as 32-bit words, the tail bytes, and the
 * length): equal bytes, equal key; a collision only merges two versions' report.
 */
function digest(bytes: Uint8Array): string {
  // Words read from an aligned view (a copy when the bytes start off a 4-byte boundary).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    a = Math.imul(a ^ word, 0x01000193);
    b = Math.imul(b ^ word, 0x5bd1e995) ^ (b >>> 13);
  }
  for (let i = words.length * 4; i < aligned.length; i++) {
    a = Math.imul(a ^ aligned[i]!, 0x01000193);
    b = Math.imul(b ^ aligned[i]!, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${bytes.length}:${(a >>> 0).toString(16)}:${(b >>> 0).toString(16)}`;
}

/** The flash translation layer's history of the logical sector space a report was read from. */
export interface SectorHistory {
  /** Data bytes per page: one FAL sector. */
  pageSize: number;
  mapped(sector: number): PageCopy | undefined;
  stale(sector: number): readonly PageCopy[];
  readPage(physicalPage: number): Uint8Array;
}

/** A hive file's earlier versions, by volume index and its position in the volume's `hives`. */
export interface FileVersions {
  volume: number;
  hive: number;
  report: VersionsReport;
}

/**
 * The earlier versions of every live hive file of a media report read on a FAL's logical
 * sector space (`history`): the runs of each file, at its volume's offset, name the logical
 * sectors whose stale copies are searched. Deleted files are left out (their sectors were
 * freed; what survives of them is in stale pages with no file to place them in).
 */
export function versionsOfHiveFiles(report: { volumes: readonly { index: number; offset: number; hives: readonly { deleted: boolean; status: string; size: number; runs: readonly { offset: number; length: number }[]; bytes: Uint8Array }[] }[] }, history: SectorHistory, limits: VersionLimits = {}): FileVersions[] {
  const out: FileVersions[] = [];
  for (const volume of report.volumes) {
    volume.hives.forEach((hive, position) => {
      if (hive.deleted || hive.status !== 'hive') return;
      const source: VersionSource = {
        pageSize: history.pageSize,
        ranges: hive.runs.map((run) => ({ offset: volume.offset + run.offset, length: run.length })),
        size: hive.bytes.length,
        mapped: (sector) => history.mapped(sector),
        stale: (sector) => history.stale(sector),
        readPage: (page) => history.readPage(page),
      };
      out.push({ volume: volume.index, hive: position, report: findVersions(source, hive.bytes, limits) });
    });
  }
  return out;
}
