/**
 * Records (format guide §8): the field offsets of the roots, key and value records, and
 * pure checks of whether a record's fields fit its block. The reader throws the problem
 * (`HiveKey`, `HiveValue`), `verifyHive` reports it under the same code, and the lossless
 * split and the raw dump keep such a record as raw bytes.
 */
import { KeyFlags, ROOT_COUNT } from '@hivetool/registry';

export { ROOT_COUNT };

/** Key record field offsets inside the payload (format guide §8). */
export const KeyField = {
  nextSibling: 0,
  firstChild: 4,
  firstValue: 8,
  nameLength: 12,
  unknown: 13,
  flags: 14,
  name: 16,
} as const;

/** Value record field offsets inside the payload (format guide §8). */
export const ValueField = {
  nextValue: 0,
  type: 4,
  dataLength: 6,
  nameLength: 8,
  flags: 9,
  name: 10,
} as const;

/** Key flag bits with an observed meaning; any other set bit is reported as unknown. */
export const KNOWN_KEY_FLAGS = KeyFlags.ROM_COPY | KeyFlags.VOLATILE;

/** @deprecated the same as `ROOT_COUNT`. */
export const ROOT_SLOTS = ROOT_COUNT;
/** Bytes of the roots record's payload: one u32 reference per root. */
export const ROOTS_PAYLOAD = ROOT_COUNT * 4;

/** Why a record's fields do not fit its block. */
export interface RecordProblem {
  code: 'RECORD_TOO_SMALL' | 'NAME_PAST_BLOCK' | 'DATA_PAST_BLOCK';
  /** Payload offset of the field at fault (0 for `RECORD_TOO_SMALL`, the block as a whole). */
  field: number;
  /** The most the field may hold: bytes of payload, UTF-16 units of name, bytes of data. */
  limit: number;
  /** What the record claims, in the same unit. */
  actual: number;
}

/** Whether a key record with a `size`-byte payload and a name of `nameLength` units fits its block. */
export function keyRecordProblem(size: number, nameLength: number): RecordProblem | undefined {
  if (size < KeyField.name) return { code: 'RECORD_TOO_SMALL', field: 0, limit: KeyField.name, actual: size };
  if (KeyField.name + 2 * nameLength > size) return { code: 'NAME_PAST_BLOCK', field: KeyField.nameLength, limit: (size - KeyField.name) >> 1, actual: nameLength };
  return undefined;
}

/**
 * Whether a value record with a `size`-byte payload, a name of `nameLength` units and
 * `dataLength` bytes of data fits its block. `nameLength` is read only when the fixed
 * fields fit, so callers pass what the block holds there.
 */
export function valueRecordProblem(size: number, nameLength: number, dataLength: number): RecordProblem | undefined {
  if (size < ValueField.name) return { code: 'RECORD_TOO_SMALL', field: 0, limit: ValueField.name, actual: size };
  const nameEnd = ValueField.name + 2 * nameLength;
  if (nameEnd > size) return { code: 'NAME_PAST_BLOCK', field: ValueField.nameLength, limit: (size - ValueField.name) >> 1, actual: nameLength };
  if (nameEnd + dataLength > size) return { code: 'DATA_PAST_BLOCK', field: ValueField.dataLength, limit: size - nameEnd, actual: dataLength };
  return undefined;
}

/** Bytes a key record's fields need, padded to 4: a larger block has slack. */
export function keyRecordNeeds(nameLength: number): number {
  return (KeyField.name + 2 * nameLength + 3) & ~3;
}

/** Bytes a value record's fields need (its data and two more bytes), padded to 4. */
export function valueRecordNeeds(nameLength: number, dataLength: number): number {
  return (ValueField.name + 2 * nameLength + dataLength + 2 + 3) & ~3;
}
