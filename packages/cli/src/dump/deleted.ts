import { UNKNOWN_PARENT, recoverDeleted, type DeletedRecord } from '@hivetool/forensics';
import type { Hive } from '@hivetool/hive';
import { jsonValue, regQuote, renderRegValue, toHex, terminalSafeJson, valueTypeName } from '@hivetool/registry';

/**
 * The deleted records of a hive (`dump --deleted`): stale bytes in free blocks, never the
 * live tree. With `under` (the paths a `--key` dump covers), only the records whose former
 * parent is known to be one of them or below.
 */
export function deletedRecords(hive: Hive, under?: readonly string[]): DeletedRecord[] {
  const records = recoverDeleted(hive);
  if (under === undefined) return records;
  const scopes = under.map((path) => path.toLowerCase());
  return records.filter((record) => {
    const parent = record.parentPath?.toLowerCase();
    return parent !== undefined && scopes.some((scope) => parent === scope || parent.startsWith(scope + '\\'));
  });
}

function where(record: DeletedRecord): string {
  const parent = record.parentVia === 'live-chain' ? ', parent through a live chain' : '';
  const slack = record.where === 'slack' ? ', in the slack of a live block' : '';
  return `id ${record.id}${record.idReused ? ' (now used again)' : ''}, offset 0x${record.offset.toString(16)}${slack}, ${record.certainty}${parent}`;
}

/**
 * `.reg` text for deleted records: comment lines only, after the live keys, so a tool
 * reading the .reg (and a diff of the live part) sees nothing of them.
 */
export function deletedAsReg(records: readonly DeletedRecord[]): string {
  if (records.length === 0) return '\n; deleted records: none found in free space\n';
  let text = `\n; deleted records: ${records.length}, recovered from free space (not part of the registry)\n`;
  for (const record of records) {
    const parent = record.parentPath ?? UNKNOWN_PARENT;
    if (record.kind === 'key') {
      text += `; deleted key [${parent}\\${record.name}] (${where(record)})\n`;
      continue;
    }
    const line =
      record.certainty === 'partial'
        ? `${regQuote(record.name)}=${valueTypeName(record.type)}, ${record.data.length} of ${record.dataLength} data bytes left: ${toHex(record.data)}`
        : renderRegValue(record.name, record.type, record.data);
    text += `; deleted value in [${parent}] (${where(record)})\n;   ${line.replace(/\n/g, '\n;   ')}\n`;
    if (record.inferredLength !== undefined) text += `;   ${inferredNote(record.inferredLength, record.data.length)}\n`;
  }
  return text;
}

/** What an `inferred` value's data is: the bytes after its name, of which the value held `min` to `max`. */
export function inferredNote(range: { min: number; max: number }, shown: number): string {
  const length = range.min === range.max ? `${range.min}` : `${range.min} to ${range.max}`;
  return `inferred: its type and data length fields were zeroed; the data is the first ${length} of the ${shown} bytes shown (the bytes after its name, up to where the evidence bounds it); its type is not known`;
}

/** The `deleted` member of a hive's JSON object (docs/json-schema.md), with its leading comma. */
export function deletedAsJson(records: readonly DeletedRecord[]): string {
  const items = records.map((record) => {
    const common = { kind: record.kind, parentPath: record.parentPath, parentVia: record.parentVia, id: record.id, idReused: record.idReused, offset: record.offset, length: record.length, where: record.where, certainty: record.certainty };
    if (record.kind === 'key') return terminalSafeJson(JSON.stringify({ ...common, name: record.name, flags: record.flags }));
    const content = jsonValue(record.name, record.type, record.flags, record.data);
    const inferred = record.inferredLength === undefined ? {} : { inferredLength: record.inferredLength };
    return terminalSafeJson(JSON.stringify({ ...common, ...content, value: record.certainty === 'partial' || record.certainty === 'inferred' ? null : content.value, dataLength: record.dataLength, ...inferred }));
  });
  return `,"deleted":[${items.join(',\n')}]`;
}
