import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { encodeCompiledHives } from '@hivetool/compile';
import { compileText } from './helpers.js';

/**
 * Random trees of nested IF/ELSE/ENDIF and #if/#else/#endif blocks around value lines,
 * compiled with random build variables, against a reference evaluation written
 * separately from the preprocessor: the lines kept must be exactly the ones it keeps.
 */
const VARIABLES = ['A', 'B', 'C', 'D'] as const;
type Variable = (typeof VARIABLES)[number];
type Variables = Partial<Record<Variable, string>>;

type Condition =
  | { form: 'set'; name: Variable }
  | { form: 'unset'; name: Variable; spaced: boolean }
  | { form: 'equals' | 'differs'; name: Variable; operand: string }
  | { form: 'either-unset'; first: Variable; second: Variable }
  | { form: 'defined-and-not'; first: Variable; second: Variable }
  | { form: 'defined-or'; first: Variable; second: Variable }
  | { form: 'macro-equals'; name: Variable; operand: string };

type Node = { kind: 'value'; id: number } | { kind: 'if' | 'cpp'; condition: Condition; then: Node[]; otherwise: Node[] | undefined };

const variable = fc.constantFrom(...VARIABLES);
const operand = fc.constantFrom('1', 'x', 'Y');
const ifCondition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ form: fc.constant('set' as const), name: variable }),
  fc.record({ form: fc.constant('unset' as const), name: variable, spaced: fc.boolean() }),
  fc.record({ form: fc.constantFrom('equals' as const, 'differs' as const), name: variable, operand }),
  fc.record({ form: fc.constant('either-unset' as const), first: variable, second: variable }),
);
const cppCondition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ form: fc.constant('defined-and-not' as const), first: variable, second: variable }),
  fc.record({ form: fc.constant('defined-or' as const), first: variable, second: variable }),
  fc.record({ form: fc.constant('macro-equals' as const), name: variable, operand }),
);

let nextId = 0;
const tree = fc.letrec<{ nodes: Node[]; node: Node }>((recurse) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    fc.constant(null).map((): Node => ({ kind: 'value', id: nextId++ })),
    fc.record({ kind: fc.constant('if' as const), condition: ifCondition, then: recurse('nodes') as fc.Arbitrary<Node[]>, otherwise: fc.option(recurse('nodes') as fc.Arbitrary<Node[]>, { nil: undefined }) }),
    fc.record({ kind: fc.constant('cpp' as const), condition: cppCondition, then: recurse('nodes') as fc.Arbitrary<Node[]>, otherwise: fc.option(recurse('nodes') as fc.Arbitrary<Node[]>, { nil: undefined }) }),
  ),
  nodes: fc.array(recurse('node') as fc.Arbitrary<Node>, { maxLength: 4 }),
})).nodes;

const variables: fc.Arbitrary<Variables> = fc.record({ A: operand, B: operand, C: operand, D: operand }, { requiredKeys: [] });

function render(condition: Condition): string {
  switch (condition.form) {
    case 'set':
      return condition.name;
    case 'unset':
      return condition.spaced ? `${condition.name} !` : `${condition.name}!`;
    case 'equals':
      return `${condition.name} == ${condition.operand}`;
    case 'differs':
      return `${condition.name} != ${condition.operand}`;
    case 'either-unset':
      return `${condition.first} ! || ${condition.second} !`;
    case 'defined-and-not':
      return `defined ${condition.first} && ! defined ${condition.second}`;
    case 'defined-or':
      return `defined ${condition.first} || defined ${condition.second}`;
    case 'macro-equals':
      return `$(${condition.name})=="${condition.operand}"`;
  }
}

function source(nodes: Node[], out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'value') {
      out.push(`"v${node.id}"=dword:${node.id.toString(16)}`);
      continue;
    }
    const cpp = node.kind === 'cpp';
    out.push(`${cpp ? '#if' : 'IF'} ${render(node.condition)}`);
    source(node.then, out);
    if (node.otherwise !== undefined) {
      out.push(cpp ? '#else' : 'ELSE');
      source(node.otherwise, out);
    }
    out.push(cpp ? '#endif' : 'ENDIF');
  }
}

