/**
 * The preprocessor and merger (ce-registry-sources.md §1–§3): one loop over the lines of
 * every source, with the stacks of `IF`, `#if` and sysgen blocks, the include chain, the
 * macros and the boot-section state that each line may change. Over 400 lines because
 * that state is shared by every directive; the condition grammar (conditions.ts), text
 * decoding (decode.ts), diagnostics, strings and the split are in their own modules.
 */
import { ConditionSyntaxError, evaluateCpp, evaluateIf, evaluateSysgen, labelMatches, type VariableLookup } from './conditions.js';
import { decodeSource, splitLines } from './decode.js';
import { DiagnosticList, quoteSource } from './diagnostics.js';

/**
 * File access for the compiler, provided by its caller (the CLI reads the file system; a
 * browser or a test can serve files from memory). The codec never touches files itself.
 */
export interface SourceHost {
  /** The bytes of a file, named as given to `compile` or as `resolveInclude` returned it; undefined when unreadable. */
  readFile(file: string): Uint8Array | undefined;
  /**
   * The file an `#include` path names (macros already expanded, Windows `\` separators
   * as written), seen from the including file; undefined when there is no such file.
   */
  resolveInclude(path: string, includingFile: string): string | undefined;
  /**
   * Why `file` cannot be read as a source when it is not a regular file ("is a folder",
   * "is a FIFO, not a regular file", …); undefined for a plain read failure. Optional.
   */
  describe?(file: string): string | undefined;
}

/**
 * Which `; @CESYSGEN IF` blocks are kept: `all` treats every component as part of the OS
 * design (the default), `components` only the ones listed, and `off` ignores the tags
 * and keeps every line of both branches.
 */
export type SysgenFilter = { mode: 'all' } | { mode: 'components'; components: readonly string[] } | { mode: 'off' };

export interface PreprocessOptions {
  /** `-D NAME=VALUE`: build variables, first in line for `$(NAME)`, `IF` and `defined`; also LOC_ strings. */
  defines?: Readonly<Record<string, string>>;
  /** The process environment, last in line after `-D` and `#define`. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** LOC_ token replacements read from `.str` files. */
  strings?: Readonly<Record<string, string>>;
  sysgen?: SysgenFilter;
  /** Code page of files without BOM (default UTF-8, falling back to windows-1252). */
  encoding?: string;
  /** A missing `#include` file is an error (default) or a warning with the line skipped. */
  missingInclude?: 'error' | 'warn';
  /** Most source lines read, includes counted (default `MAX_SOURCE_LINES`). */
  maxSourceLines?: number;
  /** Most characters of merged text (default `MAX_MERGED_CHARACTERS`). */
  maxMergedCharacters?: number;
  /**
   * Report every `ENDIF` label that names other variables than its `IF` as a warning
   * (`ENDIF_LABEL_MISMATCH`). Off by default: fMerge reads the words after `ENDIF` as a
   * comment, and Microsoft's own files differ there hundreds of times; they are counted.
   */
  pedantic?: boolean;
  /**
   * The expansion limit's factor (default `EXPANSION_FACTOR`): the text read (a file
   * counted each time it is included) plus what macros and tokens add may be at most this
   * many times the characters of the distinct files read, plus this many times
   * `EXPANSION_FLOOR_PER_FACTOR` (with the default 8: 8 × the input + 4 Mi characters).
   */
  expansionFactor?: number;
}

export interface PreprocessStatistics {
  /** Source files read, includes counted. */
  files: number;
  /** Physical lines read, skipped branches included. */
  lines: number;
  /** Conditionals (IF, #if, #elif, @CESYSGEN IF) evaluated whose branch was taken. */
  conditionalsTaken: number;
  /** Conditionals evaluated whose branch was skipped. */
  conditionalsSkipped: number;
  /** A `; OUTPUTHIVE` line was reached: the image uses the hive-based registry. */
  outputHive: boolean;
  /** `ENDIF` labels naming other variables than their `IF` (warnings only with `pedantic`). */
  endifLabels: number;
}

/**
 * The merged text, line by line, each with the file and line it came from. `files` holds
 * the file names; `fileOf[i]` indexes it.
 */
export interface MergedSource {
  files: string[];
  texts: string[];
  fileOf: number[];
  lineOf: number[];
  statistics: PreprocessStatistics;
}

