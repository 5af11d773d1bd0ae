export { compileRegistry, encodeCompiledHives, HIVE_NAMES, type CompileOptions, type CompileResult, type HiveName } from './compile.js';
export { Preprocessor, stripTrailingComment, MAX_INCLUDE_DEPTH, MAX_LINE_LENGTH, MAX_SOURCE_LINES, MAX_MERGED_CHARACTERS, type SourceHost, type SysgenFilter, type PreprocessOptions, type PreprocessStatistics, type MergedSource } from './preprocess.js';
export { evaluateIf, evaluateCpp, evaluateSysgen, labelMatches, isSet, ConditionSyntaxError, type VariableLookup } from './conditions.js';
export { decodeSource, isKnownEncoding, splitLines, type DecodedSource } from './decode.js';
export { DiagnosticList, formatDiagnostic, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics.js';
export { splitHives, bootMarker, keyLineRoot, type HiveLines } from './split.js';
export { encodeReginit, reginitSignature } from './reginit.js';
export { parseStrings } from './strings.js';
export { explainKey, type Explanation, type ExplainedValue, type ExplainEvent } from './explain.js';
