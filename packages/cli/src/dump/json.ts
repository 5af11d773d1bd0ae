import type { UnresolvedLink } from '@hivetool/hive';
import { jsonValue } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import type { DumpHeader, DumpKey, DumpValue, DumpVisitor } from './tree.js';

/** Identifies the document; bumped only on incompatible changes (docs/json-schema.md). */
export const DUMP_FORMAT = 'hivetool-dump';
export const DUMP_SCHEMA_VERSION = 1;

export function jsonDocumentStart(): string {
  return `{"format":"${DUMP_FORMAT}","schemaVersion":${DUMP_SCHEMA_VERSION},"hives":[`;
}

export function jsonDocumentEnd(): string {
  return '\n]}\n';
}

/**
 * Streams one hive object (the caller writes what separates it from the one before: see
 * partSeparator): header facts, then `keys` one per line, then the unresolved links. Each
 * key and value is written as it is reached, so memory does not grow with a key's values.
 * `finish(error)` closes the object early with an `error` member.
 */
export function jsonVisitor(header: DumpHeader, sink: TextSink, contentOnly = false): DumpVisitor & { finish(error?: string, members?: string): void } {
  // --content-only leaves out where things are stored (file, ids, offsets, sources,
  // signature), so registries from different files or formats compare equal as text.
  const head = JSON.stringify(contentOnly ? { kind: header.kind } : { file: header.file, kind: header.kind, fileLength: header.fileLength, romSignature: header.romSignature });
  sink.write(head.slice(0, -1) + ',"keys":[');
  let keysWritten = 0;
  let keyOpen = false;
  let valuesWritten = 0;
  const links: string[] = [];

  const closeKey = (): void => {
    if (keyOpen) sink.write(']}');
    keyOpen = false;
  };

  return {
    key(key: DumpKey, path: string) {
      closeKey();
      sink.write(
        (keysWritten++ === 0 ? '\n' : ',\n') +
          (contentOnly
            ? `{"path":${JSON.stringify(path)},"name":${JSON.stringify(key.name)},"flags":${key.flags},`
            : `{"path":${JSON.stringify(path)},"name":${JSON.stringify(key.name)},"id":${key.id},"offset":${key.offset},"source":${JSON.stringify(key.source)},"flags":${key.flags},`) +
          '"values":[',
      );
      keyOpen = true;
      valuesWritten = 0;
    },
    value(value: DumpValue) {
      if (!keyOpen) return;
      const content = jsonValue(value.name, value.type, value.flags, value.data);
      const object = contentOnly ? content : { ...content, id: value.id, offset: value.offset, source: value.source };
      sink.write((valuesWritten++ === 0 ? '' : ',') + JSON.stringify(object));
    },
    unresolved(link: UnresolvedLink, path: string) {
      links.push(JSON.stringify({ path, link: link.link, ref: link.ref, store: link.store, id: link.id, offset: link.offset, reason: link.reason }));
    },
    finish(error?: string, members = '') {
      closeKey();
      sink.write('\n],"unresolvedLinks":[' + links.join(',') + ']' + members + (error === undefined ? '' : ',"error":' + JSON.stringify(error)) + '}');
    },
  };
}