/** Deepest `#include` nesting followed. */
export const MAX_INCLUDE_DEPTH = 32;
/** Longest line macro expansion may produce, in UTF-16 units. */
export const MAX_LINE_LENGTH = 1 << 20;
/**
 * Most source lines read, includes counted: a file can include another many times, so
 * the work is not bounded by the input's size without a cap.
 */
export const MAX_SOURCE_LINES = 1 << 25;
/** Most characters in the merged text (reginit.ini is built as one string). */
export const MAX_MERGED_CHARACTERS = 1 << 28;
/** Default factor of the expansion limit (`PreprocessOptions.expansionFactor`). */
export const EXPANSION_FACTOR = 8;
/** The floor of the expansion limit per unit of the factor: 512 Ki characters (4 Mi at the default 8). */
export const EXPANSION_FLOOR_PER_FACTOR = 1 << 19;

type FrameKind = 'if' | 'cpp' | 'sysgen';

interface Frame {
  /** Whether the lines around the conditional were active when it opened. */
  outer: boolean;
  /** Whether the current branch is taken. */
  taken: boolean;
  /** Whether some branch was taken (for #elif). */
  anyTaken: boolean;
  inElse: boolean;
  condition: string;
  line: number;
}

/** Conditional state of one file: conditionals must close in the file that opened them. */
class FileState {
  readonly stacks: Record<FrameKind, Frame[]> = { if: [], cpp: [], sysgen: [] };
  active = true;
  xipOpen: number[] = [];
  assocOpen: number[] = [];
  /** A multi_sz list continued on the next line by a trailing comma, still being joined. */
  pendingList: { text: string; line: number } | undefined;
  /** Inside a C block comment that began on an earlier line (C headers only). */
  inBlockComment = false;
  /** An open `{BEGIN MULTILANG}` block: its line, and whether `{SKIPLANG}` skips it for this build's language. */
  multilang: { line: number; skip: boolean } | undefined;

  /** `cHeader`: an `#include`d file that is not a `.reg` file, read as a C header. */
  constructor(readonly cHeader: boolean) {}

  refresh(): void {
    const taken = (stack: Frame[]): boolean => {
      const top = stack[stack.length - 1];
      return top === undefined || (top.outer && top.taken);
    };
    this.active = taken(this.stacks.if) && taken(this.stacks.cpp) && taken(this.stacks.sysgen) && this.multilang?.skip !== true;
  }
}

const BUILD_CONDITIONAL = /^(IF|ELSE|ENDIF)(?=\s|;|$)\s*(.*)$/i;
const DIRECTIVE = /^#\s*([A-Za-z]+)\b\s*(.*)$/;
const SYSGEN_TAG = /^;\s*@CESYSGEN\s+(IF|ELSE|ENDIF)\b\s*(.*)$/i;
const XIP_TAG = /^;\s*@XIPREGION\s+(IF|ENDIF)\b/i;
const ASSOC_TAG = /^;\s*@(BEGINASSOC|ENDASSOC)\b/i;
const OUTPUT_HIVE = /^;\s*OUTPUTHIVE\s*$/i;
const MULTILANG_TAG = /^\{\s*(?:(BEGIN|END)\s+MULTILANG|(SKIPLANG)\b([^}]*))\s*\}$/i;
const LANGID = /%LANGID%/gi;
/** The first character of a line after blanks, as a code unit (NaN for a blank line). */
const trimmed0 = (text: string): number => text.trimStart().charCodeAt(0);
const KEY_TRAILING_BACKSLASH = /\\+\]\s*$/;
const BARE_VALUE_NAME = /^(\s*)([A-Za-z_][A-Za-z0-9_.\- ]*?)\s*=(?!=)/;
const VALUE_START = /^(?:"(?:[^"\\]|\\.)*"|@)\s*=/;
const MULTI_SZ = /=\s*multi_sz:/i;
const MACRO = /\$\(([^()\s]+)\)/g;
const LOC_TOKEN = /("?)(?<![A-Za-z0-9_])(LOC_[A-Za-z0-9_]+)(?![A-Za-z0-9_])("?)/g;

const fold = (name: string): string => name.toUpperCase();

/** Text up to the first `;` that is not inside a quoted string (regedit escapes `\"`). */
export function stripTrailingComment(line: string): string {
  if (!line.includes(';')) return line;
  const trimmed = line.trimStart();
  if (trimmed.startsWith('[')) {
    const close = line.indexOf(']');
    if (close < 0) return line;
    const rest = line.slice(close + 1);
    return rest.trimStart().startsWith(';') ? line.slice(0, close + 1) : line;
  }
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const c = line[index];
    if (quoted) {
      if (c === '\\') index++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ';') return line.slice(0, index).trimEnd();
  }
  return line;
}

