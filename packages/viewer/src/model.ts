/**
 * What the parsing worker does: it holds the opened files and answers the page's requests
 * (rows of a key, values, byte ranges, search, verify, diff, export). Every file is read
 * as a hive: registry images, OEM streams and .reg text are built into a hive in memory
 * first, as `hivetool build` would, so one lazy reader serves all of them.
 */
/*
 * Over 400 lines because it answers every request of the page's protocol (protocol.ts),
 * one function per request, over the same set of opened files.
 */
import { HiveKey, HiveRoot, checkRom, describeRestoreFlags, encodeHive, hexBytes, hiveStatistics, isHiveFormatError, openHive, pendingLogEntries, readTree, skipsInWalk, structuralDamage, verifyHive, walkTree, type Hive, type HiveValue, type TreeVisitor, type UnresolvedLink } from '@hivetool/hive';
import { BLOCK_HEADER_SIZE, ValueField } from '@hivetool/hive/layout';
import { UNKNOWN_PARENT, recoverDeleted, type DeletedKey, type DeletedRecord, type DeletedValue } from '@hivetool/forensics';
import { decodeOemStream, decodeImage, identifyFormat, isImageFormatError } from '@hivetool/image';
import { FindPatternError, makeFinder } from '@hivetool/registry/find';
import { RegParseError, RegTextWriter, ValueType, decodeValue, diffTrees, foldName, jsonValue, parseKeyPath, parseReg, renderToString, rootName, toHex, valueTypeName, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';
import type { AttachResult, DamageInfo, DiffChange, DocInfo, FindingInfo, HexInfo, InfoResult, KeyDetails, Mark, OpenFile, Request, RevealResult, RomMismatch, RowInfo, SearchHit, SearchQuery, SearchResult, ValueInfo, VerifyInfo } from './protocol.js';

type Node = HiveRoot | HiveKey;

interface Doc {
  id: number;
  name: string;
  format: DocInfo['format'];
  bytes: Uint8Array;
  hive: Hive;
  romName?: string | undefined;
  romBytes?: Uint8Array | undefined;
  romHive?: Hive | undefined;
  /** The attached ROM failed the ROM check and was attached anyway: its records carry source UNVERIFIED_ROM. */
  romUnverified?: boolean | undefined;
  /** A ROM hive that failed the ROM check, kept until the page confirms (forceRom) or attaches another. */
  pendingRom?: { name: string; bytes: Uint8Array; hive: Hive } | undefined;
  note?: string | undefined;
  nodes: Node[];
  paths: string[];
  /** The handle of each handle's parent (-1 for a root): a key's names, one by one, since a name may hold a `\`. */
  parents: number[];
  /** Rows of the roots, made when the file was opened (or its ROM attached). */
  roots: RowInfo[];
  /** Diff marks by folded key path, and by folded key path + `\0` + folded value name. */
  keyMarks?: Map<string, Mark> | undefined;
  valueMarks?: Map<string, { mark: Mark; before?: string | undefined }> | undefined;
  diffCounts?: DocInfo['diff'];
  changes?: DiffChange[] | undefined;
  /** The deleted records found in free space, once the page has asked for them. */
  deleted?: DeletedRecord[] | undefined;
  /** Keys whose chains hold a damaged record (folded path → what is wrong), once `damage` has looked. */
  damagedKeys?: Map<string, string> | undefined;
}

/** A damaged record a walk skipped: the key whose chain held it, and the error. */
interface Skipped {
  path: string;
  code: string;
  offset: number;
  message: string;
}

/** What the viewer's walks skip: what the command line's readers skip (`skipsInWalk('read')`). */
const SKIP_DAMAGED = skipsInWalk('read');

/**
 * Walks every root of `hive` as one walk, as `hivetool find` and `dump` do: a damaged
 * record is skipped with what only it leads to, and the walk goes on, so everything intact
 * (reachable from the roots without passing through a damaged record) is visited.
 * Returns the records skipped.
 */
function walkIntact(hive: Hive, visitor: TreeVisitor): Skipped[] {
  const skipped: Skipped[] = [];
  walkTree(
    hive,
    { ...visitor, damaged: (error, path) => skipped.push({ path, code: error.code, offset: error.offset, message: error.message }) },
    { skipDamaged: SKIP_DAMAGED },
  );
  return skipped;
}

/** The source of records read through a ROM hive attached although it failed the ROM check (as the command line labels them). */
export const UNVERIFIED_ROM = 'rom-unverified';
/** Changes of a diff listed for the page (the counts cover all of them). */
const MAX_CHANGES_LISTED = 10_000;
/** Files one search walks at most (every open file). */
const MAX_SEARCH_FILES = 64;

/** Longest byte range one hex request returns. */
const MAX_HEX = 64 * 1024;
/** Bytes of non-text data shown in the value table (the hex view shows all of it). */
const SHOWN_DATA_BYTES = 64;

/**
 * An error the page is shown: the line to show, and the codec error's code and offset
 * (when there is one) as fields, so that they survive the trip to the page.
 */
export class ViewerError extends Error {
  readonly code: string | undefined;
  readonly offset: number | undefined;

  constructor(message: string, cause?: unknown) {
    super(message);
    const detail = cause as { code?: unknown; offset?: unknown } | undefined;
    this.code = typeof detail?.code === 'string' ? detail.code : undefined;
    this.offset = typeof detail?.offset === 'number' ? detail.offset : undefined;
  }
}

const docs = new Map<number, Doc>();
let nextDoc = 1;

/** An error as one line: codec errors already say where and carry their code. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return `internal error (please report it with the file): ${String(error)}`;
  // Bad input is met with the codecs' typed errors; anything else is a bug, and says so.
  const expected = isHiveFormatError(error) || isImageFormatError(error) || error instanceof RegParseError || error instanceof ViewerError;
  if (!expected) return `internal error (please report it with the file): ${error.name}: ${error.message}`;
  const detail = error as Error & { code?: unknown; offset?: unknown };
  let line = error.message;
  if (typeof detail.offset === 'number' && !line.includes(' at offset ')) line += ` at offset 0x${detail.offset.toString(16).padStart(8, '0')}`;
  if (typeof detail.code === 'string' && !line.endsWith(`[${detail.code}]`)) line += ` [${detail.code}]`;
  return line;
}

function docOf(id: number): Doc {
  const doc = docs.get(id);
  if (doc === undefined) throw new Error(`no open file with id ${id}`);
  return doc;
}

/** The hive a file stands for: itself, or a hive built in memory from its content. */
function hiveOf(file: OpenFile): { format: DocInfo['format']; bytes: Uint8Array; note?: string } {
  const bytes = new Uint8Array(file.data);
  const format = identifyFormat(bytes);
  if (format === 'hive') return { format: 'hive', bytes };
  if (format === 'image') return { format: 'image', bytes: encodeHive(decodeImage(bytes)), note: 'registry image, shown through a hive built from it in memory: offsets are of that hive' };
  if (format === 'oem-stream') return { format: 'oem-stream', bytes: encodeHive(decodeOemStream(bytes).tree), note: 'OEM stream, shown through a hive built from it in memory: offsets are of that hive' };
  if (format === 'unknown' && (/\.reg$/i.test(file.name) || looksLikeReg(bytes))) {
    const text = decodeRegText(bytes);
    return { format: 'reg', bytes: encodeHive(parseReg(text, file.name)), note: '.reg text, built into a hive in memory: offsets are of that hive' };
  }
  throw new ViewerError(`not a hive, registry image, OEM stream or .reg file (detected: ${format})`);
}

/** A .reg file by another name: its first line is a .reg header (in UTF-8 or UTF-16LE). */
function looksLikeReg(bytes: Uint8Array): boolean {
  const start = decodeRegText(bytes.subarray(0, 128)).replace(/^\uFEFF/, '');
  return start.startsWith('REGEDIT4') || start.startsWith('Windows Registry Editor');
}

/** .reg files are UTF-16LE with a byte order mark (regedit) or UTF-8/ASCII (platform.reg). */
function decodeRegText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

function addDoc(doc: Omit<Doc, 'id' | 'nodes' | 'paths' | 'parents' | 'roots'>): Doc {
  const full: Doc = { ...doc, id: nextDoc++, nodes: [], paths: [], parents: [], roots: [] };
  docs.set(full.id, full);
  return full;
}

/** Describes a file just opened (or re-read with its ROM): handles start again from the roots. */
function docInfo(doc: Doc): DocInfo {
  doc.nodes.length = 0;
  doc.paths.length = 0;
  doc.parents.length = 0;
  doc.roots = doc.hive.roots().map((root) => rowOf(doc, root, root.name));
  return {
    doc: doc.id,
    name: doc.name,
    format: doc.format,
    kind: doc.hive.kind,
    size: doc.bytes.length,
    rom: doc.romName,
    romUnverified: doc.romUnverified,
    romSignature: doc.format === 'hive' ? hexBytes(doc.hive.header.romSignature) : undefined,
    note: doc.note,
    roots: doc.roots,
    diff: doc.diffCounts,
    changes: doc.changes,
  };
}

function rowOf(doc: Doc, node: Node, path: string, parent = -1): RowInfo {
  const handle = doc.nodes.length;
  doc.nodes.push(node);
  doc.paths.push(path);
  doc.parents.push(parent);
  const mark = doc.keyMarks?.get(foldName(path));
  const damaged = doc.damagedKeys?.get(foldName(path));
  if (node instanceof HiveRoot) return { handle, name: node.name, hasChildren: node.firstKey !== 0, flags: 0, source: doc.hive.source, offset: -1, mark, damaged };
  return { handle, name: node.name, hasChildren: node.firstChild !== 0 && !node.isVolatile, flags: node.flags, source: node.source, offset: node.offset, mark, damaged };
}

function problemRow(text: string): RowInfo {
  return { handle: -1, name: text, hasChildren: false, flags: 0, source: '', offset: -1, problem: text };
}

/** As `hivetool dump` says it. */
function describeLink(link: UnresolvedLink): string {
  const target = `0x${link.ref.toString(16).padStart(8, '0')} (store ${link.store}, id ${link.id})`;
  const why = link.reason === 'rom-not-loaded' ? 'ROM hive not loaded' : 'store this hive cannot resolve';
  return `${link.link} link → ${target}: ${why}`;
}

function children(doc: Doc, handle: number): RowInfo[] {
  if (handle >= DELETED_BRANCH) return deletedChildren(doc, handle);
  const node = doc.nodes[handle];
  if (node === undefined) throw new Error(`no key with handle ${handle}`);
  const parent = doc.paths[handle]!;
  const rows: RowInfo[] = [];
  try {
    for (const entry of node.subkeys()) {
      rows.push(entry.kind === 'unresolved' ? problemRow(`unresolved: ${describeLink(entry)}`) : rowOf(doc, entry, parent + '\\' + entry.name, handle));
    }
  } catch (error) {
    rows.push(problemRow(`read error: ${describe(error)}`));
  }
  return rows;
}

function decodedText(type: number, data: Uint8Array): string {
  const decoded = decodeValue(type, data);
  switch (decoded.kind) {
    case 'string':
      return decoded.value;
    case 'strings':
      return decoded.value.map((text) => JSON.stringify(text)).join(', ');
    case 'number':
      return `0x${decoded.value.toString(16).padStart(8, '0')} (${decoded.value})`;
    case 'bigint':
      return `0x${decoded.value.toString(16).padStart(16, '0')} (${decoded.value})`;
    default: {
      const shown = (toHex(data.subarray(0, SHOWN_DATA_BYTES)).match(/../g) ?? []).join(' ');
      return data.length > SHOWN_DATA_BYTES ? `${shown} … (${data.length} bytes)` : shown;
    }
  }
}

function valueInfo(doc: Doc, path: string, value: HiveValue): ValueInfo {
  const marked = doc.valueMarks?.get(foldName(path) + '\0' + foldName(value.name));
  return {
    name: value.name,
    type: value.type,
    typeName: valueTypeName(value.type),
    decoded: decodedText(value.type, value.data),
    size: value.dataLength,
    flags: value.flags,
    source: value.source,
    offset: value.offset,
    recordLength: BLOCK_HEADER_SIZE + value.size,
    dataOffset: value.dataOffset,
    mark: marked?.mark,
    before: marked?.before,
  };
}

function details(doc: Doc, handle: number): KeyDetails {
  if (handle >= DELETED_BRANCH) return deletedDetails(doc, handle);
  const node = doc.nodes[handle];
  if (node === undefined) throw new Error(`no key with handle ${handle}`);
  const path = doc.paths[handle]!;
  const values: ValueInfo[] = [];
  if (node instanceof HiveKey) {
    try {
      for (const entry of node.values()) {
        if (entry.kind === 'unresolved') values.push(problemValue(`unresolved: ${describeLink(entry)}`));
        else values.push(valueInfo(doc, path, entry));
      }
    } catch (error) {
      values.push(problemValue(`read error: ${describe(error)}`));
    }
  }
  const mark = doc.keyMarks?.get(foldName(path));
  if (node instanceof HiveRoot) return { path, name: node.name, flags: 0, source: doc.hive.source, offset: node.refOffset, recordLength: 4, id: -1, values, mark };
  return { path, name: node.name, flags: node.flags, source: node.source, offset: node.offset, recordLength: BLOCK_HEADER_SIZE + node.size, id: node.id, values, mark };
}

function problemValue(text: string): ValueInfo {
  return { name: '', type: 0, typeName: '', decoded: text, size: 0, flags: 0, source: '', offset: -1, recordLength: 0, dataOffset: -1, problem: text };
}

function hex(doc: Doc, source: string, offset: number, length: number): HexInfo {
  const bytes = (source === 'rom' || source === UNVERIFIED_ROM) && doc.romBytes !== undefined ? doc.romBytes : doc.bytes;
  const start = Math.max(0, Math.min(offset, bytes.length));
  const end = Math.min(bytes.length, start + Math.max(0, Math.min(length, MAX_HEX)));
  return { source, offset: start, bytes: bytes.slice(start, end), fileLength: bytes.length };
}

function reveal(doc: Doc, path: string): RevealResult {
  const parsed = parseKeyPath(path.trim().replace(/^\\+|\\+$/g, ''));
  if (parsed === undefined) throw new ViewerError(`"${path}" does not start with a root (HKLM, HKCU, HKCR, HKU)`);
  const roots = doc.roots;
  const levels: RowInfo[][] = [roots];
  const indexes: number[] = [];
  const rootIndex = roots.findIndex((row) => row.name === rootName(parsed.root));
  if (rootIndex < 0) return { levels, indexes, found: false, path: '' };
  indexes.push(rootIndex);
  let row = roots[rootIndex]!;
  let stored = row.name;
  for (const name of parsed.names) {
    const list = children(doc, row.handle);
    levels.push(list);
    const folded = foldName(name);
    const index = list.findIndex((entry) => entry.problem === undefined && foldName(entry.name) === folded);
    if (index < 0) return { levels, indexes, found: false, path: stored };
    indexes.push(index);
    row = list[index]!;
    stored += '\\' + row.name;
  }
  return { levels, indexes, found: true, path: stored };
}

/**
 * Searches the files `ids` in order with `hivetool find`'s matcher (makeFinder of
 * @hivetool/registry): key paths, value names and data (binary data as UTF-16LE and
 * Latin-1 text too), plain text or RE2, a type filter. Up to `limit` hits in all.
 */
function search(ids: number[], query: SearchQuery, limit: number): SearchResult {
  let find: ReturnType<typeof makeFinder>;
  try {
    find = makeFinder(query);
  } catch (error) {
    if (error instanceof FindPatternError) throw new ViewerError(error.part === 'type' ? `type filter ${error.message}` : error.message);
    throw error;
  }
  const hits: SearchHit[] = [];
  const errors: string[] = [];
  class Enough extends Error {}
  const unverified = (source: string): { unverified?: true } => (source === UNVERIFIED_ROM ? { unverified: true } : {});
  for (const id of ids.slice(0, MAX_SEARCH_FILES)) {
    const doc = docs.get(id);
    if (doc === undefined) continue;
    const file = doc.name;
    // A damaged record is skipped with what only it leads to, as find does (the damage
    // rules of a reading command): every intact match is listed, the skips counted.
    let skipped = 0;
    let firstSkip = '';
    try {
      // One walk over every root, as find makes it.
      walkTree(
        doc.hive,
        {
          key(key, path) {
            if (find.key(path)) hits.push({ doc: id, file, path, where: 'key', text: path, ...unverified(key.source) });
            if (hits.length >= limit) throw new Enough();
          },
          value(value, _key, path) {
            const hit = find.value(value.name, value.type, value.data);
            if (hit !== undefined) {
              const typeName = valueTypeName(value.type);
              const text = hit.where === 'name' ? `${value.name} (${typeName})` : `${value.name} (${typeName}) = ${decodedText(value.type, value.data)}`;
              hits.push({ doc: id, file, path, where: hit.where, valueName: value.name, text, matchedAs: hit.matchedAs, ...unverified(value.source) });
            }
            if (hits.length >= limit) throw new Enough();
          },
          damaged(error, path) {
            if (skipped++ === 0) firstSkip = `the first under ${path}: ${describe(error)}`;
          },
        },
        { skipDamaged: SKIP_DAMAGED },
      );
    } catch (error) {
      if (error instanceof Enough) return { hits, truncated: true, errors };
      errors.push(`${file}: the walk stopped: ${describe(error)}`);
    }
    if (skipped > 0) errors.push(`${file}: damaged hive: ${skipped} damaged record(s) or link(s) skipped, ${firstSkip}; every intact match is listed, without what only the damaged records lead to`);
  }
  return { hits, truncated: false, errors };
}

/**
 * Whether the file is damaged, as the command line's readers would say: the whole-file
 * errors a walk does not meet (`structuralDamage`), and the records a walk from the roots
 * skips. Marks the keys whose chains hold a skipped record, for the tree.
 */
function damage(doc: Doc): DamageInfo {
  let skipped: Skipped[] = [];
  let stopped: string | undefined;
  try {
    skipped = walkIntact(doc.hive, {});
  } catch (error) {
    stopped = describe(error);
  }
  const structural = doc.format === 'hive' ? structuralDamage(doc.hive) : [];
  doc.damagedKeys = new Map();
  for (const entry of skipped) if (!doc.damagedKeys.has(foldName(entry.path))) doc.damagedKeys.set(foldName(entry.path), entry.message);
  return {
    damaged: skipped.length > 0 || structural.length > 0 || stopped !== undefined,
    skipped: skipped.length,
    keys: [...new Set(skipped.map((entry) => entry.path))].slice(0, MAX_DAMAGED_KEYS),
    wholeFile: structural.length,
    first: skipped[0] === undefined ? (structural[0] === undefined ? stopped : `${structural[0].message} [${structural[0].code}]`) : `under ${skipped[0].path}: ${skipped[0].message}`,
  };
}

// --- deleted records: a branch of their own, as Registry Explorer shows them ----------------

/** The handle of the branch of deleted records; its keys follow it (never a handle of the live tree). */
const DELETED_BRANCH = 0x40000000;

function deletedOf(doc: Doc): DeletedRecord[] {
  if (doc.format !== 'hive') throw new ViewerError('deleted records are read from hive files only');
  doc.deleted ??= recoverDeleted(doc.hive);
  return doc.deleted;
}

const deletedKeys = (doc: Doc): DeletedKey[] => deletedOf(doc).filter((record): record is DeletedKey => record.kind === 'key');
const formerPath = (record: DeletedRecord): string => `${record.parentPath ?? UNKNOWN_PARENT}\\${record.name}`;

function certaintyText(record: DeletedRecord): string {
  const where = record.where === 'slack' ? 'in the slack of a live block' : 'in a free block';
  const via = record.parentVia === 'live-chain' ? ', parent found through a live chain' : '';
  return `deleted (id ${record.id}${record.idReused ? ', now used again' : ''}, ${where}), ${record.certainty}${via}`;
}

/** The branch's row: the records found in free space, behind a row of its own. */
function deletedBranch(doc: Doc): RowInfo {
  const records = deletedOf(doc);
  const keys = records.filter((record) => record.kind === 'key').length;
  return {
    handle: DELETED_BRANCH,
    name: `Deleted records (${keys} key(s), ${records.length - keys} value(s))`,
    hasChildren: keys > 0,
    flags: 0,
    source: 'file',
    offset: -1,
    deleted: 'recovered from free space; not part of the registry',
  };
}

function deletedChildren(doc: Doc, handle: number): RowInfo[] {
  if (handle !== DELETED_BRANCH) return [];
  return deletedKeys(doc).map((record, index) => ({
    handle: DELETED_BRANCH + 1 + index,
    name: formerPath(record),
    hasChildren: false,
    flags: record.flags,
    source: 'file',
    offset: record.offset,
    deleted: certaintyText(record),
  }));
}

function deletedValueInfo(record: DeletedValue): ValueInfo {
  const inferred = record.inferredLength;
  const note = inferred === undefined ? '' : `; inferred: type and length fields zeroed, the data is the first ${inferred.min === inferred.max ? inferred.min : `${inferred.min} to ${inferred.max}`} of these ${record.data.length} bytes`;
  const partial = record.certainty === 'partial' ? `; ${record.data.length} of ${record.dataLength} data bytes left` : '';
  return {
    name: record.name,
    type: record.type,
    typeName: inferred === undefined ? valueTypeName(record.type) : 'unknown (zeroed)',
    decoded: inferred === undefined && record.certainty !== 'partial' ? decodedText(record.type, record.data) : decodedText(ValueType.BINARY, record.data),
    size: record.data.length,
    flags: record.flags,
    source: 'file',
    offset: record.offset,
    recordLength: record.length,
    // The data follows the name (format guide §8).
    dataOffset: record.offset + BLOCK_HEADER_SIZE + ValueField.name + 2 * record.name.length,
    deleted: `${certaintyText(record)}, from ${record.parentPath ?? 'a key no link leads to'}${partial}${note}`,
    inferred: inferred === undefined ? undefined : { min: inferred.min, max: inferred.max },
  };
}

/** The branch: every deleted value; a deleted key: the deleted values known to have been its. */
function deletedDetails(doc: Doc, handle: number): KeyDetails {
  const values = deletedOf(doc).filter((record): record is DeletedValue => record.kind === 'value');
  if (handle === DELETED_BRANCH) {
    return { path: 'Deleted records', name: 'Deleted records', flags: 0, source: 'file', offset: -1, recordLength: 0, id: -1, values: values.map(deletedValueInfo), deleted: true };
  }
  const key = deletedKeys(doc)[handle - DELETED_BRANCH - 1];
  if (key === undefined) throw new Error(`no deleted key with handle ${handle}`);
  const path = formerPath(key);
  const own = values.filter((record) => record.parentPath !== null && foldName(record.parentPath) === foldName(path));
  return { path, name: key.name, flags: key.flags, source: 'file', offset: key.offset, recordLength: key.length, id: key.id, values: own.map(deletedValueInfo), deleted: true };
}

/** Damaged keys sent to the page to mark in the tree. */
const MAX_DAMAGED_KEYS = 1000;

/**
 * For each offset, the key (and value) whose record in this file spans it, found in one
 * walk of the tree. Only the offsets asked about are kept, so a large hive costs a walk,
 * not a table of all its records.
 */
function locate(hive: Hive, offsets: number[]): Map<number, { path: string; valueName?: string }> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const found = new Map<number, { path: string; valueName?: string }>();
  const claim = (start: number, end: number, at: { path: string; valueName?: string }): void => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < start) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < sorted.length && sorted[i]! < end; i++) if (!found.has(sorted[i]!)) found.set(sorted[i]!, at);
  };
  if (sorted.length === 0) return found;
  try {
    // The damaged records are skipped: the records past them are located too, and a
    // finding at the link to a damaged record names the key whose chain holds it.
    const skipped = walkIntact(hive, {
      key(key, path) {
        if (key.store === hive) claim(key.offset, key.offset + BLOCK_HEADER_SIZE + key.size, { path });
      },
      value(value, _key, path) {
        if (value.store === hive) claim(value.offset, value.offset + BLOCK_HEADER_SIZE + value.size, { path, valueName: value.name });
      },
    });
    for (const entry of skipped) claim(entry.offset, entry.offset + 1, { path: entry.path });
  } catch {
    // A walk that cannot go on (a cap on counts): the records reached before are located.
  }
  return found;
}

