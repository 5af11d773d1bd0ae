import { KeyFlags, hexBytes, type Hive, type HiveKey, type HiveValue, type UnresolvedLink } from '@hivetool/hive';
import { REG_HEADER, regQuote, renderRegData, renderRegKeyLine } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { describeLink, type DumpVisitor } from './tree.js';

/** The stored name of the unnamed value (format guide §8); written as `@`. */
const DEFAULT_VALUE_NAME = 'Default';

export function regFileHeader(): string {
  return REG_HEADER + '\n';
}

function keyFlagsComment(flags: number): string {
  const names: string[] = [];
  if ((flags & KeyFlags.VOLATILE) !== 0) names.push('volatile: subkeys not stored');
  if ((flags & KeyFlags.ROM_COPY) !== 0) names.push('copy of a ROM key');
  const other = flags & ~(KeyFlags.VOLATILE | KeyFlags.ROM_COPY);
  if (other !== 0) names.push(`unknown bits 0x${other.toString(16).padStart(4, '0')}`);
  return `; key flags 0x${flags.toString(16).padStart(4, '0')} (${names.join(', ')})\n`;
}

/**
 * .reg text: one `[path]` line per key, then its values. What .reg cannot express
 * (key and value flags, unresolved links) is written as `;` comment lines.
 */
export function regVisitor(hive: Hive, file: string, sink: TextSink): DumpVisitor {
  sink.write(`\n; ${file}: ${hive.kind} hive, ROM signature ${hexBytes(hive.header.romSignature)}\n`);
  return {
    key(key: HiveKey, path: string) {
      sink.write('\n' + renderRegKeyLine(path) + '\n');
      if (key.flags !== 0) sink.write(keyFlagsComment(key.flags));
    },
    value(value: HiveValue) {
      const name = value.name;
      if (value.flags !== 0) sink.write(`; value flags 0x${value.flags.toString(16).padStart(2, '0')} (meaning not known)\n`);
      const left = (name === DEFAULT_VALUE_NAME ? '@' : regQuote(name)) + '=';
      sink.write(left + renderRegData(value.type, value.data, left.length) + '\n');
    },
    unresolved(link: UnresolvedLink, path: string) {
      sink.write(`; unresolved in ${path}: ${describeLink(link)}\n`);
    },
  };
}
