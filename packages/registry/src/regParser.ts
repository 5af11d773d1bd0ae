/**
 * The `.reg` parser, from UTF-8 bytes into the columnar tree (`RegTreeBuilder`). Over 400
 * lines because it is one scanner: line finding, continuation joining, key lines, value
 * lines and every data form (`dword:`, `hex(N):`, quoted strings with escapes,
 * `multi_sz:`) share the cursor, the reused buffers and the error position
 * (file:line:column); splitting it would pass that state between modules on every line.
 */
import { CompactTree, NONE } from './compactTree.js';
import { RegParseError, type RegErrorCode } from './regErrors.js';
import { rootIndex } from './roots.js';
import type { HiveTree } from './tree.js';
import { ValueType } from './valueTypes.js';

/** Longest name a hive can store, in UTF-16 units (format guide §8). */
export const MAX_NAME_UNITS = 255;
/** Largest value data a hive can store. */
export const MAX_DATA_BYTES = 0xffff;
/** The stored name of the unnamed value, written `@` in .reg text (format guide §8). */
export const DEFAULT_VALUE_NAME = 'Default';

const KEY_FLAGS_NOTE = /^;\s*key flags (0x[0-9a-fA-F]{1,4})\b/;
const VALUE_FLAGS_NOTE = /^;\s*value flags (0x[0-9a-fA-F]{1,2})\b/;
// Lines regedit continues with a trailing backslash: hex data (and CE's multi_sz lists).
const CONTINUABLE = /=\s*(hex(\([0-9a-fA-F]{1,8}\))?|multi_sz):/i;
// A line the registry compiler's preprocessor reads (`#include`, `#if`…), not a comment.
const DIRECTIVE = /^#\s*(include|if|ifdef|ifndef|elif|else|endif|define|undef|error|warning|pragma)\b/;

const HEADER_4 = ascii('REGEDIT4');
const HEADER_5 = ascii('Windows Registry Editor Version 5.00');
const DEFAULT_NAME = ascii(DEFAULT_VALUE_NAME);

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const SEMICOLON = 0x3b;

/** Something worth telling the user that did not stop the parse. */
export interface RegWarning {
  code: 'PREPROCESSOR_DIRECTIVE' | 'UNRECOGNISED_LINE';
  file: string;
  line: number;
  what: string;
}

export interface RegTreeBuilderOptions {
  /**
   * Put keys and values the texts create at the head of their chains, as Windows CE's
   * registry does, instead of the end (file order). Used when editing an existing tree:
   * the untouched tail of each chain can then be shared with a ROM hive.
   */
  newEntriesFirst?: boolean;
  /**
   * Most keys and values the tree may hold at once; one more is a `LIMIT_EXCEEDED` error
   * at the line that adds it (a hive holds at most 4096 × 1024 records). Unlimited if not given.
   */
  maxRecords?: number;
  /**
   * A line that is no key, value, comment or header (stray text, a ruler of dashes): an
   * error (`SYNTAX`, the default), or left out with an `UNRECOGNISED_LINE` warning, as
   * `hivetool compile` leaves it out (its reginit.ini keeps such lines).
   */
  unrecognisedLines?: 'error' | 'skip';
}

/**
 * Length in bytes of the JavaScript whitespace character (what `String.prototype.trim`
 * removes) at `p`, or 0. Line breaks never occur inside a line.
 */
function spaceAt(bytes: Uint8Array, p: number, end: number): number {
  const b = bytes[p]!;
  if (b < 0x80) return b === 0x20 || (b >= 0x09 && b <= 0x0d) ? 1 : 0;
  if (b === 0xc2) return p + 1 < end && bytes[p + 1] === 0xa0 ? 2 : 0;
  if (p + 2 >= end) return 0;
  const b1 = bytes[p + 1]!;
  const b2 = bytes[p + 2]!;
  if (b === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
  if (b === 0xe2) {
    if (b1 === 0x80) return b2 <= 0x8a || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0;
    return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
  }
  if (b === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
  if (b === 0xef) return b1 === 0xbb && b2 === 0xbf ? 3 : 0;
  return 0;
}

/** Length of the whitespace character that ends just before `end` (not before `start`), or 0. */
function spaceBefore(bytes: Uint8Array, start: number, end: number): number {
  const last = bytes[end - 1]!;
  if (last < 0x80) return last === 0x20 || (last >= 0x09 && last <= 0x0d) ? 1 : 0;
  if (end - 2 >= start && spaceAt(bytes, end - 2, end) === 2) return 2;
  if (end - 3 >= start && spaceAt(bytes, end - 3, end) === 3) return 3;
  return 0;
}

function skipSpace(bytes: Uint8Array, p: number, end: number): number {
  for (let n; p < end && (n = spaceAt(bytes, p, end)) > 0; ) p += n;
  return p;
}

function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let n; end > start && (n = spaceBefore(bytes, start, end)) > 0; ) end -= n;
  return end;
}