/**
 * `line` without its C and C++ comments, as a C preprocessor removes them: `// …` to the
 * end of the line and block comments (across lines when `carry` holds the state), never inside
 * a quoted string. In `#include` lines a backslash is a path separator, not an escape.
 * Used on the lines of `#include`d C headers and on `#` directive lines of `.reg` files.
 */
export function stripCComments(line: string, carry: { inBlockComment: boolean }): string {
  if (!carry.inBlockComment && !line.includes('/')) return line;
  const escapes = !/^\s*#\s*include\b/.test(line);
  let result = '';
  let index = 0;
  let quote: string | undefined;
  let kept = 0;
  while (index < line.length) {
    if (carry.inBlockComment) {
      const close = line.indexOf('*/', index);
      if (close < 0) return result.trimEnd();
      carry.inBlockComment = false;
      index = close + 2;
      kept = index;
      result += ' ';
      continue;
    }
    const c = line[index]!;
    if (quote !== undefined) {
      if (c === '\\' && escapes) index++;
      else if (c === quote) quote = undefined;
      index++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      index++;
      continue;
    }
    if (c === '/' && line[index + 1] === '/') {
      result += line.slice(kept, index);
      return result.trimEnd();
    }
    if (c === '/' && line[index + 1] === '*') {
      result += line.slice(kept, index);
      carry.inBlockComment = true;
      index += 2;
      kept = index;
      continue;
    }
    index++;
  }
  if (carry.inBlockComment) return result.trimEnd();
  return (result + line.slice(kept)).trimEnd();
}

const REG_FILE = /\.reg$/i;

/**
 * Runs the preprocessor over `files` in order and returns the merged text (what the
 * image build writes as reginit.ini), with a diagnostic for every problem met.
 */
export class Preprocessor {
  private readonly defines = new Map<string, string>();
  private readonly commandLine = new Map<string, string>();
  private readonly environment = new Map<string, string>();
  private readonly strings = new Map<string, string>();
  private readonly sysgen: SysgenFilter;
  private readonly components: Set<string>;
  private readonly includeStack: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private readonly output: MergedSource;
  readonly lookup: VariableLookup;
  private mergedCharacters = 0;
  /** Characters of the distinct files read: the input the expansion limit is a multiple of. */
  private inputCharacters = 0;
  /** Characters read (a file counted each time it is included) plus what expansion added. */
  private expandedCharacters = 0;
  /** Each file's lines, decoded once however often it is included. */
  private readonly decoded = new Map<string, string[]>();
  /** Include targets already looked up, by including file and path. */
  private readonly resolved = new Map<string, string | undefined>();
  /** Set when a size limit was reached: nothing more is read. */
  private stopped = false;

  constructor(
    private readonly host: SourceHost,
    private readonly options: PreprocessOptions,
    readonly diagnostics: DiagnosticList,
  ) {
    for (const [name, value] of Object.entries(options.defines ?? {})) this.commandLine.set(fold(name), value);
    for (const [name, value] of Object.entries(options.environment ?? {})) if (value !== undefined) this.environment.set(fold(name), value);
    for (const [name, value] of Object.entries(options.strings ?? {})) this.strings.set(fold(name), value);
    this.sysgen = options.sysgen ?? { mode: 'all' };
    this.components = new Set(this.sysgen.mode === 'components' ? this.sysgen.components.map(fold) : []);
    // Registry sources guide §2: -D first, then #define, then the environment.
    this.lookup = (name) => {
      const key = fold(name);
      return this.commandLine.get(key) ?? this.defines.get(key) ?? this.environment.get(key);
    };
    this.output = { files: [], texts: [], fileOf: [], lineOf: [], statistics: { files: 0, lines: 0, conditionalsTaken: 0, conditionalsSkipped: 0, outputHive: false, endifLabels: 0 } };
  }

  /** Preprocesses the top-level files in order (common.reg, platform.reg, project.reg, …). */
  run(files: readonly string[]): MergedSource {
    for (const file of files) {
      if (this.diagnostics.full || this.stopped) break;
      this.processFile(file, file, 0);
    }
    return this.output;
  }

  private indexOf(file: string): number {
    let index = this.fileIndex.get(file);
    if (index === undefined) {
      index = this.output.files.length;
      this.output.files.push(file);
      this.fileIndex.set(file, index);
    }
    return index;
  }

