export { ValueType, valueTypeName, isKnownValueType, isStringType, type KnownValueType } from './valueTypes.js';
export { decodeUtf16, encodeUtf16, hasLoneSurrogate } from './utf16.js';
export { decodeValue, readTerminatedString, readMultiString, isRegQuotable, type DecodedValue } from './decode.js';
export { toHex, hexByte, hex32 } from './hex.js';
export { ROOT_NAMES, rootIndex, rootName, parseKeyPath, type RootName } from './roots.js';
export { REG_HEADER, regQuote, renderRegKeyLine, renderRegData, renderRegValue } from './reg.js';
export { jsonDecoded, jsonValue, type JsonDecoded, type JsonValue } from './json.js';
