import { decodeValue, isRegQuotable } from './decode.js';
import { hexByte } from './hex.js';
import { ValueType } from './valueTypes.js';

/** First line of the .reg text hivetool writes (UTF-8, regedit 4 syntax plus CE forms). */
export const REG_HEADER = 'REGEDIT4';

// regedit wraps hex data so that no line passes 80 columns, ending each with `\`.
const HEX_LINE_LIMIT = 76;

/** `"a\"b"`: a .reg double-quoted string (backslash and quote escaped). */
export function regQuote(text: string): string {
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** `[HKEY_LOCAL_MACHINE\nls]` */
export function renderRegKeyLine(path: string): string {
  return '[' + path + ']';
}

function renderHex(prefix: string, data: Uint8Array, startColumn: number): string {
  let out = prefix;
  let lineLength = startColumn + prefix.length;
  for (let i = 0; i < data.length; i++) {
    const last = i === data.length - 1;
    const piece = last ? hexByte(data[i]!) : hexByte(data[i]!) + ',';
    if (lineLength + piece.length > HEX_LINE_LIMIT) {
      out += '\\\n  ';
      lineLength = 2;
    }
    out += piece;
    lineLength += piece.length;
  }
  return out;
}

/**
 * Renders the right-hand side of a value line, choosing a form that reads back as the
 * same type and bytes:
 * - well-formed REG_SZ → `"text"`, REG_DWORD → `dword:0000abcd`;
 * - well-formed REG_MULTI_SZ → `multi_sz:"a","b"` and REG_MUI_SZ → `mui_sz:"dll,#1"`
 *   (the CE platform.reg forms);
 * - everything else → `hex:` for REG_BINARY and `hex(N):` (N in hex) for other types,
 *   so EXPAND_SZ is `hex(2):`, MULTI_SZ that is not well formed `hex(7):`, MUI_SZ `hex(15):`.
 */
export function renderRegData(type: number, data: Uint8Array, prefixLength = 0): string {
  // prefixLength: columns already used on the line (the `"name"=` part), for wrapping.
  const decoded = decodeValue(type, data);
  if (type === ValueType.SZ && decoded.kind === 'string' && isRegQuotable(decoded.value)) {
    return regQuote(decoded.value);
  }
  if (type === ValueType.MUI_SZ && decoded.kind === 'string' && isRegQuotable(decoded.value)) {
    return 'mui_sz:' + regQuote(decoded.value);
  }
  if (type === ValueType.DWORD && decoded.kind === 'number') {
    return 'dword:' + decoded.value.toString(16).padStart(8, '0');
  }
  if (type === ValueType.MULTI_SZ && decoded.kind === 'strings' && decoded.value.every(isRegQuotable)) {
    return 'multi_sz:' + decoded.value.map(regQuote).join(',');
  }
  const prefix = type === ValueType.BINARY ? 'hex:' : `hex(${type.toString(16)}):`;
  return renderHex(prefix, data, prefixLength);
}

/** One value line: `"name"=data`. */
export function renderRegValue(name: string, type: number, data: Uint8Array): string {
  const left = regQuote(name) + '=';
  return left + renderRegData(type, data, left.length);
}