  /** The expansion limit now: a multiple of the distinct input read so far, plus a floor. */
  private expansionLimit(): number {
    const factor = this.options.expansionFactor ?? EXPANSION_FACTOR;
    return factor * (this.inputCharacters + EXPANSION_FLOOR_PER_FACTOR);
  }

  /** Counts `characters` more of expanded text; false (and an error at file:line) past the limit. */
  private expandBy(characters: number, file: string, line: number, what: string): boolean {
    this.expandedCharacters += characters;
    if (this.expandedCharacters <= this.expansionLimit()) return true;
    if (!this.stopped) {
      const factor = this.options.expansionFactor ?? EXPANSION_FACTOR;
      this.diagnostics.error('LIMIT_EXCEEDED', file, line, `${what} makes the sources expand past ${this.expansionLimit()} characters (${factor} × the ${this.inputCharacters} characters of the files read + ${factor} × ${EXPANSION_FLOOR_PER_FACTOR}): stopped here`);
    }
    this.stopped = true;
    return false;
  }

  private readLines(file: string, from: string, fromLine: number): string[] | undefined {
    const known = this.decoded.get(file);
    if (known !== undefined) return known;
    const bytes = this.host.readFile(file);
    if (bytes === undefined) {
      const reason = this.host.describe?.(file);
      this.diagnostics.error(reason === undefined ? 'UNREADABLE_FILE' : 'INCLUDE_NOT_A_FILE', from, fromLine, reason === undefined ? `cannot read ${file}` : `#include of ${file}: it ${reason}; not read`);
      return undefined;
    }
    const decoded = decodeSource(bytes, this.options.encoding);
    if (decoded.fellBack) this.diagnostics.warning('NOT_UTF8', file, 1, 'not valid UTF-8 and no BOM: read as windows-1252 (name the code page with --encoding)');
    if (decoded.guessed !== undefined) this.diagnostics.warning('UTF16_WITHOUT_BOM', file, 1, decoded.guessed);
    const lines = splitLines(decoded.text);
    this.decoded.set(file, lines);
    this.inputCharacters += decoded.text.length;
    return lines;
  }

  private processFile(file: string, from: string, fromLine: number, included = false): void {
    const lines = this.readLines(file, from, fromLine);
    if (lines === undefined) return;
    let characters = lines.length;
    for (const text of lines) characters += text.length;
    if (!this.expandBy(characters, from, fromLine, included ? `#include of ${file}` : `reading ${file}`)) return;
    const statistics = this.output.statistics;
    const maxLines = this.options.maxSourceLines ?? MAX_SOURCE_LINES;
    if (statistics.lines + lines.length > maxLines) {
      this.diagnostics.error('LIMIT_EXCEEDED', from, fromLine, `the sources and their includes pass ${maxLines} lines`);
      this.stopped = true;
      return;
    }
    statistics.files++;
    statistics.lines += lines.length;
    const fileNumber = this.indexOf(file);
    // An #include'd file that is not a .reg file is a C header (TI's image_cfg.h): its C
    // comments are removed as a C preprocessor would.
    const state = new FileState(included && !REG_FILE.test(file));
    this.includeStack.push(file);
    for (let index = 0; index < lines.length; index++) {
      if (this.diagnostics.full || this.stopped) break;
      this.processLine(lines[index]!, file, fileNumber, index + 1, state);
    }
    this.flushList(state, fileNumber);
    this.includeStack.pop();
    for (const [kind, stack] of Object.entries(state.stacks)) {
      for (const frame of stack) {
        const opener = kind === 'if' ? 'IF' : kind === 'cpp' ? '#if' : '@CESYSGEN IF';
        this.diagnostics.error('UNBALANCED_CONDITIONAL', file, frame.line, `${opener} ${frame.condition} has no matching end before the end of the file`);
      }
    }
    for (const line of state.xipOpen) this.diagnostics.warning('UNBALANCED_TAG', file, line, '@XIPREGION IF has no @XIPREGION ENDIF before the end of the file');
    for (const line of state.assocOpen) this.diagnostics.warning('UNBALANCED_TAG', file, line, '@BEGINASSOC has no @ENDASSOC before the end of the file');
    if (state.multilang !== undefined) this.diagnostics.warning('UNBALANCED_TAG', file, state.multilang.line, '{BEGIN MULTILANG} has no {END MULTILANG} before the end of the file');
  }

