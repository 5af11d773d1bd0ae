import { rootIndex } from '@hivetool/registry';
import type { DiagnosticList } from './diagnostics.js';
import type { MergedSource } from './preprocess.js';

/**
 * The merged lines each hive is built from, as indexes into `MergedSource.texts` (a key
 * line may appear twice in `boot`: repeated before boot-section values of a key opened
 * outside the section).
 */
export interface HiveLines {
  /** Boot-section data only: `boot.hv`. */
  boot: number[];
  /** Everything outside HKEY_CURRENT_USER, boot-section data included: `default.hv`. */
  system: number[];
  /** HKEY_CURRENT_USER: `user.hv`. */
  user: number[];
}

// Registry sources guide §3: the markers are whole lines; prose that contains the phrase is not one.
const BOOT_START = /^;[ \t]*HIVE[ \t]+BOOT[ \t]+SECTION$/;
const BOOT_END = /^;[ \t]*END[ \t]+HIVE[ \t]+BOOT[ \t]+SECTION$/;
// Lines the .reg parser continues with a trailing backslash (hex data and multi_sz lists).
const CONTINUABLE = /=\s*(hex(\([0-9a-fA-F]{1,8}\))?|multi_sz):/i;
const HKEY_CURRENT_USER = 1;
const REG_HEADERS = new Set(['REGEDIT4', 'Windows Registry Editor Version 5.00']);

/** True when `text` (trimmed) is a boot-section start or end marker line. */
export function bootMarker(text: string): 'start' | 'end' | undefined {
  if (BOOT_START.test(text)) return 'start';
  if (BOOT_END.test(text)) return 'end';
  return undefined;
}

/** Root index named by a key line `[ROOT\…]` or `[-ROOT\…]`; -1 when it names none. */
export function keyLineRoot(trimmed: string): number {
  let start = 1;
  if (trimmed[start] === '-') start++;
  let end = start;
  while (end < trimmed.length && trimmed[end] !== '\\' && trimmed[end] !== ']') end++;
  return rootIndex(trimmed.slice(start, end).trim());
}

/**
 * Routes the merged lines to the three hives (registry sources guide §1): data between
 * `; HIVE BOOT SECTION` and `; END HIVE BOOT SECTION` goes to the boot hive and to the
 * system hive; HKEY_CURRENT_USER keys and their values to the user hive; everything else
 * to the system hive. Values follow the key line before them, across markers.
 * Marker problems are reported when `diagnostics` is given.
 */
export function splitHives(source: MergedSource, excluded: Set<number>, diagnostics?: DiagnosticList): HiveLines {
  const parts: HiveLines = { boot: [], system: [], user: [] };
  const { texts } = source;
  const where = (index: number): [string, number] => [source.files[source.fileOf[index]!]!, source.lineOf[index]!];
  let toUser = false;
  let currentKey = -1;
  let lastBootKey = -1;
  let bootStart = -1;
  let continuing = false;
  for (let index = 0; index < texts.length; index++) {
    if (excluded.has(index)) continue;
    const trimmed = texts[index]!.trim();
    if (continuing) {
      (toUser ? parts.user : parts.system).push(index);
      if (bootStart >= 0) parts.boot.push(index);
      continuing = trimmed.endsWith('\\');
      continue;
    }
    if (trimmed.length === 0) continue;
    const first = trimmed[0];
    if (first === ';') {
      const marker = bootMarker(trimmed);
      if (marker === 'start') {
        if (bootStart >= 0) diagnostics?.warning('NESTED_BOOT_SECTION', ...where(index), `boot section already open since ${where(bootStart).join(':')}; marker ignored`);
        else bootStart = index;
      } else if (marker === 'end') {
        if (bootStart < 0) diagnostics?.warning('STRAY_BOOT_END', ...where(index), 'END HIVE BOOT SECTION with no open boot section; marker ignored');
        bootStart = -1;
      }
      continue;
    }
    if (first === '#') continue;
    if (first === '[') {
      toUser = keyLineRoot(trimmed) === HKEY_CURRENT_USER;
      currentKey = index;
      (toUser ? parts.user : parts.system).push(index);
      if (bootStart >= 0) {
        parts.boot.push(index);
        lastBootKey = index;
      }
      continue;
    }
    if (first !== '"' && first !== '@' && !REG_HEADERS.has(trimmed)) {
      // Not a value line: real files hold stray text (a ruler of dashes); it is left out.
      diagnostics?.warning('UNRECOGNISED_LINE', ...where(index), `not a key, value or comment line: left out: ${trimmed.slice(0, 60)}`);
      excluded.add(index);
      continue;
    }
    (toUser ? parts.user : parts.system).push(index);
    if (bootStart >= 0) {
      // A boot section may start inside a key: the boot hive needs that key line too.
      if (currentKey >= 0 && lastBootKey !== currentKey) {
        parts.boot.push(currentKey);
        lastBootKey = currentKey;
      }
      parts.boot.push(index);
    }
    continuing = trimmed.endsWith('\\') && CONTINUABLE.test(trimmed);
  }
  if (bootStart >= 0) diagnostics?.warning('UNTERMINATED_BOOT_SECTION', ...where(bootStart), 'boot section not closed by the end of the input; closed there');
  return parts;
}
