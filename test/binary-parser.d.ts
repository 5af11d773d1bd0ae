// binary-parser's package.json "exports" has no "types" condition, so TypeScript cannot
// find its (shipped) declarations under NodeNext resolution: point at them.
declare module 'binary-parser' {
  export * from 'binary-parser/dist/binary_parser.js';
}