function verify(doc: Doc): VerifyInfo {
  const report = verifyHive(doc.bytes, doc.romHive === undefined ? {} : { rom: doc.romHive });
  const located = locate(doc.hive, report.findings.map((finding) => finding.offset));
  const findings: FindingInfo[] = report.findings.map((finding) => {
    const at = located.get(finding.offset);
    return { severity: finding.severity, code: finding.code, offset: finding.offset, message: finding.message, count: finding.count, path: at?.path, valueName: at?.valueName };
  });
  return { summary: report.summary, boot: `${report.boot.outcome}: ${report.boot.reasons.join(' ')}`, findings };
}


function info(doc: Doc): InfoResult {
  const h = doc.hive.header;
  const rows: Array<[string, string]> = [
    ['file', doc.name],
    ['format', doc.format],
    ['file length', `${doc.bytes.length} bytes`],
    ['kind', doc.hive.kind],
    ['attached ROM', doc.romName ?? 'none'],
    ['version', `0x${h.version.toString(16)}`],
    ['magic1 / magic2', `0x${h.magic1.toString(16).padStart(8, '0')} / 0x${h.magic2.toString(16).padStart(8, '0')}`],
    ['volume GUID', hexBytes(h.volumeGuid)],
    ['ROM signature', hexBytes(h.romSignature)],
    ['restore state', `${describeRestoreFlags(h.restoreFlags)} (restoreFlags ${h.restoreFlags})`],
    ['restoreStart / restoreSize', `${h.restoreStart} / ${h.restoreSize}`],
    ['virtbase', `0x${h.virtbase.toString(16).padStart(8, '0')}`],
    ['boot sequence', `${h.bootSequence}`],
    ['recovery log', `${h.logEntryCount} pending` + pendingLogEntries(h).map((entry) => `; type ${entry.type}: ${entry.d1}, ${entry.d2}, ${entry.d3}`).join('')],
    ['database root', `0x${h.databaseRoot.toString(16)}`],
    ['flags', `0x${h.flags.toString(16).padStart(8, '0')} (LCID ${h.flags >>> 8})`],
    ['sections', `${doc.hive.sectionCount}`],
    ['roots', doc.hive.roots().map((root) => `${root.name} → 0x${root.firstKey.toString(16)}`).join(', ')],
  ];
  if (doc.note !== undefined) rows.push(['note', doc.note]);
  try {
    const s = hiveStatistics(doc.hive);
    const statistics: Array<[string, string]> = [
      ['slots', `${s.slots.used} used, ${s.slots.free} free`],
      ['keys', `${s.blocks.keys} in heap, ${s.reachable.keys} reachable`],
      ['values', `${s.blocks.values} in heap, ${s.reachable.values} reachable`],
      ['unresolved links', `${s.reachable.unresolvedLinks}`],
      ['free blocks', `${s.blocks.free} (${s.blocks.freeBytes} bytes)`],
      ['other blocks', Object.entries(s.blocks.other).map(([type, count]) => `${type} ${count}`).join(', ') || 'none'],
      ['value types', Object.entries(s.valueTypes).map(([type, count]) => `${valueTypeName(Number(type))} ${count}`).join(', ') || 'none'],
      ['unknown bits', s.unknownBits.map((bits) => `${bits.field}: ${bits.count} record(s), first at 0x${bits.firstOffset.toString(16)}`).join('; ') || 'none'],
    ];
    return { rows, statistics };
  } catch (error) {
    return { rows, statistics: [], error: describe(error) };
  }
}

