import { bomlessUtf16, bomlessUtf16Warning } from '@hivetool/registry';

/**
 * Source text decoding (registry sources guide §3): UTF-8 with or without BOM, UTF-16LE
 * with BOM (regedit's own export), and legacy code pages of localised component files.
 */
export interface DecodedSource {
  text: string;
  /** The encoding the text was read with (a WHATWG encoding name). */
  encoding: string;
  /** Set when a file without BOM was not valid UTF-8 and fell back to windows-1252. */
  fellBack: boolean;
  /** Set when the encoding was told by the bytes without a BOM (UTF-16 by its zero bytes): the warning to give. */
  guessed?: string;
}

/**
 * Decodes one source file. A BOM decides (UTF-8, UTF-16LE, UTF-16BE); without one, UTF-16
 * told by its zero bytes is read as such (with `guessed` set, as `build` does); else the
 * file is read with `encoding` when given (any label `TextDecoder` knows: `shift_jis`,
 * `gbk`, `windows-1252`, …), otherwise as UTF-8, falling back to windows-1252 for ANSI
 * files that are not valid UTF-8.
 *
 * @throws {RangeError} when `encoding` is not a label `TextDecoder` knows.
 */
export function decodeSource(bytes: Uint8Array, encoding?: string): DecodedSource {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8', fellBack: false };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le', fellBack: false };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be', fellBack: false };
  // UTF-16 without a BOM, told by its zero bytes exactly as `build` tells it (regText.ts).
  const bomless = bomlessUtf16(bytes);
  if (bomless !== undefined) return { text: new TextDecoder(bomless).decode(bytes), encoding: bomless, fellBack: false, guessed: bomlessUtf16Warning(bomless) };
  if (encoding !== undefined) {
    const decoder = new TextDecoder(encoding);
    return { text: decoder.decode(bytes), encoding: decoder.encoding, fellBack: false };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8', fellBack: false };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252', fellBack: true };
  }
}

/** True when `label` names an encoding `TextDecoder` can decode. */
export function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * Physical lines of a text: LF, CRLF and lone CR all end a line (mixed line ends occur in
 * real files); a final line end adds no empty line, and a missing one loses nothing.
 */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
