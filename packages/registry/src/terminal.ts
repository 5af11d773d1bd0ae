/**
 * Text from a file (key and value names, value data, paths and values a ROM names, source
 * lines) shown on a terminal or in a log line. Such text is untrusted: an escape sequence
 * can rewrite the screen, a newline can forge a second line (`hivetool: …`), and a
 * bidirectional control can show `exe.txt` for `txt.exe`. The one rule, for every command
 * and the viewer:
 *
 * - C0 controls U+0000–U+001F, tab included (a tab in a name is invisible and moves the
 *   columns), DEL U+007F and C1 controls U+0080–U+009F;
 * - the bidirectional controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
 * - the invisible marks that hide or break text: zero-width U+200B–U+200D, the line and
 *   paragraph separators U+2028/U+2029 and U+FEFF;
 *
 * are shown escaped: `\n`, `\r`, `\t`, `\xHH` up to U+00FF, `\uHHHH` above. Every other
 * character, backslashes included, is shown as it is.
 */
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const TERMINAL_UNSAFE_ALL = new RegExp(TERMINAL_UNSAFE.source, 'g');

function escapeCharacter(character: string): string {
  if (character === '\n') return '\\n';
  if (character === '\t') return '\\t';
  if (character === '\r') return '\\r';
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every character a terminal would act on (see above) escaped; one line. */
export function escapeForTerminal(text: string): string {
  return TERMINAL_UNSAFE.test(text) ? text.replace(TERMINAL_UNSAFE_ALL, escapeCharacter) : text;
}

/** Whether `text` holds a character `escapeForTerminal` would escape. */
export function isTerminalUnsafe(text: string): boolean {
  return TERMINAL_UNSAFE.test(text);
}

/** Lines of human-readable output, each escaped as one line, joined with newlines (and ended by one). */
export function terminalLines(lines: readonly string[]): string {
  return lines.map(escapeForTerminal).join('\n') + '\n';
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 and the bidirectional and invisible
// marks as they are: a JSON document printed on a terminal could still reorder or hide text.
const JSON_UNSAFE_ALL = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * JSON text (as JSON.stringify makes it) with the characters above written as `\uHHHH`
 * escapes: the same document once parsed, but safe to show on a terminal. Such characters
 * can only stand inside JSON strings, where `\uHHHH` means the same character.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_UNSAFE_ALL, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
