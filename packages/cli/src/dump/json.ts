import type { DamageLoss, HiveFormatError, UnresolvedLink } from '@hivetool/hive';
import { escapeJsonUtf16, jsonConstant, jsonValueRoom, putConstant, putDecimal, putJsonValueOpen, terminalSafeJson, type JsonConstant } from '@hivetool/registry';
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
  // A hive's records are written from the file's bytes (see putJsonValueOpen); each key's
  // path is its parent's escaped path bytes, kept by depth, plus its own name.
  let pathBytes = new Uint8Array(1024);
  const pathEnds: number[] = [0];
  // Depth of the last key written (0 right after `start`), or -1 before any start.
  let lastDepth = -1;
  // What follows a record's storage members (its source member, in --content-only only the
  // unverified mark), with the rest up to the next number: a key's `,"flags":`, a value's `}`.
  const tails = new Map<string, RecordTails>();
  let lastSource = '';
  let lastTails: RecordTails | undefined;
  const tailsOf = (source: string): RecordTails => {
    if (source === lastSource && lastTails !== undefined) return lastTails;
    let found = tails.get(source);
    if (found === undefined) {
      // A record read through a ROM hive that failed the ROM check (--force-rom): from the
      // ROM, and marked unverified.
      const member = contentOnly ? (source === UNVERIFIED_ROM ? ',"unverified":true' : '') : source === UNVERIFIED_ROM ? ',"source":"rom","unverified":true' : ',"source":' + JSON.stringify(source);
      found = { key: jsonConstant(member + ',"flags":'), value: jsonConstant(member + '}') };
      tails.set(source, found);
    }
    lastSource = source;
    lastTails = found;
    return found;
  };
  const growPath = (size: number): void => {
    if (size <= pathBytes.length) return;
    const grown = new Uint8Array(Math.max(size, 2 * pathBytes.length));
    grown.set(pathBytes);
    pathBytes = grown;
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
      valuesWritten = 0;
      const bytes = key.store.bytes;
      const nameOffset = key.nameOffset;
      const units = key.nameLength;
      let end = pathEnds[depth === 0 ? 0 : depth - 1]!;
      // The escaped name ends the path (depth > 0): it is copied from there, not escaped twice.
      let nameStart = -1;
      if (depth > 0) {
        growPath(end + 2 + 6 * units);
        const path = pathBytes;
        path[end] = 0x5c;
        path[end + 1] = 0x5c;
        nameStart = end + 2;
        end = escapeJsonUtf16(path, nameStart, bytes, nameOffset, units);
        pathEnds[depth] = end;
      }
      const tail = tailsOf(key.source).key;
      // The previous key's closing `]}`, this key's line, its storage members and flags.
      out.room(end + 6 * units + tail.length + 128);
      const target = out.bytes;
      const path = pathBytes;
      let p = out.length;
      if (keyOpen) {
        target[p++] = 0x5d;
        target[p++] = 0x7d;
      }
      keyOpen = true;
      p = putConstant(target, p, keysWritten++ === 0 ? KEY_FIRST : KEY_NEXT);
      // Paths are long (hundreds of bytes in deep trees): copied natively.
      target.set(path.subarray(0, end), p);
      p = putConstant(target, p + end, NAME_MEMBER);
      if (nameStart >= 0) {
        for (let i = nameStart; i < end; i++) target[p++] = path[i]!;
      } else {
        p = escapeJsonUtf16(target, p, bytes, nameOffset, units);
      }
      if (contentOnly) {
        target[p++] = 0x22;
      } else {
        p = putConstant(target, p, KEY_ID_MEMBER);
        p = putDecimal(target, p, key.id);
        p = putConstant(target, p, OFFSET_MEMBER);
        p = putDecimal(target, p, key.offset);
      }
      p = putConstant(target, p, tail);
      p = putDecimal(target, p, key.flags);
      out.length = putConstant(target, p, VALUES_MEMBER);
    },
    value(value: DumpValue) {
      if (!keyOpen) return;
      const bytes = value.store.bytes;
      const nameUnits = value.nameLength;
      const dataLength = value.dataLength;
      const tail = tailsOf(value.source).value;
      // The comma, the value's members, its storage members and the closing brace.
      out.room(jsonValueRoom(nameUnits, dataLength) + tail.length + 64);
      const target = out.bytes;
      let p = out.length;
      if (valuesWritten++ !== 0) target[p++] = 0x2c;
      p = putJsonValueOpen(target, p, bytes, value.nameOffset, nameUnits, value.type, value.flags, bytes, value.dataOffset, dataLength);
      if (!contentOnly) {
        p = putConstant(target, p, ID_MEMBER);
        p = putDecimal(target, p, value.id);
        p = putConstant(target, p, OFFSET_MEMBER);
        p = putDecimal(target, p, value.offset);
      }
      out.length = putConstant(target, p, tail);
    },
    unresolved(link: UnresolvedLink, path: string) {
      links.push(terminalSafeJson(JSON.stringify({ path, link: link.link, ref: link.ref, store: link.store, id: link.id, offset: link.offset, reason: link.reason })));
    },
    damaged(error: HiveFormatError, path: string, lost: DamageLoss) {
      skipped.push(terminalSafeJson(JSON.stringify({ path, code: error.code, offset: error.offset, lost, message: error.message })));
    },
    finish(error?: string, members = '') {
      if (keyOpen) sink.write(']}');
      keyOpen = false;
      const damaged = skipped.length === 0 ? '' : ',"skippedRecords":[' + skipped.join(',') + ']';
      sink.write('\n],"unresolvedLinks":[' + links.join(',') + ']' + damaged + members + (error === undefined ? '' : ',"error":' + terminalSafeJson(JSON.stringify(error))) + '}');
    },
  };
}

const ENCODER = new TextEncoder();
const KEY_FIRST = jsonConstant('\n{"path":"');
const KEY_NEXT = jsonConstant(',\n{"path":"');
const NAME_MEMBER = jsonConstant('","name":"');

/** The bytes after a record's storage members: see tailsOf. */
interface RecordTails {
  readonly key: JsonConstant;
  readonly value: JsonConstant;
}

// A key's id follows its name, before the closing quote; a value's its raw member.
const KEY_ID_MEMBER = jsonConstant('","id":');
const ID_MEMBER = jsonConstant(',"id":');
const OFFSET_MEMBER = jsonConstant(',"offset":');
const VALUES_MEMBER = jsonConstant(',"values":[');