// --- diff -------------------------------------------------------------------------------

/** The key at `names` below root `root` of `tree`, names matched as the registry does. */
function treeKeyByNames(tree: HiveTree, root: number, names: readonly string[]): TreeKey | undefined {
  let list = tree.roots[root] ?? [];
  let key: TreeKey | undefined;
  for (const name of names) {
    const folded = foldName(name);
    key = list.find((entry) => foldName(entry.name) === folded);
    if (key === undefined) return undefined;
    list = key.subkeys ?? [];
  }
  return key;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('\\'));
}

function diff(a: Doc, b: Doc): Doc {
  const before = readTree(a.hive);
  const after = readTree(b.hive);
  const changes = diffTrees(before, after);
  const keyMarks = new Map<string, Mark>();
  const valueMarks = new Map<string, { mark: Mark; before?: string | undefined }>();
  const counts = { added: 0, removed: 0, changed: 0 };
  const listed: DiffChange[] = [];
  const list = (change: DiffChange): void => {
    if (listed.length < MAX_CHANGES_LISTED) listed.push(change);
  };
  /** Marks a key's ancestors (and the key itself, unless marked) as having changes below. */
  const markInner = (path: string): void => {
    for (let at = path; ; at = parentOf(at)) {
      const folded = foldName(at);
      if (!keyMarks.has(folded)) keyMarks.set(folded, 'inner');
      if (!at.includes('\\')) break;
    }
  };
  const markKey = (path: string, mark: Mark): void => {
    keyMarks.set(foldName(path), mark);
    markInner(parentOf(path));
  };
  // A key of the shown tree by a change's root and key names (a name may hold a `\`).
  const rootOf = (path: string): number | undefined => parseKeyPath(path.slice(0, path.indexOf('\\')))?.root;
  const keyByNames = (path: string, names: readonly string[]): TreeKey | undefined => {
    const root = rootOf(path);
    return root === undefined ? undefined : treeKeyByNames(after, root, names);
  };
  for (const change of changes) {
    switch (change.op) {
      case 'add-key':
        counts.added++;
        markKey(change.path, 'added');
        list({ path: change.path, mark: 'added' });
        break;
      case 'remove-key': {
        counts.removed++;
        // The removed key is put back into the shown tree, marked, under its parent found
        // by its names (a name may hold a `\`).
        const parentNames = change.names.slice(0, -1);
        const parent = keyByNames(change.path, parentNames);
        const root = rootOf(change.path);
        if (parent !== undefined) (parent.subkeys ??= []).push(change.key);
        else if (root !== undefined && parentNames.length === 0) (after.roots[root] ??= []).push(change.key);
        markKey(change.path, 'removed');
        list({ path: change.path, mark: 'removed' });
        break;
      }
      case 'change-key-flags':
        counts.changed++;
        markKey(change.path, 'changed');
        list({ path: change.path, mark: 'changed' });
        break;
      case 'add-value':
      case 'remove-value':
      case 'change-value': {
        const value: TreeValue = change.op === 'change-value' ? change.after : change.value;
        const mark: Mark = change.op === 'add-value' ? 'added' : change.op === 'remove-value' ? 'removed' : 'changed';
        counts[mark === 'added' ? 'added' : mark === 'removed' ? 'removed' : 'changed']++;
        if (change.op === 'remove-value') keyByNames(change.path, change.names)?.values?.push(change.value);
        valueMarks.set(foldName(change.path) + '\0' + foldName(value.name), {
          mark,
          before: change.op === 'change-value' ? `${valueTypeName(change.before.type)} ${decodedText(change.before.type, change.before.data)}` : undefined,
        });
        markInner(change.path);
        list({ path: change.path, valueName: value.name, mark: mark as DiffChange['mark'] });
        break;
      }
    }
  }
  const bytes = encodeHive(after);
  return addDoc({
    name: `${a.name} → ${b.name}`,
    format: 'diff',
    bytes,
    hive: openHive(bytes),
    note: `differences from ${a.name} to ${b.name}, shown through a hive built in memory: offsets are of that hive`,
    keyMarks,
    valueMarks,
    diffCounts: counts,
    changes: listed,
  });
}

