import { decodeValue } from './decode.js';
import { toHex } from './hex.js';
import { valueTypeName } from './valueTypes.js';

/**
 * The typed reading of a value in hivetool's JSON (docs/json-schema.md): a string for
 * string types, an array of strings for REG_MULTI_SZ, a number for the DWORD types,
 * a decimal string for REG_QWORD (it may pass 2^53), null when only `raw` applies.
 */
export type JsonDecoded = string | number | readonly string[] | null;

export function jsonDecoded(type: number, data: Uint8Array): JsonDecoded {
  const decoded = decodeValue(type, data);
  switch (decoded.kind) {
    case 'string':
    case 'strings':
    case 'number':
      return decoded.value;
    case 'bigint':
      return decoded.value.toString();
    case 'bytes':
      return null;
  }
}

/** The JSON object of one value, in the documented field order. */
export interface JsonValue {
  name: string;
  type: string;
  typeNumber: number;
  flags: number;
  value: JsonDecoded;
  raw: string;
}

export function jsonValue(name: string, type: number, flags: number, data: Uint8Array): JsonValue {
  return { name, type: valueTypeName(type), typeNumber: type, flags, value: jsonDecoded(type, data), raw: toHex(data) };
}
