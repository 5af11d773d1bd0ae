/**
 * The matcher of `hivetool find` and of the viewer's search: one implementation of what a
 * pattern matches in key paths, value names and value data. Pure (no Node built-in), so
 * that the command line and the browser viewer search alike.
 */
import { RE2JS } from 're2js';
import { toHex } from './hex.js';
import { jsonDecoded, type JsonDecoded } from './json.js';
import { ValueType } from './valueTypes.js';

/** A pattern or type filter that cannot be searched for; the message names no CLI option. */
export class FindPatternError extends Error {
  readonly code = 'BAD_PATTERN';
  /** Which part was bad: the regular expression (its syntax or its size) or the type filter. */
  readonly part: 'regex-syntax' | 'regex-size' | 'type';

  constructor(part: FindPatternError['part'], message: string) {
    super(message);
    this.name = 'FindPatternError';
    this.part = part;
  }
}

/** Characters a regular expression may have. */
export const MAX_REGEX_LENGTH = 1000;
/** Instructions its compiled RE2 program may have (RE2's "program size"). */
export const MAX_REGEX_PROGRAM = 500;

/**
 * A regular expression, case-insensitive, matched by RE2 (re2js): in time linear in the
 * text, so no pattern can make a search hang on crafted names or data, as a backtracking
 * engine would on `(a+)+$`. RE2 syntax has no backreferences or lookaround.
 * @throws {FindPatternError} for a pattern that is not RE2 syntax or is over the caps.
 */
export function regexMatcher(pattern: string): (text: string) => boolean {
  // Linear in the text, but the time per character grows with the pattern: a pattern such
  // as `a?` × 5000 then `a` × 5000 takes minutes over one hive. Both its length and the size
  // of its compiled program (which `x{1000}` makes large in 7 characters) are capped.
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new FindPatternError('regex-size', `the pattern has ${pattern.length} characters, more than the ${MAX_REGEX_LENGTH} a regular expression may have; search for a shorter one (a plain-text pattern has no such limit)`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new FindPatternError('regex-syntax', `not a regular expression: ${pattern} (${(error as Error).message})`);
  }
  if (compiled.programSize() > MAX_REGEX_PROGRAM) {
    throw new FindPatternError('regex-size', `the pattern compiles to ${compiled.programSize()} instructions, more than the ${MAX_REGEX_PROGRAM} a regular expression may have; use fewer or smaller repetitions (x{100} counts as 100)`);
  }
  return (text) => compiled.matcher(text).find();
}

/** Longest plain-text pattern searched with `String.prototype.includes`. */
const SHORT_NEEDLE = 64;

/**
 * A plain-text pattern, case-insensitive. `includes` is fastest for the short patterns
 * people type, but takes time in the product of the text's and the pattern's lengths on a
 * long crafted one (`a` × 2500, `b`, `a` × 2500 over a long run of `a`: seconds per
 * value): a longer pattern is searched by Knuth–Morris–Pratt, linear in the text.
 */
export function plainMatcher(pattern: string): (text: string) => boolean {
  const needle = pattern.toLowerCase();
  if (needle.length <= SHORT_NEEDLE) return (text) => text.toLowerCase().includes(needle);
  // fail[i]: length of the longest proper border of needle[0..i].
  const fail = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = fail[k - 1]!;
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return (text) => {
    if (text.length < needle.length) return false;
    const haystack = text.toLowerCase();
    for (let i = 0, k = 0; i < haystack.length; i++) {
      const code = haystack.charCodeAt(i);
      while (k > 0 && code !== needle.charCodeAt(k)) k = fail[k - 1]!;
      if (code === needle.charCodeAt(k)) k++;
      if (k === needle.length) return true;
    }
    return false;
  };
}

/**
 * A value type written as a number (0 to 65535: a u16 in the hive, format guide §8) or a
 * name (`REG_SZ`, `sz`, `dword`, …).
 * @throws {FindPatternError} for anything else.
 */
