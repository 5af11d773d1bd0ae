import { hex32 } from './hex.js';

/** What every codec error says: which field or structure, where, and what was wrong. */
export interface CodecErrorDetails {
  /** Which field or structure was bad, in the format's own words. */
  what: string;
  /** Offset of the bad field (or of the record holding it). */
  offset: number;
  expected?: string;
  actual?: string;
}

/**
 * The base of each codec package's one error class (`HiveFormatError`,
 * `ImageFormatError`): structured fields for programs, and a message made from them for
 * people — `what at offset 0x…: expected …, found … [CODE]`.
 */
export abstract class CodecError<Code extends string> extends Error {
  readonly code: Code;
  readonly offset: number;
  readonly what: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;

  constructor(code: Code, details: CodecErrorDetails) {
    let message = `${details.what} at offset ${hex32(details.offset)}`;
    if (details.expected !== undefined) message += `: expected ${details.expected}`;
    if (details.actual !== undefined) message += `${details.expected === undefined ? ':' : ','} found ${details.actual}`;
    super(`${message} [${code}]`);
    this.code = code;
    this.offset = details.offset;
    this.what = details.what;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}