  private emit(text: string, fileNumber: number, line: number): void {
    this.mergedCharacters += text.length + 2;
    const maxCharacters = this.options.maxMergedCharacters ?? MAX_MERGED_CHARACTERS;
    if (this.mergedCharacters > maxCharacters) {
      if (!this.stopped) this.diagnostics.error('LIMIT_EXCEEDED', this.output.files[fileNumber]!, line, `the merged text passes ${maxCharacters} characters`);
      this.stopped = true;
      return;
    }
    this.output.texts.push(text);
    this.output.fileOf.push(fileNumber);
    this.output.lineOf.push(line);
  }

  private flushList(state: FileState, fileNumber: number): void {
    if (state.pendingList === undefined) return;
    this.emit(state.pendingList.text, fileNumber, state.pendingList.line);
    state.pendingList = undefined;
  }

  private processLine(raw: string, file: string, fileNumber: number, line: number, state: FileState): void {
    if (state.cHeader) {
      raw = stripCComments(raw, state);
      // A header line that held only a comment (or nothing) adds nothing to the merged text.
      if (raw.trim().length === 0) return;
    } else if (raw.trimStart().startsWith('#')) {
      // On a directive line of a .reg file a comment ends with the line.
      raw = stripCComments(raw, { inBlockComment: false });
    }
    if (trimmed0(raw) === 0x7b /* { */) {
      const tag = MULTILANG_TAG.exec(raw.trim());
      if (tag !== null) {
        this.multilangTag((tag[1] ?? tag[2]!).toUpperCase(), tag[3] ?? '', file, line, state);
        return;
      }
    }
    if (state.multilang !== undefined && raw.includes('%')) raw = raw.replace(LANGID, this.languageId());
    const trimmed = raw.trim();
    const first = trimmed.charCodeAt(0);
    // A list continued by a trailing comma ends at any line that is not one more item.
    if (state.pendingList !== undefined && (trimmed.length === 0 || first === 0x3b || first === 0x23 || first === 0x5b || VALUE_START.test(trimmed) || BUILD_CONDITIONAL.test(trimmed))) this.flushList(state, fileNumber);
    if (first === 0x3b /* ; */) {
      if (trimmed.includes('@')) {
        const sysgen = SYSGEN_TAG.exec(trimmed);
        if (sysgen !== null && this.sysgen.mode !== 'off') {
          this.conditional('sysgen', sysgen[1]!.toUpperCase(), sysgen[2]!.trim(), file, line, state);
          return;
        }
        if (state.active) this.tag(trimmed, line, file, state);
      }
      if (!state.active) return;
      if (OUTPUT_HIVE.test(trimmed)) this.output.statistics.outputHive = true;
      this.emit(raw, fileNumber, line);
      return;
    }
    if (first === 0x23 /* # */) {
      const directive = DIRECTIVE.exec(trimmed);
      if (directive !== null) {
        this.directive(directive[1]!.toLowerCase(), directive[2]!, file, line, state);
        return;
      }
    }
    if (first === 0x49 || first === 0x45 || first === 0x69 || first === 0x65 /* I E i e */) {
      const conditional = BUILD_CONDITIONAL.exec(trimmed);
      if (conditional !== null) {
        const argument = conditional[2]!;
        const keyword = conditional[1]!.toUpperCase();
        // IF's condition ends at a comment; ENDIF's words are its label.
        const condition = keyword === 'IF' ? argument.split(';')[0]!.trim() : argument.trim();
        this.conditional('if', keyword, condition, file, line, state);
        return;
      }
    }
    if (!state.active) return;
    // The .reg parser reads no comment after a value: cut it here (registry sources guide §3).
    let text = stripTrailingComment(raw);
    if (text.includes('$(')) {
      const expanded = this.expand(text, file, line);
      if (expanded === undefined) return;
      text = expanded;
    }
    if (text.includes('LOC_')) {
      const replaced = this.replaceTokens(text, file, line);
      if (replaced === undefined) return;
      text = replaced;
    }
    text = this.lenient(text, file, line, state);
    // CE sources continue a multi_sz list on the next line after a trailing comma, which
    // the .reg parser does not read: the list is joined into one merged line.
    if (state.pendingList !== undefined) {
      state.pendingList.text += text.trim();
      if (!state.pendingList.text.endsWith(',')) this.flushList(state, fileNumber);
      return;
    }
    if (text.trimEnd().endsWith(',') && MULTI_SZ.test(text)) {
      state.pendingList = { text: text.trimEnd(), line };
      return;
    }
    this.emit(text, fileNumber, line);
  }

