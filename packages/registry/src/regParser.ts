import { foldName } from './names.js';
import { encodeUtf16 } from './utf16.js';
import { RegParseError, type RegErrorCode } from './regErrors.js';
import { rootIndex } from './roots.js';
import type { HiveTree, TreeKey, TreeValue } from './tree.js';
import { ValueType } from './valueTypes.js';

/** Longest name a hive can store, in UTF-16 units (format guide §8). */
export const MAX_NAME_UNITS = 255;
/** Largest value data a hive can store. */
export const MAX_DATA_BYTES = 0xffff;
/** The stored name of the unnamed value, written `@` in .reg text (format guide §8). */
export const DEFAULT_VALUE_NAME = 'Default';

const HEADERS = ['REGEDIT4', 'Windows Registry Editor Version 5.00'];
const KEY_FLAGS_NOTE = /^;\s*key flags (0x[0-9a-fA-F]{1,4})\b/;
const VALUE_FLAGS_NOTE = /^;\s*value flags (0x[0-9a-fA-F]{1,2})\b/;

interface Segment {
  /** Offset of this physical line's text inside the logical line. */
  start: number;
  line: number;
  /** Column (0-based) in the physical line where the segment's text begins. */
  column: number;
}

/** One logical line: physical lines joined at trailing backslashes. */
interface LogicalLine {
  text: string;
  segments: Segment[];
}

// Lines regedit continues with a trailing backslash: hex data (and CE's multi_sz lists).
const CONTINUABLE = /=\s*(hex(\([0-9a-fA-F]{1,4}\))?|multi_sz):/i;

function* logicalLines(text: string): Generator<LogicalLine> {
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trimEnd();
    const segments: Segment[] = [{ start: 0, line: i + 1, column: 0 }];
    if (!first.endsWith('\\') || !CONTINUABLE.test(first)) {
      yield { text: first, segments };
      continue;
    }
    // A backslash at the end continues the data on the next line, whose indentation is
    // dropped. Pieces are joined once at the end: data of any length stays linear.
    const pieces = [first.slice(0, -1)];
    let length = pieces[0]!.length;
    while (i + 1 < lines.length) {
      i++;
      const physical = lines[i]!;
      const indent = physical.length - physical.trimStart().length;
      segments.push({ start: length, line: i + 1, column: indent });
      let piece = physical.trim();
      const more = piece.endsWith('\\');
      if (more) piece = piece.slice(0, -1);
      pieces.push(piece);
      length += piece.length;
      if (!more) break;
    }
    yield { text: pieces.join(''), segments };
  }
}

class Cursor {
  position = 0;
  constructor(
    private readonly logical: LogicalLine,
    private readonly file: string,
  ) {}

  get text(): string {
    return this.logical.text;
  }
  peek(): string {
    return this.logical.text[this.position] ?? '';
  }
  done(): boolean {
    return this.position >= this.logical.text.length;
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
  }
  startsWith(prefix: string): boolean {
    return this.logical.text.slice(this.position, this.position + prefix.length).toLowerCase() === prefix;
  }

  fail(code: RegErrorCode, what: string, at = this.position): never {
    let segment = this.logical.segments[0]!;
    for (const candidate of this.logical.segments) if (candidate.start <= at) segment = candidate;
    throw new RegParseError(code, { file: this.file, line: segment.line, column: segment.column + (at - segment.start) + 1, what });
  }

  /** A double-quoted string with regedit's escapes (`\\` and `\"`); the cursor is on the quote. */
  quoted(): string {
    const open = this.position;
    this.position++;
    let out = '';
    for (;;) {
      if (this.done()) this.fail('UNTERMINATED_STRING', 'string has no closing quote', open);
      const c = this.peek();
      if (c === '"') {
        this.position++;
        return out;
      }
      if (c === '\\') {
        const next = this.logical.text[this.position + 1];
        if (next !== '\\' && next !== '"') this.fail('BAD_ESCAPE', 'only \\\\ and \\" are escapes in a .reg string');
        out += next;
        this.position += 2;
        continue;
      }
      out += c;
      this.position++;
    }
  }

