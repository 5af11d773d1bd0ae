/**
 * Registry value types (format guide §8). Numbers are the on-disk `type` field;
 * anything not listed here is an unknown type whose data is kept as bytes.
 */
export const ValueType = {
  NONE: 0,
  SZ: 1,
  EXPAND_SZ: 2,
  BINARY: 3,
  DWORD: 4,
  DWORD_BIG_ENDIAN: 5,
  LINK: 6,
  MULTI_SZ: 7,
  RESOURCE_LIST: 8,
  FULL_RESOURCE_DESCRIPTOR: 9,
  RESOURCE_REQUIREMENTS_LIST: 10,
  QWORD: 11,
  /** CE-specific: a resource reference such as `urlmon.dll,#9008`. */
  MUI_SZ: 21,
} as const;

export type KnownValueType = (typeof ValueType)[keyof typeof ValueType];

const NAMES = new Map<number, string>(
  Object.entries(ValueType).map(([name, number]) => [number, `REG_${name}`]),
);

/** `REG_DWORD` for 4; `REG_UNKNOWN_0x1f` for a type the guide does not list. */
export function valueTypeName(type: number): string {
  return NAMES.get(type) ?? `REG_UNKNOWN_0x${type.toString(16)}`;
}

/** True for a type the format guide names. */
export function isKnownValueType(type: number): boolean {
  return NAMES.has(type);
}

/** Types whose data is one UTF-16LE string with a terminating NUL. */
export function isStringType(type: number): boolean {
  return (
    type === ValueType.SZ ||
    type === ValueType.EXPAND_SZ ||
    type === ValueType.LINK ||
    type === ValueType.MUI_SZ
  );
}