const utf8 = new TextDecoder();

/** UTF-16 units of the UTF-8 bytes `start … end` (what a JavaScript string of them would count). */
function unitsOf(bytes: Uint8Array, start: number, end: number): number {
  let units = 0;
  for (let p = start; p < end; p++) {
    const b = bytes[p]!;
    if (b < 0x80 || b >= 0xc0) units += b >= 0xf0 ? 2 : 1;
  }
  return units;
}

/**
 * Decodes one UTF-8 sequence at `p` into `sequence` (the unit or the code point, and its
 * length). Lenient: an encoded surrogate becomes that unit (how `apply` passes a string's
 * lone surrogates through), a byte that starts no valid sequence becomes U+FFFD.
 */
let sequenceLength = 1;
function codePointAt(bytes: Uint8Array, p: number, end: number): number {
  const b = bytes[p]!;
  if (b < 0x80) {
    sequenceLength = 1;
    return b;
  }
  if (b >= 0xc2 && b <= 0xdf && p + 1 < end && (bytes[p + 1]! & 0xc0) === 0x80) {
    sequenceLength = 2;
    return ((b & 0x1f) << 6) | (bytes[p + 1]! & 0x3f);
  }
  if (b >= 0xe0 && b <= 0xef && p + 2 < end && (bytes[p + 1]! & 0xc0) === 0x80 && (bytes[p + 2]! & 0xc0) === 0x80) {
    sequenceLength = 3;
    return ((b & 0x0f) << 12) | ((bytes[p + 1]! & 0x3f) << 6) | (bytes[p + 2]! & 0x3f);
  }
  if (b >= 0xf0 && b <= 0xf4 && p + 3 < end && (bytes[p + 1]! & 0xc0) === 0x80 && (bytes[p + 2]! & 0xc0) === 0x80 && (bytes[p + 3]! & 0xc0) === 0x80) {
    sequenceLength = 4;
    return ((b & 0x07) << 18) | ((bytes[p + 1]! & 0x3f) << 12) | ((bytes[p + 2]! & 0x3f) << 6) | (bytes[p + 3]! & 0x3f);
  }
  sequenceLength = 1;
  return 0xfffd;
}