  /** Comma-separated hex bytes, possibly empty; whitespace allowed around them. */
  hexBytes(): Uint8Array {
    const bytes: number[] = [];
    this.skipSpaces();
    while (!this.done()) {
      const start = this.position;
      while (/[0-9a-fA-F]/.test(this.peek())) this.position++;
      const digits = this.text.slice(start, this.position);
      if (digits.length === 0 || digits.length > 2) this.fail('BAD_HEX', 'expected a byte as one or two hex digits', start);
      bytes.push(parseInt(digits, 16));
      this.skipSpaces();
      if (this.done()) break;
      if (this.peek() !== ',') this.fail('BAD_HEX', 'expected a comma between hex bytes');
      this.position++;
      this.skipSpaces();
    }
    return Uint8Array.from(bytes);
  }

  /** `"a","b"` after multi_sz: (possibly empty). */
  quotedList(): string[] {
    const items: string[] = [];
    this.skipSpaces();
    while (!this.done()) {
      if (this.peek() !== '"') this.fail('SYNTAX', 'expected a quoted string');
      items.push(this.quoted());
      this.skipSpaces();
      if (this.done()) break;
      if (this.peek() !== ',') this.fail('SYNTAX', 'expected a comma between strings');
      this.position++;
      this.skipSpaces();
    }
    return items;
  }

  expectEnd(): void {
    this.skipSpaces();
    if (!this.done()) this.fail('SYNTAX', 'unexpected text after the value');
  }
}

interface KeyNode {
  key: TreeKey;
  children: Map<string, KeyNode>;
  values: Map<string, TreeValue>;
}



function newNode(name: string): KeyNode {
  return { key: { name, values: [], subkeys: [] }, children: new Map(), values: new Map() };
}

/**
 * Builds a registry tree from .reg texts applied in order, as regedit imports them:
 * `[KEY]` creates the key and its missing parents, `[-KEY]` deletes a subtree, `"n"=-`
 * deletes a value, a value set twice keeps its first position. Key and value names match
 * case-insensitively. Besides regedit 4/5 syntax, it reads the CE forms `multi_sz:"a","b"`
 * and `mui_sz:"…"`, and hivetool's `; key flags 0x…` and `; value flags 0x…` notes.
 */
export interface RegTreeBuilderOptions {
  /**
   * Put keys and values the texts create at the head of their chains, as Windows CE's
   * registry does, instead of the end (file order). Used when editing an existing tree:
   * the untouched tail of each chain can then be shared with a ROM hive.
   */
  newEntriesFirst?: boolean;
}

export class RegTreeBuilder {
  private readonly roots: KeyNode[] = [0, 1, 2, 3, 4, 5, 6, 7].map(() => newNode(''));
  private readonly newEntriesFirst: boolean;

  constructor(options: RegTreeBuilderOptions = {}) {
    this.newEntriesFirst = options.newEntriesFirst ?? false;
  }

  /**
   * A builder that starts from an existing tree (copied: the tree given is not changed),
   * so .reg texts apply to it as changes: how `build --rom` edits a ROM hive's registry.
   */
  static fromTree(tree: HiveTree, options: RegTreeBuilderOptions = {}): RegTreeBuilder {
    const builder = new RegTreeBuilder(options);
    const work: Array<{ keys: TreeKey[]; parent: KeyNode }> = [];
    for (let index = 0; index < 8; index++) work.push({ keys: tree.roots[index] ?? [], parent: builder.roots[index]! });
    while (work.length > 0) {
      const { keys, parent } = work.pop()!;
      for (const key of keys) {
        const node = newNode(key.name);
        if (key.flags !== undefined && key.flags !== 0) node.key.flags = key.flags;
        for (const value of key.values ?? []) {
          const copy: TreeValue = { ...value };
          node.values.set(foldName(value.name), copy);
          node.key.values!.push(copy);
        }
        parent.children.set(foldName(key.name), node);
        parent.key.subkeys!.push(node.key);
        work.push({ keys: key.subkeys ?? [], parent: node });
      }
    }
    return builder;
  }