export function parseValueTypeFilter(text: string): number {
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) {
    if (Number(text) > 0xffff) throw new FindPatternError('type', `${text}: a value type is a number from 0 to 65535`);
    return Number(text);
  }
  const wanted = text.toUpperCase().replace(/^REG_/, '');
  const entry = Object.entries(ValueType).find(([name]) => name === wanted);
  if (entry === undefined) throw new FindPatternError('type', `${text}: not a value type (e.g. REG_SZ, sz, dword, binary, multi_sz, 4)`);
  return entry[1];
}

/** How binary data is also read as text. */
export type BinaryReading = 'UTF-16LE text' | 'Latin-1 text';

/**
 * Bytes of one value's data read as text when it is binary: all of it, as a value holds
 * at most 65 535 bytes (format guide §8); a bound all the same.
 */
export const MAX_BINARY_TEXT = 0x10000;

const utf16 = new TextDecoder('utf-16le');

/** Bytes as Latin-1 characters (one per byte), in chunks so no call takes too many arguments. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; at += 8192) text += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return text;
}

/**
 * Binary data (REG_BINARY, REG_NONE, unknown types, a text type whose bytes are not text)
 * read as text, for a pattern written as text: as UTF-16LE from an even and from an odd
 * byte (a string inside a structure, such as a time zone's name, at either alignment),
 * then one character per byte (ASCII and Latin-1 text). Its first MAX_BINARY_TEXT bytes.
 */
export function binaryMatch(data: Uint8Array, test: (text: string) => boolean): BinaryReading | undefined {
  const bytes = data.subarray(0, MAX_BINARY_TEXT);
  if (test(utf16.decode(bytes)) || (bytes.length > 2 && test(utf16.decode(bytes.subarray(1))))) return 'UTF-16LE text';
  if (test(latin1(bytes))) return 'Latin-1 text';
  return undefined;
}

/** The texts a value's data is searched in: strings decoded, numbers in decimal and hex, any data as hex. */
function dataTexts(decoded: JsonDecoded, data: Uint8Array): string[] {
  const texts = [toHex(data)];
  if (typeof decoded === 'string') texts.push(decoded);
  else if (typeof decoded === 'number') texts.push(String(decoded), `0x${decoded.toString(16).padStart(8, '0')}`);
  else if (Array.isArray(decoded)) texts.push(...(decoded as string[]));
  return texts;
}

/** What to search for and where. No place set means all three. */
export interface FindQuery {
  pattern: string;
  regex?: boolean | undefined;
  keys?: boolean | undefined;
  names?: boolean | undefined;
  data?: boolean | undefined;
  /** Only values of this type (a number, or a name such as `REG_SZ`, `sz`, `dword`); keys then never match. */
  type?: string | undefined;
}

/** What matched in a value: its name, or its data (and, for binary data read as text, how). */
export interface ValueMatch {
  where: 'name' | 'data';
  matchedAs?: BinaryReading | undefined;
}

export interface Finder {
  /** Whether a key matches, by its full path. */
  key(path: string): boolean;
  /** Whether a value matches: by name, then by data (text, numbers, hex, binary read as text). */
  value(name: string, type: number, data: Uint8Array): ValueMatch | undefined;
}

/**
 * The one matcher of `find` and the viewer's search: case-insensitive text or a regular
 * expression, over key paths, value names and data, optionally one value type only.
 * @throws {FindPatternError} for a bad regular expression or type.
 */
export function makeFinder(query: FindQuery): Finder {
  const anyScope = query.keys !== true && query.names !== true && query.data !== true;
  const wantedType = query.type === undefined ? undefined : parseValueTypeFilter(query.type);
  const test = query.regex === true ? regexMatcher(query.pattern) : plainMatcher(query.pattern);
  return {
    key: (path) => wantedType === undefined && (anyScope || query.keys === true) && test(path),
    value(name, type, data) {
      if (wantedType !== undefined && type !== wantedType) return undefined;
      if ((anyScope || query.names === true) && test(name)) return { where: 'name' };
      if (!(anyScope || query.data === true)) return undefined;
      const decoded = jsonDecoded(type, data);
      if (dataTexts(decoded, data).some(test)) return { where: 'data' };
      if (decoded !== null) return undefined;
      const matchedAs = binaryMatch(data, test);
      return matchedAs === undefined ? undefined : { where: 'data', matchedAs };
    },
  };
}