  /**
   * Two forms real BSP files use that regedit syntax does not allow, rewritten so the .reg
   * parser reads them (and reported): a value name without quotes (`Default=dword:0`)
   * and a key path ending in a backslash (`[HKEY_LOCAL_MACHINE\Drivers\BuiltIn\WAPIMAN\]`).
   */
  private lenient(text: string, file: string, line: number, state: FileState): string {
    if (state.pendingList !== undefined) return text;
    const trimmed = text.trimStart();
    const first = trimmed.charCodeAt(0);
    if (first === 0x5b /* [ */) {
      const trailing = KEY_TRAILING_BACKSLASH.exec(text);
      if (trailing === null) return text;
      // Microsoft's own files write it (CE 5 servers.reg, platform.reg) and Platform Builder
      // reads it as the key without the backslash: a note, not a warning.
      this.diagnostics.note('LENIENT_SYNTAX', file, line, 'key path ends in a backslash: read without it');
      return text.slice(0, trailing.index) + ']';
    }
    if ((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a) || first === 0x5f) {
      const bare = BARE_VALUE_NAME.exec(text);
      if (bare === null) return text;
      this.diagnostics.warning('LENIENT_SYNTAX', file, line, `value name ${bare[2]} without quotes: read as "${bare[2]}"`);
      return `${bare[1]}"${bare[2]}"${text.slice(bare[0].length - 1)}`;
    }
    return text;
  }

  /**
   * This build's language for fMerge's `{BEGIN MULTILANG}` blocks: the LANGID in `LOCALE`
   * (`0409`), Platform Builder's default `0409` when it is not set.
   */
  private languageId(): string {
    const locale = this.lookup('LOCALE')?.trim();
    return locale !== undefined && /^[0-9A-Fa-f]{1,4}$/.test(locale) ? locale.padStart(4, '0') : '0409';
  }

  /**
   * fMerge's multi-language blocks: the lines between `{BEGIN MULTILANG}` and
   * `{END MULTILANG}` are merged once for the image's language, `%LANGID%` replaced by it,
   * unless `{SKIPLANG 0411 0412}` in the block lists that language.
   */
  private multilangTag(keyword: string, argument: string, file: string, line: number, state: FileState): void {
    if (keyword === 'BEGIN') {
      if (state.multilang !== undefined) this.diagnostics.warning('UNBALANCED_TAG', file, line, `{BEGIN MULTILANG} inside the block opened on line ${state.multilang.line}; marker ignored`);
      else state.multilang = { line, skip: false };
    } else if (keyword === 'END') {
      if (state.multilang === undefined) this.diagnostics.warning('UNBALANCED_TAG', file, line, '{END MULTILANG} with no open {BEGIN MULTILANG}; marker ignored');
      state.multilang = undefined;
    } else if (state.multilang === undefined) {
      this.diagnostics.warning('UNBALANCED_TAG', file, line, '{SKIPLANG} outside a {BEGIN MULTILANG} block; ignored');
    } else {
      const language = parseInt(this.languageId(), 16);
      if (argument.split(/[\s,]+/).some((word) => /^[0-9A-Fa-f]{1,4}$/.test(word) && parseInt(word, 16) === language)) state.multilang.skip = true;
    }
    state.refresh();
  }

  private tag(trimmed: string, line: number, file: string, state: FileState): void {
    const xip = XIP_TAG.exec(trimmed);
    if (xip !== null) {
      if (xip[1]!.toUpperCase() === 'IF') state.xipOpen.push(line);
      else if (state.xipOpen.pop() === undefined) this.diagnostics.warning('UNBALANCED_TAG', file, line, '@XIPREGION ENDIF with no open @XIPREGION IF');
      return;
    }
    const assoc = ASSOC_TAG.exec(trimmed);
    if (assoc !== null) {
      if (assoc[1]!.toUpperCase() === 'BEGINASSOC') state.assocOpen.push(line);
      else if (state.assocOpen.pop() === undefined) this.diagnostics.warning('UNBALANCED_TAG', file, line, '@ENDASSOC with no open @BEGINASSOC');
    }
  }