  /**
   * Applies one .reg text. A leading BOM is ignored; the header line is optional (CE's
   * platform.reg files have none).
   *
   * @throws {RegParseError} naming `file`, line and column.
   */
  apply(text: string, file = '<input>'): this {
    let current: KeyNode | undefined;
    let deleting = false;
    let rootOnly = false;
    let pendingValueFlags: number | undefined;
    for (const logical of logicalLines(text.replace(/^\uFEFF/, ''))) {
      const cursor: Cursor = new Cursor(logical, file);
      cursor.skipSpaces();
      const lineStart = cursor.position;
      const line = logical.text.trim();
      if (line.length === 0) continue;
      if (line.startsWith(';') || line.startsWith('#')) {
        const keyFlags = KEY_FLAGS_NOTE.exec(line);
        if (keyFlags !== null && current !== undefined && !deleting) current.key.flags = parseInt(keyFlags[1]!, 16);
        const valueFlags = VALUE_FLAGS_NOTE.exec(line);
        if (valueFlags !== null) pendingValueFlags = parseInt(valueFlags[1]!, 16);
        continue;
      }
      // A header line may also start a second text appended to a first (a patch after a dump).
      if (HEADERS.includes(line)) continue;
      const c = cursor.peek();
      if (c === '[') {
        const close = logical.text.lastIndexOf(']');
        if (close < cursor.position) cursor.fail('SYNTAX', 'key line has no closing ]');
        if (logical.text.slice(close + 1).trim().length > 0) cursor.fail('SYNTAX', 'unexpected text after the key', close + 1);
        let start = cursor.position + 1;
        deleting = logical.text[start] === '-';
        if (deleting) start++;
        const path = logical.text.slice(start, close);
        const names = path.split('\\');
        const root = rootIndex(names[0] ?? '');
        if (root < 0) cursor.fail('UNKNOWN_ROOT', `"${names[0] ?? ''}" is not a root (HKEY_LOCAL_MACHINE, HKLM, HKCU, HKCR, HKU)`, start);
        let offset = start + names[0]!.length + 1;
        for (const name of names.slice(1)) {
          if (name.length === 0) cursor.fail('EMPTY_KEY_NAME', 'empty key name in the path (doubled or trailing backslash)', offset);
          if (name.length > MAX_NAME_UNITS) cursor.fail('LIMIT_EXCEEDED', `key name longer than ${MAX_NAME_UNITS} UTF-16 units`, offset);
          offset += name.length + 1;
        }
        if (!deleting && names.length === 1) {
          // A root itself holds no values in a hive; values under it would be lost.
          current = undefined;
          rootOnly = true;
        } else {
          current = deleting ? undefined : this.ensure(root, names.slice(1));
          rootOnly = false;
        }
        if (deleting) this.remove(root, names.slice(1));
        pendingValueFlags = undefined;
        continue;
      }
      if (c !== '"' && c !== '@') cursor.fail('SYNTAX', 'expected [KEY], "name"=value, @=value or a ; comment');
      let name: string;
      if (c === '@') {
        name = DEFAULT_VALUE_NAME;
        cursor.position++;
      } else {
        name = cursor.quoted();
      }
      if (name.length > MAX_NAME_UNITS) cursor.fail('LIMIT_EXCEEDED', `value name longer than ${MAX_NAME_UNITS} UTF-16 units`, lineStart);
      cursor.skipSpaces();
      if (cursor.peek() !== '=') cursor.fail('SYNTAX', 'expected = after the value name');
      cursor.position++;
      cursor.skipSpaces();
      if (deleting) continue; // values under a [-KEY] line are ignored, as regedit does
      if (current === undefined) {
        cursor.fail('VALUE_OUTSIDE_KEY', rootOnly ? 'a root holds no values in a hive: put the value under a key' : 'value line before any [KEY] line', lineStart);
      }
      if (cursor.peek() === '-' && cursor.text.slice(cursor.position + 1).trim() === '') {
        current.values.delete(foldName(name));
        current.key.values = current.key.values!.filter((value) => foldName(value.name) !== foldName(name));
        continue;
      }
      const valueStart = cursor.position;
      const { type, data } = this.valueData(cursor);
      if (data.length > MAX_DATA_BYTES) cursor.fail('LIMIT_EXCEEDED', `value data longer than ${MAX_DATA_BYTES} bytes`, valueStart);
      const value: TreeValue = { name, type, data };
      if (pendingValueFlags !== undefined) value.flags = pendingValueFlags;
      pendingValueFlags = undefined;
      const existing = current.values.get(foldName(name));
      // Setting an existing value keeps its stored name (and place), as the registry does.
      // A value line with no flags note means flags 0, also when it replaces a value.
      if (existing !== undefined) Object.assign(existing, { ...value, name: existing.name, flags: value.flags ?? 0 });
      else {
        current.values.set(foldName(name), value);
        if (this.newEntriesFirst) current.key.values!.unshift(value);
        else current.key.values!.push(value);
      }
    }
    return this;
  }