// --- export ----------------------------------------------------------------------------

/** The key names of a handle's path below its root, one by one. */
function keyNames(doc: Doc, handle: number): string[] {
  const names: string[] = [];
  for (let at = handle; at >= 0 && !(doc.nodes[at] instanceof HiveRoot); at = doc.parents[at] ?? -1) names.push(doc.nodes[at]!.name);
  return names.reverse();
}

/** The comment after a line read through a ROM hive attached although it failed the ROM check. */
const UNVERIFIED_COMMENT = 'unverified: the line above is from a ROM hive that failed the ROM check (attached anyway)';

/** A record's source as `dump -f json` writes it: a record from a ROM that failed the ROM check is `rom`, marked unverified. */
function jsonSource(source: string): { source: string; unverified?: true } {
  return source === UNVERIFIED_ROM ? { source: 'rom', unverified: true } : { source };
}

/** .reg text as desktop regedit writes it: UTF-16LE with a byte order mark and CR LF line ends. */
function utf16leWithBom(text: string): Uint8Array {
  const crlf = text.replace(/\r?\n/g, '\r\n');
  const bytes = new Uint8Array(2 + 2 * crlf.length);
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  for (let i = 0; i < crlf.length; i++) {
    const unit = crlf.charCodeAt(i);
    bytes[2 + 2 * i] = unit & 0xff;
    bytes[3 + 2 * i] = unit >>> 8;
  }
  return bytes;
}

