/** Why a .reg text could not be read. Stable: scripts and tests match on them. */
export type RegErrorCode =
  | 'SYNTAX' // a line that is no key, value, comment or header
  | 'UNKNOWN_ROOT' // a key path that does not start with a root
  | 'EMPTY_KEY_NAME' // a key path with an empty component
  | 'VALUE_OUTSIDE_KEY' // a value line before any key line
  | 'UNTERMINATED_STRING'
  | 'BAD_ESCAPE'
  | 'BAD_DWORD'
  | 'BAD_HEX'
  | 'LIMIT_EXCEEDED'; // a name over 255 UTF-16 units or data over 65535 bytes

/**
 * The one error the .reg parser throws. `line` and `column` are 1-based and point at the
 * offending character in the input as given (continuation lines included).
 */
export class RegParseError extends Error {
  override readonly name = 'RegParseError';
  readonly code: RegErrorCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly what: string;

  constructor(code: RegErrorCode, details: { file: string; line: number; column: number; what: string }) {
    super(`${details.file}:${details.line}:${details.column}: ${details.what} [${code}]`);
    this.code = code;
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.what = details.what;
  }
}