  /**
   * `$(NAME)` → value (-D, #define, environment); unresolved names stay as written (in a
   * `#if`, they become an empty string `""` so the comparison still reads) and are reported.
   */
  private expand(text: string, file: string, line: number, unresolvedAs?: string): string | undefined {
    let unresolved: string[] | undefined;
    let grown = 0;
    let tooLong = false;
    const expanded = text.replace(MACRO, (whole, name: string) => {
      const value = this.lookup(name);
      // Stop growing a line early: a hostile macro must not build a huge string first.
      if (tooLong) return whole;
      if (value !== undefined) {
        grown += value.length - whole.length;
        if (text.length + grown > MAX_LINE_LENGTH) tooLong = true;
        return value;
      }
      (unresolved ??= []).push(name);
      return unresolvedAs ?? whole;
    });
    if (tooLong || expanded.length > MAX_LINE_LENGTH) {
      this.diagnostics.error('LINE_TOO_LONG', file, line, `macro expansion makes the line longer than ${MAX_LINE_LENGTH} characters`);
      return undefined;
    }
    if (grown > 0 && !this.expandBy(grown, file, line, 'macro expansion')) return undefined;
    if (unresolved !== undefined) this.diagnostics.warning('UNRESOLVED_MACRO', file, line, `no value for ${[...new Set(unresolved)].map((name) => `$(${name})`).join(', ')} (give it with -D, #define or the environment)`);
    return expanded;
  }

  /** LOC_ tokens → strings from -D or the .str files; a line with an unresolved token is left out. */
  private replaceTokens(text: string, file: string, line: number): string | undefined {
    let unresolved: string[] | undefined;
    const replaced = text.replace(LOC_TOKEN, (whole, openQuote: string, name: string, closeQuote: string) => {
      const value = this.commandLine.get(fold(name)) ?? this.strings.get(fold(name));
      if (value === undefined) {
        (unresolved ??= []).push(name);
        return whole;
      }
      // "LOC_X" where the string is itself quoted: keep one pair of quotes.
      if (openQuote === '"' && closeQuote === '"') return /^".*"$/.test(value) ? value : `"${value}"`;
      return openQuote + value + closeQuote;
    });
    if (replaced.length > text.length && !this.expandBy(replaced.length - text.length, file, line, 'LOC_ token replacement')) return undefined;
    if (unresolved !== undefined) {
      this.diagnostics.warning('UNRESOLVED_TOKEN', file, line, `no string for ${[...new Set(unresolved)].join(', ')} (give a .str file with --strings, or -D): the line is left out`);
      return undefined;
    }
    return replaced;
  }

  private conditional(kind: FrameKind, keyword: string, argument: string, file: string, line: number, state: FileState): void {
    const stack = state.stacks[kind];
    const names = { if: ['IF', 'ELSE', 'ENDIF'], cpp: ['#if', '#else', '#endif'], sysgen: ['@CESYSGEN IF', '@CESYSGEN ELSE', '@CESYSGEN ENDIF'] }[kind];
    if (keyword === 'IF' || keyword === 'ELIF') {
      if (keyword === 'ELIF') {
        const frame = stack[stack.length - 1];
        if (frame === undefined || frame.inElse) {
          this.diagnostics.error('UNBALANCED_CONDITIONAL', file, line, frame === undefined ? '#elif with no open #if' : '#elif after #else');
          return;
        }
        const taken = frame.outer && !frame.anyTaken && this.evaluate(kind, argument, file, line);
        frame.taken = taken;
        frame.anyTaken ||= taken;
        state.refresh();
        return;
      }
      const outer = state.active;
      const taken = outer && this.evaluate(kind, argument, file, line);
      stack.push({ outer, taken, anyTaken: taken, inElse: false, condition: argument, line });
      state.refresh();
      return;
    }
    const frame = stack[stack.length - 1];
    if (frame === undefined) {
      this.diagnostics.error('UNBALANCED_CONDITIONAL', file, line, `${keyword === 'ELSE' ? names[1] : names[2]} with no open ${names[0]}`);
      return;
    }
    if (keyword === 'ELSE') {
      if (frame.inElse) this.diagnostics.error('UNBALANCED_CONDITIONAL', file, line, `second ${names[1]} for the ${names[0]} on line ${frame.line}`);
      frame.inElse = true;
      frame.taken = !frame.anyTaken;
      frame.anyTaken = true;
      state.refresh();
      return;
    }
    stack.pop();
    state.refresh();
    if (!labelMatches(argument, frame.condition)) {
      this.output.statistics.endifLabels++;
      if (this.options.pedantic === true) this.diagnostics.warning('ENDIF_LABEL_MISMATCH', file, line, `${names[2]} ${argument} closes ${names[0]} ${frame.condition} (line ${frame.line})`);
    }
  }

