import { describe, expect, test } from '@jest/globals';
import { compileRegistry, type CompileOptions } from '@hivetool/compile';
import { memoryHost } from './helpers.js';

/** Merged lines of one source text. */
function merge(text: string, options: CompileOptions = {}, extra: Record<string, string> = {}): { lines: string[]; codes: string[] } {
  const result = compileRegistry(['main.reg'], memoryHost({ 'main.reg': text, ...extra }), options);
  return { lines: result.merged.texts, codes: result.diagnostics.map((d) => `${d.code}@${d.line}`) };
}

describe('build-variable IF', () => {
  test('IF VAR / IF VAR ! / IF VAR! with and without the variable', () => {
    const text = 'IF A\n"a"=dword:1\nENDIF\nIF A !\n"b"=dword:1\nENDIF\nIF A!\n"c"=dword:1\nENDIF\n';
    expect(merge(text, { defines: { A: '1' } }).lines).toEqual(['"a"=dword:1']);
    expect(merge(text).lines).toEqual(['"b"=dword:1', '"c"=dword:1']);
  });
});