/** The reference: what each condition means, evaluated directly on the variables. */
function holds(condition: Condition, values: Variables): boolean {
  const set = (name: Variable): boolean => values[name] !== undefined;
  const same = (name: Variable, text: string): boolean => (values[name] ?? '').toLowerCase() === text.toLowerCase();
  switch (condition.form) {
    case 'set':
      return set(condition.name);
    case 'unset':
      return !set(condition.name);
    case 'equals':
      return same(condition.name, condition.operand);
    case 'differs':
      return !same(condition.name, condition.operand);
    case 'either-unset':
      return !set(condition.first) || !set(condition.second);
    case 'defined-and-not':
      return set(condition.first) && !set(condition.second);
    case 'defined-or':
      return set(condition.first) || set(condition.second);
    case 'macro-equals':
      return same(condition.name, condition.operand);
  }
}

function expected(nodes: Node[], values: Variables, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'value') out.push(`"v${node.id}"=dword:${node.id.toString(16)}`);
    else if (holds(node.condition, values)) expected(node.then, values, out);
    else if (node.otherwise !== undefined) expected(node.otherwise, values, out);
  }
}

const KEY = '[HKEY_LOCAL_MACHINE\\Test]';

describe('preprocessor against a reference evaluation', () => {
  test('random nested IF / #if trees with random variable sets keep exactly the reference lines', () => {
    fc.assert(
      fc.property(tree, variables, (nodes, values) => {
        const lines = [KEY];
        source(nodes, lines);
        const defines = Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const result = compileText(lines.join('\n'), { defines });
        const want = [KEY];
        expected(nodes, values, want);
        expect(result.errors).toBe(0);
        expect(result.merged.texts).toEqual(want);
        expect(result.diagnostics.filter((diagnostic) => diagnostic.code !== 'UNRESOLVED_MACRO')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('compiling is deterministic: the same sources give the same reginit.ini and hive bytes', () => {
    fc.assert(
      fc.property(tree, variables, (nodes, values) => {
        const lines = [KEY, '; HIVE BOOT SECTION'];
        source(nodes, lines);
        lines.push('; END HIVE BOOT SECTION', '[HKEY_CURRENT_USER\\U]', '"u"=dword:1');
        const defines = Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const first = compileText(lines.join('\n'), { defines });
        const second = compileText(lines.join('\r\n'), { defines });
        // Buffer.equals: jest's element-by-element equality is slow on whole hive files.
        const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
        expect(same(second.reginit, first.reginit)).toBe(true);
        expect(same(second.signature, first.signature)).toBe(true);
        const [hivesA, hivesB] = [encodeCompiledHives(first), encodeCompiledHives(second)];
        expect([same(hivesA.boot, hivesB.boot), same(hivesA.default, hivesB.default), same(hivesA.user, hivesB.user)]).toEqual([true, true, true]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('hostile input', () => {
  const fragments = [
    'IF A', 'IF A !', 'IF', 'ELSE', 'ENDIF', 'ENDIF X Y', '#if defined A', '#if ((', '#elif', '#else', '#endif', '#define A 1', '#define', '#include "x.reg"',
    '#include "main.reg"', '#include', '#error stop', '#pragma', '; @CESYSGEN IF A', '; @CESYSGEN ELSE', '; @CESYSGEN ENDIF', '; @CESYSGEN IF &&', '; @XIPREGION IF X',
    '; @XIPREGION ENDIF', '; @BEGINASSOC', '; @ENDASSOC', '; OUTPUTHIVE', '; HIVE BOOT SECTION', '; END HIVE BOOT SECTION', '[HKEY_LOCAL_MACHINE\\A]', '[HKEY_CURRENT_USER\\B]',
    '[-HKEY_LOCAL_MACHINE\\A]', '[HKLM]', '[NOWHERE\\A]', '[HKLM\\\\]', '"v"=dword:1', '"v"=-', '"w"=hex:01,\\', '  02', '"m"=multi_sz:"a",', '"b"', '@="x" ; c', '"x"=dword:zz',
    '"y"="unterminated', 'Bare=dword:2', '$(A)', '"z"="$(A)$(A)$(A)"', '"l"=LOC_X', '------', '', '\t', '"q"="a;b" ; c',
  ];
  test('random lines never throw: the result is diagnostics, and trees exactly when there is no error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), fc.boolean(), fc.constantFrom('\n', '\r\n'), (lines, set, end) => {
        const result = compileText(lines.join(end), set ? { defines: { A: '1', LOC_X: '"s"' } } : {}, { 'x.reg': '"n"=dword:3\n' });
        expect(result.trees === undefined).toBe(result.errors > 0);
        for (const diagnostic of result.diagnostics) expect(diagnostic.line).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});