/**
 * A subtree as `hivetool dump -k` writes it: `.reg` (`reg`: UTF-8 REGEDIT4 in the CE style;
 * `regedit`: a regedit 5 file, as `--reg-style regedit`) or JSON.
 */
function exportSubtree(doc: Doc, handle: number, format: 'reg' | 'regedit' | 'json'): string | Uint8Array {
  const node = doc.nodes[handle];
  if (node === undefined) throw new Error(`no key with handle ${handle}`);
  const path = doc.paths[handle]!;
  // Damaged records are skipped and noted, as `dump` does (docs/verify.md).
  const options = { includeStart: node instanceof HiveKey, skipDamaged: SKIP_DAMAGED };
  if (format === 'reg' || format === 'regedit') {
    const text = renderToString((out) => {
      const writer = new RegTextWriter(out, format === 'reg' ? 'ce' : 'regedit');
      writer.header();
      out.text('\n');
      // The header of `hivetool dump -f reg`: the file, its kind and ROM signature; then the ROM read through.
      writer.comment(`${doc.name}: ${doc.hive.kind} hive, ROM signature ${hexBytes(doc.hive.header.romSignature)}`);
      if (doc.romHive !== undefined && doc.romName !== undefined) {
        writer.comment(
          `read through the ROM hive ${doc.romName}, ROM signature ${hexBytes(doc.romHive.header.romSignature)}` + (doc.romUnverified === true ? ': it failed the ROM check and was attached anyway; lines from it are marked unverified' : ''),
        );
      }
      writer.comment(`exported: ${path}`);
      writer.start(path, keyNames(doc, handle));
      walkTree(
        node,
        path,
        {
          key(key, _keyPath, depth) {
            writer.storedKey(depth, key.store.bytes, key.nameOffset, key.nameLength, key.flags);
            if (key.source === UNVERIFIED_ROM) writer.comment(UNVERIFIED_COMMENT);
          },
          value(value) {
            const bytes = value.store.bytes;
            writer.valueFrom(bytes, value.nameOffset, value.nameLength, value.type, bytes, value.dataOffset, value.dataLength, value.flags);
            if (value.source === UNVERIFIED_ROM) writer.comment(UNVERIFIED_COMMENT);
          },
          unresolved(link, keyPath) {
            writer.comment(`unresolved in ${keyPath}: ${describeLink(link)}`);
          },
          damaged(error, keyPath) {
            writer.comment(`hivetool: damaged record skipped under ${keyPath}: ${error.message}`);
          },
        },
        options,
      );
    });
    return format === 'reg' ? text : utf16leWithBom(text);
  }
  // The shape of `hivetool dump --format json` (docs/json-schema.md), for one hive.
  const keys: Array<{ path: string; name: string; id: number; offset: number; source: string; unverified?: true; flags: number; values: unknown[] }> = [];
  const links: unknown[] = [];
  const skipped: unknown[] = [];
  walkTree(
    node,
    path,
    {
      key(key, keyPath) {
        keys.push({ path: keyPath, name: key.name, id: key.id, offset: key.offset, ...jsonSource(key.source), flags: key.flags, values: [] });
      },
      value(value) {
        keys[keys.length - 1]!.values.push({ ...jsonValue(value.name, value.type, value.flags, value.data), id: value.id, offset: value.offset, ...jsonSource(value.source) });
      },
      unresolved(link, keyPath) {
        links.push({ path: keyPath, link: link.link, ref: link.ref, store: link.store, id: link.id, offset: link.offset, reason: link.reason });
      },
      damaged(error, keyPath, lost) {
        skipped.push({ path: keyPath, code: error.code, offset: error.offset, lost, message: error.message });
      },
    },
    options,
  );
  const hive = {
    file: doc.name,
    kind: doc.hive.kind,
    fileLength: doc.bytes.length,
    romSignature: hexBytes(doc.hive.header.romSignature),
    ...(doc.romHive === undefined ? {} : { rom: { file: doc.romName, romSignature: hexBytes(doc.romHive.header.romSignature), ...(doc.romUnverified === true ? { unverified: true } : {}) } }),
    keys,
    unresolvedLinks: links,
    ...(skipped.length === 0 ? {} : { skippedRecords: skipped }),
  };
  return JSON.stringify({ format: 'hivetool-dump', schemaVersion: 1, hives: [hive] }, null, 1) + '\n';
}

