/**
 * Messages between the page and the parsing worker. The page holds no file bytes once it
 * has handed them over: it asks the worker for rows, values and byte ranges as it needs them.
 */

/** Diff marks: `inner` is a key that is unchanged itself but has changes below it. */
export type Mark = 'added' | 'removed' | 'changed' | 'inner';

/** One key row of the tree. `handle` names the key in the worker for later requests. */
export interface RowInfo {
  handle: number;
  name: string;
  /** The key has a child chain (it may still turn out empty or broken when expanded). */
  hasChildren: boolean;
  flags: number;
  /** Which file the record is in: `file`, or `rom` for records reached in an attached ROM hive. */
  source: string;
  /** File offset of the key record (-1 for a root, which is a slot of the roots record). */
  offset: number;
  mark?: Mark | undefined;
  /** Set on a row standing for a link that was not followed, or for a read error. */
  problem?: string | undefined;
  /** Set on a key whose chain of subkeys or values holds a damaged record: what is wrong. */
  damaged?: string | undefined;
  /** Set on the branch of deleted records and on each deleted key: how it was recovered. */
  deleted?: string | undefined;
}

/** Whether a file is damaged (the `damage` request): what the walks skip, and the whole-file errors. */
export interface DamageInfo {
  damaged: boolean;
  /** Damaged records (or links) a walk from the roots skips, with what only they lead to. */
  skipped: number;
  /** The keys whose chains hold them (the first 1 000). */
  keys: string[];
  /** Errors of the whole file a walk does not meet (heap tiling, slots, …). */
  wholeFile: number;
  /** The first problem, as one line. */
  first?: string | undefined;
}

export interface ValueInfo {
  name: string;
  type: number;
  typeName: string;
  /** Data as text (strings, numbers) or as hex bytes when it is not text. */
  decoded: string;
  size: number;
  flags: number;
  source: string;
  /** File offset of the value record's block and its length (header included). */
  offset: number;
  recordLength: number;
  /** File offset of the data bytes. */
  dataOffset: number;
  mark?: Mark | undefined;
  /** For a changed value of a diff: the data before. */
  before?: string | undefined;
  problem?: string | undefined;
  /** Set on a deleted value: how it was recovered, from which key. */
  deleted?: string | undefined;
  /** Set on a deleted value whose type and length were zeroed: the range of data lengths the evidence allows. */
  inferred?: { min: number; max: number } | undefined;
}

export interface KeyDetails {
  path: string;
  name: string;
  flags: number;
  source: string;
  offset: number;
  recordLength: number;
  id: number;
  values: ValueInfo[];
  mark?: Mark | undefined;
  /** The branch of deleted records, or a deleted key: not part of the registry (nothing to export). */
  deleted?: boolean | undefined;
}

export interface DocInfo {
  doc: number;
  name: string;
  /** What the file is: hive, registry image, OEM stream, .reg text, or a diff of two files. */
  format: 'hive' | 'image' | 'oem-stream' | 'reg' | 'diff';
  /** For hives: rom or persistent. */
  kind: string;
  size: number;
  /** Name of the attached ROM hive, if any. */
  rom: string | undefined;
  /** The attached ROM failed the ROM check and was attached anyway: its records are marked unverified. */
  romUnverified?: boolean | undefined;
  /** The ROM signature in the file's header (hex), for hives. */
  romSignature?: string | undefined;
  /** What the offsets shown are offsets of, when they are not the file's own. */
  note: string | undefined;
  roots: RowInfo[];
  /** For a diff: how many changes of each kind. */
  diff?: { added: number; removed: number; changed: number } | undefined;
  /** For a diff: the changes in tree order (the first MAX_CHANGES_LISTED), for the list and next/previous change. */
  changes?: DiffChange[] | undefined;
}

/** One change of a diff: a key (no `valueName`) or a value of the key at `path`. */
export interface DiffChange {
  path: string;
  valueName?: string | undefined;
  mark: Exclude<Mark, 'inner'>;
}

