/**
 * The hex view: 16 bytes a line with the file offset of each line, the bytes and their
 * ASCII; a range (a value's data) highlighted, one byte (a finding's offset) outlined.
 */
import { element } from './dom.js';
import type { HexInfo } from './protocol.js';

export interface HexMarks {
  /** File offset and length of the bytes to highlight (a value's data). */
  highlightAt?: number;
  highlightLength?: number;
  /** File offset of the byte to outline. */
  at?: number;
}

export function renderHex(container: HTMLElement, hex: HexInfo, marks: HexMarks = {}): void {
  const highlightAt = marks.highlightAt ?? -1;
  const highlightEnd = highlightAt + (marks.highlightLength ?? 0);
  const lines: HTMLElement[] = [];
  const start = hex.offset - (hex.offset % 16);
  const end = hex.offset + hex.bytes.length;
  for (let line = start; line < end; line += 16) {
    const div = element('div', 'hexline');
    div.append(element('span', 'offset', line.toString(16).padStart(8, '0')));
    const bytes = element('span', 'bytes');
    let ascii = '';
    for (let at = line; at < line + 16; at++) {
      const inside = at >= hex.offset && at < end;
      const value = inside ? hex.bytes[at - hex.offset]! : -1;
      const cell = element('span', 'byte', inside ? value.toString(16).padStart(2, '0') : '  ');
      if (inside && at >= highlightAt && at < highlightEnd) cell.classList.add('data');
      if (at === marks.at) cell.classList.add('at');
      bytes.append(cell);
      ascii += !inside ? ' ' : value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.';
    }
    div.append(bytes, element('span', 'ascii', ascii));
    lines.push(div);
  }
  container.replaceChildren(...lines);
}
