/**
 * What the compiler reports about its sources. Every diagnostic names a file and a
 * 1-based line; `error`s stop the compile (nothing is written), `warning`s do not.
 * The codes are stable: scripts and tests match on them.
 */
export type DiagnosticCode =
  | 'UNBALANCED_CONDITIONAL' // ELSE/ENDIF/#else/#endif with no open IF/#if, or an IF/#if still open at end of file
  | 'ENDIF_LABEL_MISMATCH' // the words after ENDIF/#endif/@CESYSGEN ENDIF name other variables than its IF (only with `pedantic`: fMerge reads them as a comment)
  | 'BAD_CONDITION' // an IF/#if/@CESYSGEN IF expression that cannot be read
  | 'BAD_DIRECTIVE' // a # line that is no known directive, or a directive without its argument
  | 'ERROR_DIRECTIVE' // a #error line was reached
  | 'MISSING_INCLUDE' // an #include whose file cannot be found
  | 'INCLUDE_CYCLE' // a file includes itself, or includes nest deeper than the limit
  | 'UNREADABLE_FILE' // a source file that could not be read
  | 'UTF16_WITHOUT_BOM' // a file without BOM read as UTF-16 by its zero bytes (as `build` reads it)
  | 'NOT_UTF8' // a file without BOM that is not valid UTF-8 and was read as windows-1252
  | 'STRAY_BOOT_END' // "; END HIVE BOOT SECTION" with no open boot section
  | 'NESTED_BOOT_SECTION' // "; HIVE BOOT SECTION" inside an open boot section
  | 'UNTERMINATED_BOOT_SECTION' // a boot section still open at the end of the input
  | 'UNBALANCED_TAG' // @XIPREGION / @BEGINASSOC tags that do not pair up
  | 'UNRESOLVED_MACRO' // $(NAME) with no -D, #define or environment variable of that name
  | 'UNRESOLVED_TOKEN' // a LOC_ token with no string in the .str files or -D
  | 'VALUE_OUTSIDE_KEY' // a value line with no key line before it
  | 'BAD_DATA' // a key or value line the .reg syntax cannot read
  | 'UNRECOGNISED_LINE' // a line that is no key, value, comment or directive: left out
  | 'LENIENT_SYNTAX' // an unquoted value name or a key path ending in \\, read as regedit would write it
  | 'LINE_TOO_LONG' // macro expansion made a line longer than the limit
  | 'LIMIT_EXCEEDED' // more source lines (includes counted) or merged text than the limits allow
  | 'MESSAGE_DIRECTIVE' // a #message line was reached (a note: fMerge prints the text during the build)
  | 'DEFAULT_VALUE_TWICE' // @= and "Default"= both set in one key: one value on the device, the later line wins
  | 'INCLUDE_NOT_A_FILE' // an #include that names a folder, a FIFO or a device
  | 'TOO_MANY_ERRORS'; // the compile stopped collecting errors

/** `error`s stop the compile, `warning`s set exit code 1, `note`s are information only. */
export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  file: string;
  line: number;
  message: string;
}

/** `FILE:LINE: severity: message [CODE]`, the form the CLI prints. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}: ${diagnostic.severity}: ${diagnostic.message} [${diagnostic.code}]`;
}

/** Collects diagnostics; stops collecting errors past a cap so hostile input stays bounded. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];
  private errorCount = 0;
  private warningCount = 0;
  private noteCount = 0;

  constructor(
    readonly maxErrors = 100,
    readonly maxWarnings = 1000,
    readonly maxNotes = 1000,
  ) {}

  get errors(): number {
    return this.errorCount;
  }
  get warnings(): number {
    return this.warningCount;
  }
  get notes(): number {
    return this.noteCount;
  }
  /** True once the error cap is reached: the compile should stop. */
  get full(): boolean {
    return this.errorCount >= this.maxErrors;
  }

  error(code: DiagnosticCode, file: string, line: number, message: string): void {
    this.errorCount++;
    if (this.errorCount <= this.maxErrors) this.items.push({ severity: 'error', code, file, line, message });
  }

  warning(code: DiagnosticCode, file: string, line: number, message: string): void {
    this.warningCount++;
    if (this.warningCount <= this.maxWarnings) this.items.push({ severity: 'warning', code, file, line, message });
  }

  note(code: DiagnosticCode, file: string, line: number, message: string): void {
    this.noteCount++;
    if (this.noteCount <= this.maxNotes) this.items.push({ severity: 'note', code, file, line, message });
  }
}

/** Longest piece of a source line quoted whole in a message. */
const QUOTE_CHARACTERS = 200;

/**
 * Source text quoted in a message: whole when short, else its start and its length, so
 * that a long (or hostile) line does not fill the terminal.
 */
export function quoteSource(text: string): string {
  const characters = [...text];
  if (characters.length <= QUOTE_CHARACTERS) return `"${text}"`;
  return `"${characters.slice(0, QUOTE_CHARACTERS - 1).join('')}…" (${characters.length} characters)`;
}