  private evaluate(kind: FrameKind, argument: string, file: string, line: number): boolean {
    try {
      let result: boolean;
      if (kind === 'if') result = evaluateIf(argument, this.lookup);
      else if (kind === 'sysgen') result = evaluateSysgen(argument, (component) => this.sysgen.mode === 'all' || this.components.has(fold(component)));
      else {
        const expanded = argument.includes('$(') ? this.expand(argument, file, line, '""') : argument;
        if (expanded === undefined) return false;
        result = evaluateCpp(expanded, this.lookup);
      }
      if (result) this.output.statistics.conditionalsTaken++;
      else this.output.statistics.conditionalsSkipped++;
      return result;
    } catch (error) {
      if (!(error instanceof ConditionSyntaxError)) throw error;
      this.diagnostics.error('BAD_CONDITION', file, line, `${error.message} in ${quoteSource(argument)}`);
      return false;
    }
  }

  private directive(name: string, argument: string, file: string, line: number, state: FileState): void {
    switch (name) {
      case 'if':
        this.conditional('cpp', 'IF', argument.trim(), file, line, state);
        return;
      case 'ifdef':
      case 'ifndef':
        this.conditional('cpp', 'IF', `${name === 'ifndef' ? '! ' : ''}defined ${argument.trim()}`, file, line, state);
        return;
      case 'elif':
        this.conditional('cpp', 'ELIF', argument.trim(), file, line, state);
        return;
      case 'else':
        this.conditional('cpp', 'ELSE', '', file, line, state);
        return;
      case 'endif':
        this.conditional('cpp', 'ENDIF', argument.trim(), file, line, state);
        return;
    }
    if (!state.active) return;
    switch (name) {
      case 'define': {
        const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$/.exec(argument.trim());
        if (match === null) {
          this.diagnostics.error('BAD_DIRECTIVE', file, line, '#define takes a name');
          return;
        }
        let value = match[2]!.trim();
        if (value.includes('$(')) {
          const expanded = this.expand(value, file, line);
          if (expanded === undefined) return;
          value = expanded;
        }
        this.defines.set(fold(match[1]!), value);
        return;
      }
      case 'undef':
        this.defines.delete(fold(argument.trim()));
        return;
      case 'error':
        this.diagnostics.error('ERROR_DIRECTIVE', file, line, `#error ${argument.trim()}`);
        return;
      case 'message':
        // fMerge prints the text while it merges: information, not a problem.
        this.diagnostics.note('MESSAGE_DIRECTIVE', file, line, `#message ${argument.trim()}`);
        return;
      case 'include':
        this.include(argument, file, line);
        return;
      default:
        // A C header's #pragma (once, pack…) is for the C compiler.
        if (state.cHeader && name === 'pragma') return;
        this.diagnostics.warning('BAD_DIRECTIVE', file, line, `#${name} is not a directive of registry sources: line left out`);
    }
  }

  private include(argument: string, file: string, line: number): void {
    const match = /^\s*(?:"([^"]*)"|<([^>]*)>)/.exec(argument);
    if (match === null) {
      this.diagnostics.error('BAD_DIRECTIVE', file, line, '#include takes a "path"');
      return;
    }
    let path = match[1] ?? match[2]!;
    if (path.includes('$(')) {
      const expanded = this.expand(path, file, line);
      if (expanded === undefined) return;
      path = expanded;
    }
    const lookupKey = `${file}\u0000${path}`;
    let target = this.resolved.get(lookupKey);
    if (target === undefined && !this.resolved.has(lookupKey)) {
      target = this.host.resolveInclude(path, file);
      this.resolved.set(lookupKey, target);
    }
    if (target === undefined) {
      if (this.options.missingInclude === 'warn') this.diagnostics.warning('MISSING_INCLUDE', file, line, `#include ${quoteSource(path)}: no such file; line skipped`);
      else this.diagnostics.error('MISSING_INCLUDE', file, line, `#include ${quoteSource(path)}: no such file`);
      return;
    }
    if (this.includeStack.includes(target)) {
      this.diagnostics.error('INCLUDE_CYCLE', file, line, `#include ${quoteSource(path)} includes ${target}, which is already being read`);
      return;
    }
    if (this.includeStack.length > MAX_INCLUDE_DEPTH) {
      this.diagnostics.error('INCLUDE_CYCLE', file, line, `#include nested deeper than ${MAX_INCLUDE_DEPTH} files`);
      return;
    }
    this.processFile(target, file, line, true);
  }
}
