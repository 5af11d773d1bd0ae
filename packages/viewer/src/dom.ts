/** Small DOM helpers the page's modules share. */

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
