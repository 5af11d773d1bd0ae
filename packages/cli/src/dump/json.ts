import type { DamageLoss, HiveFormatError, UnresolvedLink } from '@hivetool/hive';
import { escapeJsonUtf16, putBytes, putDecimal, terminalSafeJson, writeJsonValueOpen } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { UNVERIFIED_ROM } from '../rom.js';
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
  const head = terminalSafeJson(JSON.stringify(contentOnly ? { kind: header.kind } : { file: header.file, kind: header.kind, fileLength: header.fileLength, romSignature: header.romSignature }));
  sink.write(head.slice(0, -1) + ',"keys":[');
  let keysWritten = 0;
  let keyOpen = false;
  let valuesWritten = 0;
  const links: string[] = [];
  const skipped: string[] = [];
  const out = sink.utf8;
  // A hive's records are written from the file's bytes (see writeJsonValueOpen); each key's
  // path is its parent's escaped path bytes, kept by depth, plus its own name.
  let pathBytes = new Uint8Array(1024);
  const pathEnds: number[] = [0];
  // Depth of the last key written (0 right after `start`), or -1 before any start.
  let lastDepth = -1;
  const sources = new Map<string, Uint8Array>();
  let lastSource = '';
  let lastSourceBytes: Uint8Array = EMPTY;
  const sourceMember = (source: string): Uint8Array => {
    if (source === lastSource && lastSourceBytes !== EMPTY) return lastSourceBytes;
    let bytes = sources.get(source);
    if (bytes === undefined) {
      // A record read through a ROM hive that failed the ROM check (--force-rom): from the
      // ROM, and marked unverified.
      bytes = ENCODER.encode(source === UNVERIFIED_ROM ? ',"source":"rom","unverified":true' : ',"source":' + JSON.stringify(source));
      sources.set(source, bytes);
    }
    lastSource = source;
    lastSourceBytes = bytes;
    return bytes;
  };
  const growPath = (size: number): void => {
    if (size <= pathBytes.length) return;
    const grown = new Uint8Array(Math.max(size, 2 * pathBytes.length));
    grown.set(pathBytes);
    pathBytes = grown;
  };

  const closeKey = (): void => {
    if (keyOpen) sink.write(']}');
    keyOpen = false;
  };

  return {
    start(path: string) {
      const escaped = ENCODER.encode(terminalSafeJson(JSON.stringify(path).slice(1, -1)));
      growPath(escaped.length);
      pathBytes.set(escaped);
      pathEnds.length = 1;
      pathEnds[0] = escaped.length;
      lastDepth = 0;
    },
    key(key: DumpKey, depth: number) {
      // The parent is the last key one level up (or the start): see RegTextWriter.storedKey.
      if (!(depth >= 0 && depth <= lastDepth + 1)) throw new RangeError(`JSON dump: a key at depth ${depth} follows ${lastDepth < 0 ? 'no start()' : `a key at depth ${lastDepth}`}`);
      lastDepth = depth;
      closeKey();
      keyOpen = true;
      valuesWritten = 0;
      const bytes = key.store.bytes;
      const nameOffset = key.nameOffset;
      const units = key.nameLength;
      let end = pathEnds[depth === 0 ? 0 : depth - 1]!;
      // The escaped name ends the path (depth > 0): it is copied from there, not escaped twice.
      let nameStart = -1;
      if (depth > 0) {
        growPath(end + 2 + 6 * units);
        pathBytes[end] = 0x5c;
        pathBytes[end + 1] = 0x5c;
        nameStart = end + 2;
        end = escapeJsonUtf16(pathBytes, nameStart, bytes, nameOffset, units);
        pathEnds[depth] = end;
      }
      const source = contentOnly ? (key.source === UNVERIFIED_ROM ? UNVERIFIED_MEMBER : EMPTY) : sourceMember(key.source);
      out.room(end + 6 * units + source.length + 96);
      const target = out.bytes;
      let p = putBytes(target, out.length, keysWritten++ === 0 ? KEY_FIRST : KEY_NEXT);
      target.set(pathBytes.subarray(0, end), p);
      p = putBytes(target, p + end, NAME_MEMBER);
      if (nameStart >= 0) {
        for (let i = nameStart; i < end; i++) target[p++] = pathBytes[i]!;
      } else {
        p = escapeJsonUtf16(target, p, bytes, nameOffset, units);
      }
      target[p++] = 0x22;
      p = contentOnly ? putBytes(target, p, source) : putStorage(target, p, key.id, key.offset, source);
      p = putBytes(target, p, FLAGS_MEMBER);
      p = putDecimal(target, p, key.flags);
      out.length = putBytes(target, p, VALUES_MEMBER);
    },
    value(value: DumpValue) {
      if (!keyOpen) return;
      if (valuesWritten++ !== 0) out.byte(0x2c);
      const bytes = value.store.bytes;
      writeJsonValueOpen(out, bytes, value.nameOffset, value.nameLength, value.type, value.flags, bytes, value.dataOffset, value.dataLength);
      const source = contentOnly ? (value.source === UNVERIFIED_ROM ? UNVERIFIED_MEMBER : EMPTY) : sourceMember(value.source);
      out.room(source.length + 64);
      const target = out.bytes;
      let p = out.length;
      p = contentOnly ? putBytes(target, p, source) : putStorage(target, p, value.id, value.offset, source);
      target[p] = 0x7d;
      out.length = p + 1;
    },
    unresolved(link: UnresolvedLink, path: string) {
      links.push(terminalSafeJson(JSON.stringify({ path, link: link.link, ref: link.ref, store: link.store, id: link.id, offset: link.offset, reason: link.reason })));
    },
    damaged(error: HiveFormatError, path: string, lost: DamageLoss) {
      skipped.push(terminalSafeJson(JSON.stringify({ path, code: error.code, offset: error.offset, lost, message: error.message })));
    },
    finish(error?: string, members = '') {
      closeKey();
      const damaged = skipped.length === 0 ? '' : ',"skippedRecords":[' + skipped.join(',') + ']';
      sink.write('\n],"unresolvedLinks":[' + links.join(',') + ']' + damaged + members + (error === undefined ? '' : ',"error":' + terminalSafeJson(JSON.stringify(error))) + '}');
    },
  };
}

const ENCODER = new TextEncoder();
const KEY_FIRST = ENCODER.encode('\n{"path":"');
const KEY_NEXT = ENCODER.encode(',\n{"path":"');
const NAME_MEMBER = ENCODER.encode('","name":"');
const EMPTY = new Uint8Array(0);
/** A record from a ROM hive that failed the ROM check, in --content-only JSON. */
const UNVERIFIED_MEMBER = ENCODER.encode(',"unverified":true');

/** A record's storage members, `,"id":N,"offset":N` and its source member, at `p`; returns the end. */
function putStorage(target: Uint8Array, p: number, id: number, offset: number, source: Uint8Array): number {
  p = putBytes(target, p, ID_MEMBER);
  p = putDecimal(target, p, id);
  p = putBytes(target, p, OFFSET_MEMBER);
  p = putDecimal(target, p, offset);
  return putBytes(target, p, source);
}
const ID_MEMBER = ENCODER.encode(',"id":');
const OFFSET_MEMBER = ENCODER.encode(',"offset":');
const FLAGS_MEMBER = ENCODER.encode(',"flags":');
const VALUES_MEMBER = ENCODER.encode(',"values":[');
