import type { UnresolvedLink } from '@hivetool/hive';
import { RegTextWriter, type RegStyle } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { describeLink, type DumpHeader, type DumpKey, type DumpValue, type DumpVisitor } from './tree.js';

export function regFileHeader(sink: TextSink): void {
  new RegTextWriter((text) => sink.write(text)).header();
}

/**
 * .reg text: one `[path]` line per key, then its values. What .reg cannot express
 * (key and value flags, unresolved links) is written as `;` comment lines.
 */
export function regVisitor(header: DumpHeader, sink: TextSink, style: RegStyle): DumpVisitor & { writer: RegTextWriter } {
  const writer = new RegTextWriter((text) => sink.write(text), style);
  sink.write('\n');
  writer.comment(`${header.file}: ${header.kind}${header.kind === 'image' ? '' : ' hive'}${header.romSignature === null ? '' : `, ROM signature ${header.romSignature}`}`);
  return {
    writer,
    key(key: DumpKey, path: string) {
      writer.keyAt(path, key.name, key.flags);
    },
    value(value: DumpValue) {
      writer.value(value.name, value.type, value.data, value.flags);
    },
    unresolved(link: UnresolvedLink, path: string) {
      writer.comment(`unresolved in ${path}: ${describeLink(link)}`);
    },
  };
}