  private valueData(cursor: Cursor): { type: number; data: Uint8Array } {
    const sz = (text: string): Uint8Array => encodeUtf16(text + '\0');
    if (cursor.peek() === '"') {
      const text = cursor.quoted();
      cursor.expectEnd();
      return { type: ValueType.SZ, data: sz(text) };
    }
    if (cursor.startsWith('dword:')) {
      cursor.position += 6;
      const start = cursor.position;
      const digits = cursor.text.slice(start).trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) cursor.fail('BAD_DWORD', 'dword: takes 1 to 8 hex digits', start);
      const value = parseInt(digits, 16);
      return { type: ValueType.DWORD, data: Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24) };
    }
    if (cursor.startsWith('hex:')) {
      cursor.position += 4;
      return { type: ValueType.BINARY, data: cursor.hexBytes() };
    }
    if (cursor.startsWith('hex(')) {
      const start = cursor.position + 4;
      const close = cursor.text.indexOf('):', start);
      const digits = close < 0 ? '' : cursor.text.slice(start, close);
      if (!/^[0-9a-fA-F]{1,4}$/.test(digits)) cursor.fail('BAD_HEX', 'hex(N): takes a type number N of 1 to 4 hex digits', start);
      cursor.position = close + 2;
      return { type: parseInt(digits, 16), data: cursor.hexBytes() };
    }
    if (cursor.startsWith('multi_sz:')) {
      cursor.position += 9;
      const items = cursor.quotedList();
      // Each string terminated, then one more NUL ends the list; an empty list is one NUL.
      return { type: ValueType.MULTI_SZ, data: encodeUtf16(items.map((item) => item + '\0').join('') + '\0') };
    }
    if (cursor.startsWith('mui_sz:')) {
      cursor.position += 7;
      cursor.skipSpaces();
      if (cursor.peek() !== '"') cursor.fail('SYNTAX', 'mui_sz: takes a quoted string');
      const text = cursor.quoted();
      cursor.expectEnd();
      return { type: ValueType.MUI_SZ, data: sz(text) };
    }
    return cursor.fail('SYNTAX', 'expected "string", dword:, hex:, hex(N):, multi_sz:, mui_sz: or -');
  }

  private ensure(root: number, names: string[]): KeyNode {
    let node = this.roots[root]!;
    for (const name of names) {
      let child = node.children.get(foldName(name));
      if (child === undefined) {
        child = newNode(name);
        node.children.set(foldName(name), child);
        if (this.newEntriesFirst) node.key.subkeys!.unshift(child.key);
        else node.key.subkeys!.push(child.key);
      }
      node = child;
    }
    return node;
  }

  private remove(root: number, names: string[]): void {
    let parent = this.roots[root]!;
    for (const name of names.slice(0, -1)) {
      const child = parent.children.get(foldName(name));
      if (child === undefined) return;
      parent = child;
    }
    const last = names[names.length - 1];
    if (last === undefined) {
      // [-HKLM] clears the whole root.
      this.roots[root] = newNode('');
      return;
    }
    const doomed = parent.children.get(foldName(last));
    if (doomed === undefined) return;
    parent.children.delete(foldName(last));
    parent.key.subkeys = parent.key.subkeys!.filter((key) => key !== doomed.key);
  }

  /** The tree built so far: top-level keys by root index. */
  tree(): HiveTree {
    const tree: HiveTree = { roots: {} };
    this.roots.forEach((node, index) => {
      if (node.key.subkeys!.length > 0) tree.roots[index] = node.key.subkeys!;
    });
    return tree;
  }
}

/** Parses one .reg text into a tree. @throws {RegParseError} */
export function parseReg(text: string, file = '<input>'): HiveTree {
  return new RegTreeBuilder().apply(text, file).tree();
}
