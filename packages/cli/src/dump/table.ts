import type { DeletedRecord } from '@hivetool/forensics';
import { decodeUtf16 } from '@hivetool/registry';
import { storedValueRow, valueRow, type RowSink, type StoredValue } from '../table/rows.js';
import type { DumpHeader, DumpKey, DumpValue, DumpVisitor } from './tree.js';

/**
 * `dump -f csv|jsonl|parquet`: one row per value, in tree pre-order. A key's path is its
 * parent's (kept by depth) plus its own name, decoded once per key; a sink that builds
 * paths from the names' bytes (CSV, JSON Lines, Parquet: `keyName`) is given the names instead.
 */
export function tableVisitor(header: DumpHeader, rows: RowSink): DumpVisitor {
  const paths: string[] = [];
  let current = '';
  // One record reused for every value: the sink reads it before the next.
  const stored: StoredValue = { file: header.file, hiveKind: header.kind, keyPath: '', bytes: new Uint8Array(0), nameOffset: 0, nameUnits: 0, type: 0, dataOffset: 0, dataLength: 0, offset: null, source: '' };
  return {
    start(path: string) {
      paths.length = 0;
      paths[0] = path;
      current = path;
      rows.startPath?.(path);
    },
    key(key: DumpKey, depth: number) {
      if (rows.keyName) {
        // The sink builds the path from the names' bytes: no string per key.
        rows.keyName(depth, key.store.bytes, key.nameOffset, key.nameLength);
        return;
      }
      if (depth > 0) {
        const parent = paths[depth - 1];
        if (parent === undefined) throw new RangeError(`table dump: a key at depth ${depth} follows no key at depth ${depth - 1}`);
        paths[depth] = parent + '\\' + decodeUtf16(key.store.bytes, key.nameOffset, key.nameLength);
      }
      current = paths[depth]!;
    },
    value(value: DumpValue) {
      stored.keyPath = current;
      stored.bytes = value.store.bytes;
      stored.nameOffset = value.nameOffset;
      stored.nameUnits = value.nameLength;
      stored.type = value.type;
      stored.dataOffset = value.dataOffset;
      stored.dataLength = value.dataLength;
      stored.offset = value.offset;
      stored.source = value.source;
      if (rows.value) rows.value(stored);
      else rows.row(storedValueRow(stored));
    },
    unresolved() {
      // A link the dump cannot follow holds no value; .reg and JSON list it.
    },
    damaged() {
      // A skipped record holds no row; the file's error line counts what was skipped.
    },
  };
}

/** `--deleted`: a row per deleted value recovered from free space (deleted keys hold no value). */
export function deletedRows(header: DumpHeader, records: readonly DeletedRecord[], rows: RowSink): void {
  for (const record of records) {
    if (record.kind !== 'value') continue;
    const row = valueRow(header.file, header.kind, record.parentPath ?? '?', record.name, record.type, record.data, record.offset, 'file', true);
    // Only part of the data is left: the size is what the record declared, the data only as hex.
    if (record.certainty === 'partial') rows.row({ ...row, data: null, size: record.dataLength });
    else rows.row(row);
  }
}
