import { foldName, parseKeyPath, rootName } from '@hivetool/registry';
import type { MergedSource } from './preprocess.js';
import { keyLineRoot } from './split.js';

export interface ExplainEvent {
  kind: 'set' | 'delete-value' | 'delete-key';
  file: string;
  line: number;
  /** The merged line (for a key deletion, the `[-KEY]` line). */
  text: string;
}

export interface ExplainedValue {
  /** The value name as first written (`@` for the unnamed value). */
  name: string;
  /** Every line that touched the value, in merge order; the last one decides. */
  events: ExplainEvent[];
  /** False when the last event deleted it. */
  present: boolean;
}

export interface Explanation {
  key: string;
  /** Lines that opened or deleted the key itself. */
  keyEvents: ExplainEvent[];
  values: ExplainedValue[];
}

/** Name of the value a value line sets (`@` for the default value), and whether it deletes it. */
function valueLine(trimmed: string): { name: string; deletes: boolean } | undefined {
  let name: string;
  let position: number;
  if (trimmed.startsWith('@')) {
    name = '@';
    position = 1;
  } else if (trimmed.startsWith('"')) {
    name = '';
    position = 1;
    for (;;) {
      const c = trimmed[position];
      if (c === undefined) return undefined;
      if (c === '"') break;
      if (c === '\\' && position + 1 < trimmed.length) position++;
      name += trimmed[position];
      position++;
    }
    position++;
  } else return undefined;
  const rest = trimmed.slice(position).trimStart();
  if (!rest.startsWith('=')) return undefined;
  return { name, deletes: rest.slice(1).trim() === '-' };
}

/**
 * For one key (`HKLM\Comm\Tcpip`), every merged line that set or deleted each of its
 * values, with the file and line each came from: the last one wins (registry sources
 * guide §1, step 4). Returns undefined when `path` names no root.
 */
export function explainKey(merged: MergedSource, path: string): Explanation | undefined {
  const target = parseKeyPath(path);
  if (target === undefined) return undefined;
  const targetNames = target.names.map(foldName);
  const explanation: Explanation = { key: [rootName(target.root), ...target.names].join('\\'), keyEvents: [], values: [] };
  const byName = new Map<string, ExplainedValue>();
  let inKey = false;
  const event = (kind: ExplainEvent['kind'], index: number): ExplainEvent => ({ kind, file: merged.files[merged.fileOf[index]!]!, line: merged.lineOf[index]!, text: merged.texts[index]!.trim() });
  for (let index = 0; index < merged.texts.length; index++) {
    const trimmed = merged.texts[index]!.trim();
    const first = trimmed[0];
    if (first === '[') {
      inKey = false;
      const deleting = trimmed[1] === '-';
      const close = trimmed.lastIndexOf(']');
      const parsed = parseKeyPath(trimmed.slice(deleting ? 2 : 1, close < 0 ? undefined : close));
      if (parsed === undefined || parsed.root !== target.root || keyLineRoot(trimmed) !== target.root) continue;
      const names = parsed.names.map(foldName);
      if (deleting) {
        // Deleting the key or one of its parents deletes every value.
        if (names.length <= targetNames.length && names.every((name, at) => name === targetNames[at])) {
          const deletion = event('delete-key', index);
          explanation.keyEvents.push(deletion);
          for (const value of byName.values()) {
            if (value.present) value.events.push(deletion);
            value.present = false;
          }
        }
        continue;
      }
      inKey = names.length === targetNames.length && names.every((name, at) => name === targetNames[at]);
      if (inKey) explanation.keyEvents.push(event('set', index));
      continue;
    }
    if (!inKey || (first !== '"' && first !== '@')) continue;
    const parsed = valueLine(trimmed);
    if (parsed === undefined) continue;
    const folded = foldName(parsed.name);
    let value = byName.get(folded);
    if (value === undefined) {
      value = { name: parsed.name, events: [], present: false };
      byName.set(folded, value);
      explanation.values.push(value);
    }
    value.events.push(event(parsed.deletes ? 'delete-value' : 'set', index));
    value.present = !parsed.deletes;
  }
  return explanation;
}
