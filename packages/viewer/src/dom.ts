/** Small DOM helpers the page's modules share. */
import { escapeForTerminal } from '@hivetool/registry';

/**
 * Text from a file (names, data, paths) as the page shows it: control, bidirectional and
 * invisible characters escaped (`\u202e`) by the one rule of the command line's output
 * (`escapeForTerminal`), so that U+202E cannot show `exe.txt` for `txt.exe`.
 */
export const shown = (text: string): string => escapeForTerminal(text);

/** The source label of records read through a ROM hive attached although it failed the ROM check. */
export const UNVERIFIED_SOURCE = 'rom-unverified';

/** The page element with this id. @throws {Error} if index.html lacks it (a build mistake). */
export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page element #${id} is missing`);
  return found as T;
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className !== undefined) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

export const hex32 = (value: number): string => '0x' + value.toString(16).padStart(8, '0');

export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}