/** A string as UTF-8, except that a lone surrogate is kept as its 3-byte form (decoded back by codePointAt). */
function encodeKeepingSurrogates(text: string): Uint8Array {
  const bytes = new Uint8Array(3 * text.length);
  let p = 0;
  for (let i = 0; i < text.length; i++) {
    let point = text.charCodeAt(i);
    if (point < 0x80) {
      bytes[p++] = point;
      continue;
    }
    if (point < 0x800) {
      bytes[p++] = 0xc0 | (point >> 6);
      bytes[p++] = 0x80 | (point & 0x3f);
      continue;
    }
    if (point >= 0xd800 && point <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        point = 0x10000 + ((point - 0xd800) << 10) + (next - 0xdc00);
        i++;
        bytes[p++] = 0xf0 | (point >> 18);
        bytes[p++] = 0x80 | ((point >> 12) & 0x3f);
        bytes[p++] = 0x80 | ((point >> 6) & 0x3f);
        bytes[p++] = 0x80 | (point & 0x3f);
        continue;
      }
    }
    bytes[p++] = 0xe0 | (point >> 12);
    bytes[p++] = 0x80 | ((point >> 6) & 0x3f);
    bytes[p++] = 0x80 | (point & 0x3f);
  }
  return bytes.subarray(0, p);
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Whether the bytes at `p` are `prefix` (lowercase ASCII), compared ASCII case-insensitively. */
function startsWithAt(bytes: Uint8Array, p: number, end: number, prefix: string): boolean {
  if (p + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) {
    const b = bytes[p + i]!;
    const lower = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
    if (lower !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

function sameBytes(bytes: Uint8Array, p: number, end: number, expected: Uint8Array): boolean {
  if (end - p !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[p + i] !== expected[i]) return false;
  return true;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Builds a registry tree from .reg texts applied in order, as regedit imports them:
 * `[KEY]` creates the key and its missing parents, `[-KEY]` deletes a subtree, `"n"=-`
 * deletes a value, a value set twice keeps its first position. Key and value names match
 * case-insensitively. Besides regedit 4/5 syntax, it reads the CE forms `multi_sz:"a","b"`
 * and `mui_sz:"…"`, and hivetool's `; key flags 0x…` and `; value flags 0x…` notes. A `;`
 * after a value starts a comment, as in regedit.
 *
 * The text is read as UTF-8 bytes, line by line, names and strings transcoded straight
 * into the UTF-16LE pools of a `CompactTree`: no string is made per line, name or value.
 */
export class RegTreeBuilder {
  private readonly compactTree: CompactTree;
  private readonly newEntriesFirst: boolean;
  private readonly maxRecords: number;
  private readonly skipUnrecognised: boolean;
  /** Warnings met so far (the first 100; `warningCount` counts them all). */
  readonly warnings: RegWarning[] = [];
  warningCount = 0;

  // The key path last reached through a [KEY] line: its bytes, root, and per component
  // the end of its bytes and its key. Input in tree order reaches most keys through their
  // parent's path, which is then not looked up again.
  private cachedPath = new Uint8Array(256);
  private cachedPathLength = 0;
  private cachedRoot = -1;
  private cachedEnds: number[] = [];
  private cachedKeys: number[] = [];

  // The text being parsed: one logical line at a time, `lineBytes[lineStart … lineEnd]`.
  private file = '<input>';
  private lineBytes: Uint8Array = NO_BYTES;
  private lineStart = 0;
  private lineEnd = 0;
  // The physical lines of the logical line: where each starts in it (bytes), its number, its indentation (UTF-16 units).
  private segmentCount = 0;
  private segmentStarts: number[] = [];
  private segmentLines: number[] = [];
  private segmentColumns: number[] = [];
  private joined = new Uint8Array(256);
  // The next carriage return at or after the line being read (-1: none left; -2: not looked for).
  private nextReturn = -2;
  /** Where the line after the one `lineBreak` measured starts. */
  private nextLine = 0;

  constructor(options: RegTreeBuilderOptions = {}, compact = new CompactTree()) {
    this.compactTree = compact;
    this.newEntriesFirst = options.newEntriesFirst ?? false;
    this.maxRecords = options.maxRecords ?? Infinity;
    this.skipUnrecognised = options.unrecognisedLines === 'skip';
  }

  /**
   * A builder that starts from an existing tree (copied: the tree given is not changed),
   * so .reg texts apply to it as changes: how `build --rom` edits a ROM hive's registry.
   */
  static fromTree(tree: HiveTree, options: RegTreeBuilderOptions = {}): RegTreeBuilder {
    return new RegTreeBuilder(options, CompactTree.fromTree(tree));
  }

  /**
   * Applies one .reg text. A leading BOM is ignored; the header line is optional (CE's
   * platform.reg files have none).
   *
   * @throws {RegParseError} naming `file`, line and column.
   */
  apply(text: string, file = '<input>'): this {
    return this.applyBytes(encodeKeepingSurrogates(text), file);
  }

  /**
   * Applies one .reg text given as UTF-8 bytes (a leading UTF-8 BOM is ignored). Bytes
   * that are not UTF-8 read as U+FFFD: see `regTextBytes` for telling encodings apart.
   *
   * @throws {RegParseError} naming `file`, line and column.
   */
  applyBytes(bytes: Uint8Array, file = '<input>'): this {
    try {
      return this.applyText(bytes, file);
    } finally {
      // The builder keeps what it parsed, not the text: it can be freed once applied
      // (`build` of a large .reg then never holds the text and the hive at once).
      this.lineBytes = NO_BYTES;
    }
  }

  private applyText(bytes: Uint8Array, file: string): this {
    this.file = file;
    this.compactTree.reserveText(bytes.length);
    this.invalidatePath();
    let current = NONE;
    let deleting = false;
    let rootOnly = false;
    let pendingValueFlags = -1;
    const end = bytes.length;
    let p = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let line = 0;
    this.nextReturn = -2;
    while (p < end) {
      // Blank lines, fast: no line is set up for them.
      const b = bytes[p];
      if (b === 0x0a || b === 0x0d) {
        line++;
        p += b === 0x0d && bytes[p + 1] === 0x0a ? 2 : 1;
        continue;
      }
      line++;
      const firstLine = line;
      const stop = this.lineBreak(bytes, p);
      let next = this.nextLine;
      let lineEnd = trimEnd(bytes, p, stop);
      this.lineBytes = bytes;
      this.lineStart = p;
      this.segmentCount = 1;
      this.segmentStarts[0] = 0;
      this.segmentLines[0] = firstLine;
      this.segmentColumns[0] = 0;
      if (lineEnd > p && bytes[lineEnd - 1] === BACKSLASH && this.continuable(bytes, p, lineEnd)) {
        // A backslash at the end continues the data on the next line, whose indentation is
        // dropped: the pieces are joined into one logical line.
        let length = this.append(0, bytes, p, lineEnd - 1);
        // A text ending in a line break has one more, empty, line after it.
        for (let physical = next; physical < end || (physical === end && end > 0); ) {
          line++;
          const physicalStop = this.lineBreak(bytes, physical);
          const textStart = skipSpace(bytes, physical, physicalStop);
          let textEnd = trimEnd(bytes, textStart, physicalStop);
          this.addSegment(length, line, unitsOf(bytes, physical, textStart));
          const more = textEnd > textStart && bytes[textEnd - 1] === BACKSLASH;
          if (more) textEnd--;
          length = this.append(length, bytes, textStart, textEnd);
          next = this.nextLine;
          physical = next;
          if (!more) break;
        }
        this.lineBytes = this.joined;
        this.lineStart = 0;
        lineEnd = length;
      }
      p = next;
      this.lineEnd = lineEnd;

      // The logical line.
      const text = this.lineBytes;
      const start = this.lineStart;
      const stopAt = lineEnd;
      let q = start;
      while (q < stopAt && (text[q] === 0x20 || text[q] === 0x09)) q++;
      const valueLineStart = q;
      const trimmedStart = skipSpace(text, start, stopAt);
      const trimmedEnd = trimEnd(text, trimmedStart, stopAt);
      if (trimmedStart >= trimmedEnd) continue;
      const first = text[trimmedStart]!;
      if (first === SEMICOLON || first === 0x23) {
        const comment = utf8.decode(text.subarray(trimmedStart, trimmedEnd));
        if (first === 0x23) {
          if (DIRECTIVE.test(comment)) this.warn(firstLine, `a preprocessor directive (${comment.slice(0, 60)}) is read here as a comment: use hivetool compile for preprocessor directives`);
          continue;
        }
        const keyFlags = KEY_FLAGS_NOTE.exec(comment);
        if (keyFlags !== null && current !== NONE && !deleting) this.compactTree.keyFlags[current] = parseInt(keyFlags[1]!, 16);
        const valueFlags = VALUE_FLAGS_NOTE.exec(comment);
        if (valueFlags !== null) pendingValueFlags = parseInt(valueFlags[1]!, 16);
        continue;
      }
      // A header line may also start a second text appended to a first (a patch after a dump).
      if (sameBytes(text, trimmedStart, trimmedEnd, HEADER_4) || sameBytes(text, trimmedStart, trimmedEnd, HEADER_5)) continue;
      const c = text[q];
      if (c === 0x5b) {
        current = this.keyLine(q);
        deleting = this.keyDeleting;
        rootOnly = this.keyRootOnly;
        pendingValueFlags = -1;
        continue;
      }
      if (c !== QUOTE && c !== 0x40) {
        if (!this.skipUnrecognised) this.fail('SYNTAX', 'expected [KEY], "name"=value, @=value or a ; comment', q);
        this.warn(firstLine, `not a key, value or comment line: left out: ${utf8.decode(text.subarray(trimmedStart, Math.min(trimmedEnd, trimmedStart + 60)))}`, 'UNRECOGNISED_LINE');
        continue;
      }
      const tree = this.compactTree;
      let nameOffset: number;
      let nameUnits: number;
      if (c === 0x40) {
        tree.reserveNames(DEFAULT_NAME.length * 2);
        nameOffset = tree.namesLength;
        for (let i = 0; i < DEFAULT_NAME.length; i++) {
          tree.names[nameOffset + 2 * i] = DEFAULT_NAME[i]!;
          tree.names[nameOffset + 2 * i + 1] = 0;
        }
        nameUnits = DEFAULT_NAME.length;
        q++;
      } else {
        nameOffset = tree.namesLength;
        nameUnits = this.quoted(q, true, MAX_NAME_UNITS + 1);
        q = this.after;
      }
      if (nameUnits > MAX_NAME_UNITS) this.fail('LIMIT_EXCEEDED', `value name longer than ${MAX_NAME_UNITS} UTF-16 units`, valueLineStart);
      while (q < stopAt && (text[q] === 0x20 || text[q] === 0x09)) q++;
      if (text[q] !== 0x3d || q >= stopAt) this.fail('SYNTAX', 'expected = after the value name', q);
      q++;
      while (q < stopAt && (text[q] === 0x20 || text[q] === 0x09)) q++;
      if (deleting) continue; // values under a [-KEY] line are ignored, as regedit does
      if (current === NONE) {
        this.fail('VALUE_OUTSIDE_KEY', rootOnly ? 'a root holds no values in a hive: put the value under a key' : 'value line before any [KEY] line', valueLineStart);
      }
      if (q < stopAt && text[q] === 0x2d && skipSpace(text, q + 1, stopAt) >= stopAt) {
        const doomed = tree.findValue(current, nameOffset, nameUnits);
        if (doomed !== NONE) tree.removeValue(doomed);
        continue;
      }
      const valueStart = q;
      tree.reserveData(0);
      const dataOffset = tree.dataLength;
      const type = this.valueData(q);
      const dataLength = this.dataWritten;
      if (dataLength > MAX_DATA_BYTES) this.fail('LIMIT_EXCEEDED', `value data longer than ${MAX_DATA_BYTES} bytes`, valueStart);
      const flags = pendingValueFlags < 0 ? 0 : pendingValueFlags;
      pendingValueFlags = -1;
      tree.dataLength = dataOffset + dataLength;
      const existing = tree.findValue(current, nameOffset, nameUnits);
      if (existing !== NONE) {
        // Setting an existing value keeps its stored name (and place), as the registry does.
        // A value line with no flags note means flags 0, also when it replaces a value.
        tree.valueType[existing] = type;
        tree.valueDataOffset[existing] = dataOffset;
        tree.valueDataLength[existing] = dataLength;
        tree.valueFlags[existing] = flags;
      } else {
        this.checkRoom(valueLineStart);
        tree.namesLength = nameOffset + 2 * nameUnits;
        tree.addValue(current, nameOffset, nameUnits, type, dataOffset, dataLength, flags, this.newEntriesFirst, true);
      }
    }
    return this;
  }

  /**
   * The end of the physical line starting at `p` (a line ends at CR LF, LF or CR); sets
   * `nextLine`. Each byte is searched once: the next CR is kept until passed.
   */
  private lineBreak(bytes: Uint8Array, p: number): number {
    let stop = bytes.indexOf(0x0a, p);
    if (stop < 0) stop = bytes.length;
    if (this.nextReturn !== -1 && this.nextReturn < p) this.nextReturn = bytes.indexOf(0x0d, p);
    const r = this.nextReturn;
    if (r >= 0 && r < stop) {
      this.nextLine = bytes[r + 1] === 0x0a ? r + 2 : r + 1;
      return r;
    }
    this.nextLine = stop + 1;
    return stop;
  }

  private addSegment(start: number, line: number, column: number): void {
    const index = this.segmentCount++;
    this.segmentStarts[index] = start;
    this.segmentLines[index] = line;
    this.segmentColumns[index] = column;
  }

  /** Appends `bytes[from … to]` to the joined line at `length`; returns the new length. */
  private append(length: number, bytes: Uint8Array, from: number, to: number): number {
    if (length + to - from > this.joined.length) {
      const joined = new Uint8Array(Math.max(2 * this.joined.length, length + to - from));
      joined.set(this.joined.subarray(0, length));
      this.joined = joined;
    }
    this.joined.set(bytes.subarray(from, to), length);
    return length + to - from;
  }

  /** Whether a line ending in a backslash continues (`=hex…:` or `=multi_sz:` in it). */
  private continuable(bytes: Uint8Array, start: number, end: number): boolean {
    for (let p = start; p < end; p++) {
      if (bytes[p]! >= 0x80 || bytes[p] === 0x0b || bytes[p] === 0x0c) return CONTINUABLE.test(utf8.decode(bytes.subarray(start, end)));
    }
    for (let p = bytes.indexOf(0x3d, start); p >= 0 && p < end; p = bytes.indexOf(0x3d, p + 1)) {
      let q = p + 1;
      while (q < end && (bytes[q] === 0x20 || bytes[q] === 0x09)) q++;
      if (startsWithAt(bytes, q, end, 'multi_sz:') || startsWithAt(bytes, q, end, 'hex:')) return true;
      if (startsWithAt(bytes, q, end, 'hex(')) {
        let digits = 0;
        q += 4;
        while (q < end && hexDigit(bytes[q]!) >= 0) {
          q++;
          digits++;
        }
        if (digits >= 1 && digits <= 8 && bytes[q] === 0x29 && bytes[q + 1] === 0x3a) return true;
      }
    }
    return false;
  }

  private warn(line: number, what: string, code: RegWarning['code'] = 'PREPROCESSOR_DIRECTIVE'): void {
    this.warningCount++;
    if (this.warnings.length < 100) this.warnings.push({ code, file: this.file, line, what });
  }

  private checkRoom(at: number): void {
    if (this.compactTree.liveKeys + this.compactTree.liveValues >= this.maxRecords) {
      this.fail('LIMIT_EXCEEDED', `more than ${this.maxRecords} keys and values: more than a hive can hold`, at);
    }
  }

  private invalidatePath(): void {
    this.cachedRoot = -1;
    this.cachedPathLength = 0;
    this.cachedEnds.length = 0;
    this.cachedKeys.length = 0;
  }

  // Ends (offsets in the line) of the components of the key line being read; [0] ends the root.
  private componentEnds = new Int32Array(64);
  /** Set by keyLine: whether the line deletes, and whether it names a root only. */
  private keyDeleting = false;
  private keyRootOnly = false;

  /** A `[KEY]` or `[-KEY]` line whose `[` is at `open`; returns the key values now go to, or NONE. */
  private keyLine(open: number): number {
    const text = this.lineBytes;
    const lineEnd = this.lineEnd;
    let close = lineEnd - 1;
    while (close > open && text[close] !== 0x5d) close--;
    if (close <= open) this.fail('SYNTAX', 'key line has no closing ]', open);
    if (skipSpace(text, close + 1, lineEnd) < lineEnd) this.fail('SYNTAX', 'unexpected text after the key', close + 1);
    let start = open + 1;
    const deleting = text[start] === 0x2d;
    if (deleting) start++;
    this.keyDeleting = deleting;
    this.keyRootOnly = false;
    // Split at backslashes, once: the root, then the key names.
    let count = 0;
    let ends = this.componentEnds;
    for (let p = start; ; p++) {
      if (p === close || text[p] === BACKSLASH) {
        if (count === ends.length) {
          const more = new Int32Array(2 * ends.length);
          more.set(ends);
          ends = this.componentEnds = more;
        }
        ends[count++] = p;
        if (p === close) break;
      }
    }
    const rootEnd = ends[0]!;
    // The root is compared as bytes with the one of the path reached last before decoding it.
    const sameRoot = this.cachedRoot >= 0 && rootEnd - start <= this.cachedPathLength && (this.cachedPathLength === rootEnd - start || this.cachedPath[rootEnd - start] === BACKSLASH) && this.sameRange(text, start, start, rootEnd);
    let root: number;
    if (sameRoot) {
      root = this.cachedRoot;
    } else {
      const rootText = utf8.decode(text.subarray(start, rootEnd));
      root = rootIndex(rootText);
      if (root < 0) this.fail('UNKNOWN_ROOT', `"${rootText}" is not a root (HKEY_LOCAL_MACHINE, HKLM, HKCU, HKCR, HKU)`, start);
    }
    // Every name is checked before any key is made.
    for (let i = 1; i < count; i++) {
      const from = ends[i - 1]! + 1;
      const to = ends[i]!;
      if (to === from) this.fail('EMPTY_KEY_NAME', 'empty key name in the path (doubled or trailing backslash)', from);
      if (to - from > MAX_NAME_UNITS && unitsOf(text, from, to) > MAX_NAME_UNITS) this.fail('LIMIT_EXCEEDED', `key name longer than ${MAX_NAME_UNITS} UTF-16 units`, from);
    }
    const tree = this.compactTree;
    if (deleting) {
      this.invalidatePath();
      if (count === 1) {
        tree.clearRoot(root);
        return NONE;
      }
      let key = tree.roots[root]!;
      for (let i = 1; i < count && key !== NONE; i++) {
        const offset = tree.namesLength;
        const units = this.transcodeName(ends[i - 1]! + 1, ends[i]!);
        key = tree.findChild(key, offset, units);
        tree.namesLength = offset;
      }
      if (key !== NONE) tree.removeKey(key);
      return NONE;
    }
    if (count === 1) {
      // A root itself holds no values in a hive; values under it would be lost.
      this.keyRootOnly = true;
      return NONE;
    }
    // Names shared with the path reached last are not looked up again.
    let depth = 0;
    let parent = tree.roots[root]!;
    if (sameRoot) {
      const cachedEnds = this.cachedEnds;
      const cachedKeys = this.cachedKeys;
      while (depth < cachedKeys.length && depth + 1 < count) {
        const from = ends[depth]! + 1;
        const to = ends[depth + 1]!;
        if (cachedEnds[depth] !== to - start || !this.sameRange(text, start, from, to)) break;
        parent = cachedKeys[depth]!;
        depth++;
      }
    }
    this.cachedKeys.length = depth;
    this.cachedEnds.length = depth;
    for (let i = depth + 1; i < count; i++) {
      const from = ends[i - 1]! + 1;
      const to = ends[i]!;
      const offset = tree.namesLength;
      const units = this.transcodeName(from, to);
      let child = tree.findChild(parent, offset, units);
      if (child === NONE) {
        this.checkRoom(from);
        tree.namesLength = offset + 2 * units;
        child = tree.addKey(parent, offset, units, this.newEntriesFirst, true);
      } else {
        tree.namesLength = offset;
      }
      this.cachedKeys.push(child);
      this.cachedEnds.push(to - start);
      parent = child;
    }
    // Remember this path's bytes for the next key line.
    if (close - start > this.cachedPath.length) this.cachedPath = new Uint8Array(2 * (close - start));
    this.cachedPath.set(text.subarray(start, close));
    this.cachedPathLength = close - start;
    this.cachedRoot = root;
    return parent;
  }

  /** Whether `text[from … to]` equals the cached path's bytes at the same place (the path starting at `start`). */
  private sameRange(text: Uint8Array, start: number, from: number, to: number): boolean {
    const cached = this.cachedPath;
    for (let i = from; i < to; i++) if (cached[i - start] !== text[i]) return false;
    return true;
  }

  /** Transcodes a key name (`from … to` of the line) to UTF-16LE at the end of the name pool, not committed; returns its units. */
  private transcodeName(from: number, to: number): number {
    const tree = this.compactTree;
    tree.reserveNames(2 * (to - from));
    const names = tree.names;
    const text = this.lineBytes;
    let out = tree.namesLength;
    for (let p = from; p < to; ) {
      const b = text[p]!;
      if (b < 0x80) {
        names[out++] = b;
        names[out++] = 0;
        p++;
        continue;
      }
      out = putUnits(names, out, codePointAt(text, p, to));
      p += sequenceLength;
    }
    return (out - tree.namesLength) >> 1;
  }

  /** Where the last `quoted` call stopped (after the closing quote). */
  private after = 0;

  /**
   * A double-quoted string with regedit's escapes (`\\` and `\"`) at `open`, transcoded to
   * UTF-16LE at the end of the name pool (`toNames`) or of the data pool. Units past `cap`
   * are counted, not stored. Returns the units.
   */
  private quoted(open: number, toNames: boolean, cap: number): number {
    const text = this.lineBytes;
    const end = this.lineEnd;
    const tree = this.compactTree;
    const room = 2 * Math.min(end - open, cap) + 4;
    let target: Uint8Array;
    let out: number;
    if (toNames) {
      tree.reserveNames(room);
      target = tree.names;
      out = tree.namesLength;
    } else {
      tree.reserveData(this.dataWritten + room);
      target = tree.data;
      out = tree.dataLength + this.dataWritten;
    }
    const limit = out + 2 * cap;
    let units = 0;
    let p = open + 1;
    for (;;) {
      if (p >= end) this.fail('UNTERMINATED_STRING', 'string has no closing quote', open);
      let b = text[p]!;
      if (b === QUOTE) {
        this.after = p + 1;
        return units;
      }
      if (b === BACKSLASH) {
        const next = p + 1 < end ? text[p + 1] : undefined;
        if (next !== BACKSLASH && next !== QUOTE) this.fail('BAD_ESCAPE', 'only \\\\ and \\" are escapes in a .reg string', p);
        b = next;
        p++;
      }
      if (b < 0x80) {
        if (out < limit) {
          target[out++] = b;
          target[out++] = 0;
        }
        units++;
        p++;
        continue;
      }
      const point = codePointAt(text, p, end);
      p += sequenceLength;
      if (point >= 0x10000) {
        if (out + 2 < limit) out = putUnits(target, out, point);
        units += 2;
      } else {
        if (out < limit) out = putUnits(target, out, point);
        units++;
      }
    }
  }

  /** Bytes the last value's data takes at the end of the data pool (counted past the cap too). */
  private dataWritten = 0;

  private putDataByte(byte: number): void {
    const tree = this.compactTree;
    if (this.dataWritten <= MAX_DATA_BYTES) {
      if (tree.dataLength + this.dataWritten >= tree.data.length) tree.reserveData(this.dataWritten + 1);
      tree.data[tree.dataLength + this.dataWritten] = byte;
    }
    this.dataWritten++;
  }

  /** A value's data at `p`, written at the end of the data pool (`dataWritten` bytes); returns its type. */
  private valueData(p: number): number {
    const text = this.lineBytes;
    const end = this.lineEnd;
    this.dataWritten = 0;
    if (text[p] === QUOTE) {
      this.stringData(p);
      this.expectEnd(this.after);
      return ValueType.SZ;
    }
    if (startsWithAt(text, p, end, 'dword:')) {
      const start = p + 6;
      let q = skipSpace(text, start, end);
      let value = 0;
      let digits = 0;
      for (let d; q < end && (d = hexDigit(text[q]!)) >= 0; q++) {
        value = value * 16 + d;
        digits++;
      }
      q = skipSpace(text, q, end);
      if (digits === 0 || digits > 8 || (q < end && text[q] !== SEMICOLON)) this.fail('BAD_DWORD', 'dword: takes 1 to 8 hex digits', start);
      this.putDataByte(value & 0xff);
      this.putDataByte((value >>> 8) & 0xff);
      this.putDataByte((value >>> 16) & 0xff);
      this.putDataByte(value >>> 24);
      return ValueType.DWORD;
    }
    if (startsWithAt(text, p, end, 'hex:')) {
      this.hexBytes(p + 4);
      return ValueType.BINARY;
    }
    if (startsWithAt(text, p, end, 'hex(')) {
      const start = p + 4;
      let close = -1;
      for (let q = start; q + 1 < end; q++) {
        if (text[q] === 0x29 && text[q + 1] === 0x3a) {
          close = q;
          break;
        }
      }
      let type = 0;
      // Microsoft's reference writes hex(xxxxxxxx): 1 to 8 hex digits.
      let ok = close > start && close - start <= 8;
      for (let q = start; ok && q < close; q++) {
        const d = hexDigit(text[q]!);
        if (d < 0) ok = false;
        type = type * 16 + d;
      }
      if (!ok) this.fail('BAD_HEX', 'hex(N): takes a type number N of 1 to 8 hex digits', start);
      // A hive stores the type in 16 bits (format guide §8).
      if (type > 0xffff) this.fail('BAD_HEX', `hex(${type.toString(16)}): type number 0x${type.toString(16)} is above 0xFFFF, the largest a hive stores (16 bits)`, start);
      this.hexBytes(close + 2);
      return type;
    }
    if (startsWithAt(text, p, end, 'multi_sz:')) {
      // Each string terminated, then one more NUL ends the list; an empty list is one NUL.
      let q = p + 9;
      while (q < end && (text[q] === 0x20 || text[q] === 0x09)) q++;
      while (q < end && text[q] !== SEMICOLON) {
        if (text[q] !== QUOTE) this.fail('SYNTAX', 'expected a quoted string', q);
        this.stringData(q);
        q = this.after;
        while (q < end && (text[q] === 0x20 || text[q] === 0x09)) q++;
        if (q >= end || text[q] === SEMICOLON) break;
        if (text[q] !== 0x2c) this.fail('SYNTAX', 'expected a comma between strings', q);
        q++;
        while (q < end && (text[q] === 0x20 || text[q] === 0x09)) q++;
      }
      this.putDataByte(0);
      this.putDataByte(0);
      return ValueType.MULTI_SZ;
    }
    if (startsWithAt(text, p, end, 'mui_sz:')) {
      let q = p + 7;
      while (q < end && (text[q] === 0x20 || text[q] === 0x09)) q++;
      if (text[q] !== QUOTE || q >= end) this.fail('SYNTAX', 'mui_sz: takes a quoted string', q);
      this.stringData(q);
      this.expectEnd(this.after);
      return ValueType.MUI_SZ;
    }
    return this.fail('SYNTAX', 'expected "string", dword:, hex:, hex(N):, multi_sz:, mui_sz: or -', p);
  }

  /** A quoted string and its NUL, appended to the value's data. */
  private stringData(open: number): void {
    const cap = (MAX_DATA_BYTES + 2) >> 1;
    const before = this.dataWritten;
    const units = this.quoted(open, false, Math.max(0, cap - (before >> 1)));
    this.dataWritten = before + 2 * units;
    this.putDataByte(0);
    this.putDataByte(0);
  }

  /** Comma-separated hex bytes from `p`, possibly empty, whitespace allowed around them, up to a `;` comment. */
  private hexBytes(p: number): void {
    const text = this.lineBytes;
    const end = this.lineEnd;
    while (p < end && (text[p] === 0x20 || text[p] === 0x09)) p++;
    while (p < end && text[p] !== SEMICOLON) {
      const start = p;
      let byte = 0;
      for (let d; p < end && (d = hexDigit(text[p]!)) >= 0; p++) byte = byte * 16 + d;
      if (p === start || p - start > 2) this.fail('BAD_HEX', 'expected a byte as one or two hex digits', start);
      this.putDataByte(byte);
      while (p < end && (text[p] === 0x20 || text[p] === 0x09)) p++;
      if (p >= end || text[p] === SEMICOLON) break;
      if (text[p] !== 0x2c) this.fail('BAD_HEX', 'expected a comma between hex bytes', p);
      p++;
      while (p < end && (text[p] === 0x20 || text[p] === 0x09)) p++;
    }
  }

  /** Nothing but spaces, or a `;` comment, may follow a value. */
  private expectEnd(p: number): void {
    const text = this.lineBytes;
    const end = this.lineEnd;
    while (p < end && (text[p] === 0x20 || text[p] === 0x09)) p++;
    if (p < end && text[p] !== SEMICOLON) this.fail('SYNTAX', 'unexpected text after the value', p);
  }

  /** Throws a RegParseError at byte `at` of the logical line, with its physical line and column. */
  private fail(code: RegErrorCode, what: string, at: number): never {
    const relative = at - this.lineStart;
    let segment = 0;
    for (let i = 1; i < this.segmentCount; i++) if (this.segmentStarts[i]! <= relative) segment = i;
    const column = this.segmentColumns[segment]! + unitsOf(this.lineBytes, this.lineStart + this.segmentStarts[segment]!, at) + 1;
    throw new RegParseError(code, { file: this.file, line: this.segmentLines[segment]!, column, what });
  }

  /** The tree built so far, in typed arrays (what the hive writer takes without copying). */
  compact(): CompactTree {
    return this.compactTree;
  }

  /** The tree built so far: top-level keys by root index. */
  tree(): HiveTree {
    return this.compactTree.toTree();
  }
}

/** Writes a code point as one or two UTF-16LE units at `out`; returns the new position. */
function putUnits(target: Uint8Array, out: number, point: number): number {
  if (point >= 0x10000) {
    const high = 0xd800 + ((point - 0x10000) >> 10);
    const low = 0xdc00 + ((point - 0x10000) & 0x3ff);
    target[out] = high & 0xff;
    target[out + 1] = high >> 8;
    target[out + 2] = low & 0xff;
    target[out + 3] = low >> 8;
    return out + 4;
  }
  target[out] = point & 0xff;
  target[out + 1] = point >> 8;
  return out + 2;
}

/** Parses one .reg text into a tree. @throws {RegParseError} */
export function parseReg(text: string, file = '<input>'): HiveTree {
  return new RegTreeBuilder().apply(text, file).tree();
}
