import type { DamageLoss, HiveFormatError, UnresolvedLink } from '@hivetool/hive';
import { RegTextWriter, type RegStyle } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { safeLine } from '../failures.js';
import { UNVERIFIED_ROM } from '../rom.js';
import { LOST_WORDS, describeLink, type DumpHeader, type DumpKey, type DumpValue, type DumpVisitor } from './tree.js';


/** The comment after each key or value line read through a ROM hive that failed the ROM check. */
export const UNVERIFIED_COMMENT = 'unverified: the line above is from a ROM hive that failed the ROM check (--force-rom)';

/** What a .reg dump says on stderr when it left keys or values out as comments. */
export function skippedNamesWarning(file: string, keys: number, values: number): string {
  return `warning: ${file}: ${keys} key(s) and ${values} value(s) have names .reg text cannot hold; they are left out as comments (--format json keeps them)`;
}

/**
 * .reg text: one `[path]` line per key, then its values. What .reg cannot express
 * (key and value flags, unresolved links) is written as `;` comment lines.
 */
export function regVisitor(header: DumpHeader, sink: TextSink, style: RegStyle): DumpVisitor & { writer: RegTextWriter } {
  const writer = new RegTextWriter(sink.utf8, style);
  sink.write('\n');
  // A file name is untrusted: a newline in it would start a line of its own (a forged key).
  writer.comment(`${safeLine(header.file)}: ${header.kind}${header.kind === 'image' ? '' : ' hive'}${header.romSignature === null ? '' : `, ROM signature ${header.romSignature}`}`);
  return {
    writer,
    start(path: string) {
      writer.start(path);
    },
    key(key: DumpKey, depth: number) {
      // The line is the parent's path bytes plus the name from the file.
      writer.storedKey(depth, key.store.bytes, key.nameOffset, key.nameLength, key.flags);
      if (key.source === UNVERIFIED_ROM) writer.comment(UNVERIFIED_COMMENT);
    },
    value(value: DumpValue) {
      const bytes = value.store.bytes;
      writer.valueFrom(bytes, value.nameOffset, value.nameLength, value.type, bytes, value.dataOffset, value.dataLength, value.flags);
      if (value.source === UNVERIFIED_ROM) writer.comment(UNVERIFIED_COMMENT);
    },
    unresolved(link: UnresolvedLink, path: string) {
      writer.comment(`unresolved in ${path}: ${describeLink(link)}`);
    },
    damaged(error: HiveFormatError, path: string, lost: DamageLoss) {
      writer.comment(safeLine(`hivetool: damaged record skipped under ${path} (${LOST_WORDS[lost]}): ${error.message}`));
    },
  };
}