// --- ROM --------------------------------------------------------------------------------

/**
 * Attaches a ROM hive after the one ROM check (`checkRom`, as every command that takes
 * `--rom` runs it): on a mismatch nothing is attached and the page is told what does not
 * match, unless `force`, when the ROM's records are labelled unverified.
 */
function attachRom(doc: Doc, file: OpenFile, force: boolean): AttachResult {
  if (doc.format !== 'hive') throw new ViewerError('a ROM hive can be attached to a hive file only');
  const romBytes = new Uint8Array(file.data);
  let romHive: Hive;
  try {
    romHive = openHive(romBytes, { source: 'rom' });
  } catch (error) {
    throw new ViewerError(`${file.name}: ${isHiveFormatError(error) ? 'not a valid hive: ' : ''}${describe(error)}`, error);
  }
  if (romHive.kind !== 'rom') throw new ViewerError(`${file.name}: not a ROM hive (its own references carry store nibble 0)`);
  if (doc.hive.kind !== 'persistent') throw new ViewerError(`${doc.name} is a ROM hive: only a persistent hive links into a ROM hive`);
  doc.pendingRom = undefined;
  const check = checkRom(openHive(doc.bytes, { kind: 'persistent', rom: romHive, brokenRomLinks: 'unresolved' }), romHive);
  if (!check.ok && !force) {
    doc.pendingRom = { name: file.name, bytes: romBytes, hive: romHive };
    const mismatch: RomMismatch = {
      file: doc.name,
      rom: file.name,
      problems: check.problems,
      signature: check.signature,
      role: check.role,
      links: { total: check.links.total, broken: check.links.broken, first: check.links.first.map((link) => ({ code: link.code, offset: link.offset, link: link.link, message: link.message })) },
    };
    return { mismatch };
  }
  return attach(doc, file.name, romBytes, romHive, !check.ok);
}

