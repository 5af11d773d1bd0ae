/**
 * Reads a localisation string file (`.str`): one `LOC_NAME replacement` per line
 * (`#define LOC_NAME replacement` is read the same way), blank lines and `;` comments
 * skipped. The replacement is the rest of the line, inserted as written: a string keeps
 * its quotes (`"Folder"=LOC_STORE_DEFAULT_FOLDER` needs `"Storage Card"`), a number has
 * none (`dword:LOC_LCID` needs `409`). Later lines win.
 */
export function parseStrings(text: string): { strings: Record<string, string>; ignoredLines: number[] } {
  const strings: Record<string, string> = {};
  const ignoredLines: number[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith(';') || line.startsWith('//')) return;
    const match = /^(?:#define\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/.exec(line);
    if (match === null) {
      ignoredLines.push(index + 1);
      return;
    }
    strings[match[1]!.toUpperCase()] = match[2]!.trim();
  });
  return { strings, ignoredLines };
}