/** What a ROM hive that fails the ROM check (`checkRom`) does not match, for the page to show before it is attached. */
export interface RomMismatch {
  file: string;
  rom: string;
  /** The check's plain sentences, most telling first (as the command line's error line says them). */
  problems: string[];
  signature: { hive: string; rom: string; match: boolean };
  role: { hive: string; rom: string; match: boolean };
  links: { total: number; broken: number; first: Array<{ code: string; offset: number; link: string; message: string }> };
}

/** The reply to attachRom: the file with the ROM attached, or what does not match (nothing attached). */
export type AttachResult = { info: DocInfo; mismatch?: undefined } | { info?: undefined; mismatch: RomMismatch };

/** What to search for, as `hivetool find` takes it. */
export interface SearchQuery {
  pattern: string;
  regex: boolean;
  /** Where to look; none set means all three. */
  keys: boolean;
  names: boolean;
  data: boolean;
  /** Only values of this type (REG_SZ, sz, dword, 4, …). */
  type?: string | undefined;
}

export interface SearchResult {
  hits: SearchHit[];
  truncated: boolean;
  /** Files whose walk could not go to the end, one line each (the hits before are kept). */
  errors: string[];
}

export interface SearchHit {
  doc: number;
  file: string;
  path: string;
  /** What matched: the key's path, a value's name, or a value's data. */
  where: 'key' | 'name' | 'data';
  valueName?: string | undefined;
  text: string;
  /** Set when only binary data read as text matched: how it was read. */
  matchedAs?: string | undefined;
  /** The record came from a ROM hive attached although it failed the ROM check. */
  unverified?: boolean | undefined;
}

export interface FindingInfo {
  severity: string;
  code: string;
  offset: number;
  message: string;
  count: number;
  /** The key (and value) whose record holds the offset, when one does. */
  path?: string | undefined;
  valueName?: string | undefined;
}

export interface VerifyInfo {
  summary: { errors: number; warnings: number; infos: number };
  boot: string;
  findings: FindingInfo[];
  error?: string | undefined;
}

export interface HexInfo {
  source: string;
  offset: number;
  bytes: Uint8Array;
  fileLength: number;
}

export interface OpenFile {
  name: string;
  data: ArrayBuffer;
}

export type Request =
  | { op: 'open'; file: OpenFile }
  | { op: 'attachRom'; doc: number; file: OpenFile; force?: boolean | undefined }
  | { op: 'forceRom'; doc: number }
  | { op: 'children'; doc: number; handle: number }
  | { op: 'details'; doc: number; handle: number }
  | { op: 'hex'; doc: number; source: string; offset: number; length: number }
  | { op: 'reveal'; doc: number; path: string }
  | { op: 'search'; docs: number[]; query: SearchQuery; limit: number }
  | { op: 'damage'; doc: number }
  | { op: 'deleted'; doc: number }
  | { op: 'verify'; doc: number }
  | { op: 'info'; doc: number }
  | { op: 'diff'; a: number; b: number }
  | { op: 'export'; doc: number; handle: number; format: 'reg' | 'regedit' | 'json' }
  | { op: 'close'; doc: number };

export interface RevealResult {
  /** Children lists along the path: `levels[0]` the roots, `levels[i]` the children of the i-th key. */
  levels: RowInfo[][];
  /** Index in each level of the key on the path. */
  indexes: number[];
  found: boolean;
  /** The path as stored, as far as it was found. */
  path: string;
}

export interface InfoResult {
  rows: Array<[string, string]>;
  statistics: Array<[string, string]>;
  error?: string | undefined;
}

export interface Envelope {
  id: number;
  request: Request;
}

export interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  /** The error as one line, and the codec error's code and file offset when it has them. */
  error?: string;
  code?: string;
  offset?: number;
}