function attach(doc: Doc, name: string, romBytes: Uint8Array, romHive: Hive, unverified: boolean): AttachResult {
  // Over a ROM that failed the check, its records are labelled and a link that does not
  // resolve there is shown as unresolved rather than read.
  const rom = unverified ? romHive.withSource(UNVERIFIED_ROM) : romHive;
  const hive = openHive(doc.bytes, unverified ? { kind: 'persistent', rom, brokenRomLinks: 'unresolved' } : { rom });
  doc.hive = hive;
  doc.romHive = rom;
  doc.romBytes = romBytes;
  doc.romName = name;
  doc.romUnverified = unverified;
  doc.pendingRom = undefined;
  return { info: docInfo(doc) };
}

/** Answers one request; throws to report an error to the page. */
export function handle(request: Request): unknown {
  switch (request.op) {
    case 'open': {
      const name = request.file.name;
      try {
        const { format, bytes, note } = hiveOf(request.file);
        const hive = openHive(bytes);
        return docInfo(addDoc({ name, format, bytes, hive, note }));
      } catch (error) {
        // Worded as the command line words it (packages/cli/src/failures.ts).
        throw new ViewerError(`${name}: ${isHiveFormatError(error) ? 'not a valid hive: ' : ''}${describe(error)}`, error);
      }
    }
    case 'attachRom':
      return attachRom(docOf(request.doc), request.file, request.force === true);
    case 'forceRom': {
      const doc = docOf(request.doc);
      const pending = doc.pendingRom;
      if (pending === undefined) throw new ViewerError('no ROM hive is waiting to be attached');
      return attach(doc, pending.name, pending.bytes, pending.hive, true);
    }
    case 'children':
      return children(docOf(request.doc), request.handle);
    case 'details':
      return details(docOf(request.doc), request.handle);
    case 'hex':
      return hex(docOf(request.doc), request.source, request.offset, request.length);
    case 'reveal':
      return reveal(docOf(request.doc), request.path);
    case 'search':
      return search(request.docs, request.query, request.limit);
    case 'damage':
      return damage(docOf(request.doc));
    case 'deleted':
      return deletedBranch(docOf(request.doc));
    case 'verify':
      return verify(docOf(request.doc));
    case 'info':
      return info(docOf(request.doc));
    case 'diff':
      return docInfo(diff(docOf(request.a), docOf(request.b)));
    case 'export':
      return exportSubtree(docOf(request.doc), request.handle, request.format);
    case 'close':
      docs.delete(request.doc);
      return null;
  }
}
