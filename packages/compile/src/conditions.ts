/**
 * The three condition languages of registry sources (registry sources guide §2):
 * build-variable conditionals (`IF VAR !`, `IF A == B || C`), C-like `#if` expressions
 * (`defined`, `!`, `&&`, `||`, `==`/`!=` on strings) and sysgen tags
 * (`; @CESYSGEN IF A && !B`). Each is evaluated against a lookup the caller provides.
 */
import { quoteSource } from './diagnostics.js';

/** Value of a build variable (name case-insensitive), undefined when it is not defined. */
export type VariableLookup = (name: string) => string | undefined;

/** Thrown for an expression that cannot be read; the preprocessor turns it into BAD_CONDITION. */
export class ConditionSyntaxError extends Error {
  override readonly name = 'ConditionSyntaxError';
}

/**
 * A build variable is set when it has a non-empty value: on the Windows build hosts
 * `set VAR=` removes the variable.
 */
export function isSet(lookup: VariableLookup, name: string): boolean {
  const value = lookup(name);
  return value !== undefined && value.length > 0;
}

const unquote = (text: string): string => (text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text);
const sameText = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

// One term of an IF line, Microsoft's `IF environment variable [= value] [!]` and the forms
// seen in real files: `VAR`, `VAR !`, `VAR!`, `! VAR`, `VAR=V`, `VAR=V !`, `VAR == V`,
// `VAR != V`. A trailing `!` negates the whole term (`IF LOCALE=0411 !`: set to something
// else, or not set). The value ends at a space or at the `!` that follows it.
const IF_TERM = /^(!\s*)?([A-Za-z0-9_]+)\s*(?:(==|!=|=)\s*("[^"]*"|[^\s"!]+(?:![^\s"!]+)*))?\s*(!)?$/;

/**
 * Evaluates the condition of a build-variable `IF` line (the text after `IF`, comment
 * removed). Terms are joined by `||` and `&&` (`&&` binds tighter); comparisons are
 * case-insensitive, as the variables are Windows environment variables.
 *
 * @throws {ConditionSyntaxError}
 */
export function evaluateIf(condition: string, lookup: VariableLookup): boolean {
  const text = condition.trim();
  if (text.length === 0) throw new ConditionSyntaxError('IF names no variable');
  return text.split('||').some((alternative) =>
    alternative.split('&&').every((term) => {
      const match = IF_TERM.exec(term.trim());
      if (match === null) throw new ConditionSyntaxError(`cannot read the IF term ${quoteSource(term.trim())}`);
      const [, prefixNot, name, operator, operand, suffixNot] = match;
      const negated = prefixNot !== undefined || suffixNot !== undefined;
      let result: boolean;
      if (operator !== undefined) {
        const equal = sameText(lookup(name!) ?? '', unquote(operand!));
        result = operator === '!=' ? !equal : equal;
      } else result = isSet(lookup, name!);
      return negated ? !result : result;
    }),
  );
}

type Token = { kind: 'op'; text: string } | { kind: 'word'; text: string } | { kind: 'string'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const c = text[position]!;
    if (c === ' ' || c === '\t') {
      position++;
      continue;
    }
    const two = text.slice(position, position + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two });
      position += 2;
      continue;
    }
    if (c === '!' || c === '(' || c === ')' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c });
      position++;
      continue;
    }
    if (c === '"') {
      const close = text.indexOf('"', position + 1);
      if (close < 0) throw new ConditionSyntaxError('string has no closing quote');
      tokens.push({ kind: 'string', text: text.slice(position + 1, close) });
      position = close + 1;
      continue;
    }
    const start = position;
    while (position < text.length && !' \t!()"&|=<>'.includes(text[position]!)) position++;
    if (position === start) throw new ConditionSyntaxError(`unexpected ${quoteSource(c)}`);
    tokens.push({ kind: 'word', text: text.slice(start, position) });
  }
  return tokens;
}

/** Nesting limit of parentheses and `!`: the parser recurses, so the depth is capped. */
const MAX_DEPTH = 64;

class ExpressionParser {
  position = 0;
  constructor(
    readonly tokens: Token[],
    private readonly atom: (parser: ExpressionParser) => boolean,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.position];
  }
  next(): Token | undefined {
    return this.tokens[this.position++];
  }
  isOp(text: string): boolean {
    const token = this.peek();
    return token !== undefined && token.kind === 'op' && token.text === text;
  }

  parse(): boolean {
    if (this.tokens.length === 0) throw new ConditionSyntaxError('empty expression');
    const result = this.or(0);
    if (this.position < this.tokens.length) throw new ConditionSyntaxError(`unexpected ${quoteSource(this.peek()!.text)}`);
    return result;
  }

  private or(depth: number): boolean {
    let result = this.and(depth);
    while (this.isOp('||')) {
      this.next();
      const right = this.and(depth);
      result = result || right;
    }
    return result;
  }

  private and(depth: number): boolean {
    let result = this.unary(depth);
    while (this.isOp('&&')) {
      this.next();
      const right = this.unary(depth);
      result = result && right;
    }
    return result;
  }

  private unary(depth: number): boolean {
    if (depth > MAX_DEPTH) throw new ConditionSyntaxError('expression nests too deeply');
    if (this.isOp('!')) {
      this.next();
      return !this.unary(depth + 1);
    }
    if (this.isOp('(')) {
      this.next();
      const result = this.or(depth + 1);
      if (!this.isOp(')')) throw new ConditionSyntaxError('missing )');
      this.next();
      return result;
    }
    return this.atom(this);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A C integer literal (`42`, `0x1F`, `010`, with `u`/`l` suffixes), as a bigint; undefined for anything else. */
function cInteger(text: string): bigint | undefined {
  const match = /^(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)[uUlL]*$/.exec(text.trim());
  if (match === null) return undefined;
  const digits = match[1]!;
  if (/^0[0-7]+$/.test(digits)) return BigInt(`0o${digits.slice(1)}`);
  return BigInt(digits);
}

/**
 * Evaluates a `#if` expression whose `$(VAR)` macros are already expanded: `defined X`,
 * `defined(X)`, `!`, `&&`, `||`, parentheses, and `==`/`!=` between operands. An operand
 * is a quoted string, a defined name (its value, quotes removed) or literal text
 * (`en-US` after expansion); comparisons ignore case. A lone name is true when it is set
 * and not `0`.
 *
 * @throws {ConditionSyntaxError}
 */
export function evaluateCpp(expression: string, lookup: VariableLookup): boolean {
  const operand = (token: Token): string => {
    if (token.kind === 'string') return token.text;
    if (IDENTIFIER.test(token.text)) {
      const value = lookup(token.text);
      if (value !== undefined) return unquote(value.trim());
    }
    return token.text;
  };
  return new ExpressionParser(tokenize(expression), (parser) => {
    const token = parser.next();
    if (token === undefined) throw new ConditionSyntaxError('expression ends too early');
    if (token.kind === 'op') throw new ConditionSyntaxError(`unexpected ${quoteSource(token.text)}`);
    if (token.kind === 'word' && token.text === 'defined') {
      const parenthesised = parser.isOp('(');
      if (parenthesised) parser.next();
      const name = parser.next();
      if (name === undefined || name.kind !== 'word' || !IDENTIFIER.test(name.text)) throw new ConditionSyntaxError('defined takes a name');
      if (parenthesised) {
        if (!parser.isOp(')')) throw new ConditionSyntaxError('missing ) after defined(NAME');
        parser.next();
      }
      return lookup(name.text) !== undefined;
    }
    if (parser.isOp('==') || parser.isOp('!=')) {
      const operator = parser.next()!.text;
      const right = parser.next();
      if (right === undefined || right.kind === 'op') throw new ConditionSyntaxError(`${operator} needs a right-hand operand`);
      const equal = sameText(operand(token), operand(right));
      return operator === '==' ? equal : !equal;
    }
    // C headers compare numbers (`#if IMAGE_SIZE >= 0x100000`): C integer literals only.
    if (parser.isOp('<') || parser.isOp('>') || parser.isOp('<=') || parser.isOp('>=')) {
      const operator = parser.next()!.text;
      const right = parser.next();
      if (right === undefined || right.kind === 'op') throw new ConditionSyntaxError(`${operator} needs a right-hand operand`);
      const a = cInteger(operand(token));
      const b = cInteger(operand(right));
      if (a === undefined || b === undefined) throw new ConditionSyntaxError(`${operator} compares numbers: ${quoteSource(a === undefined ? operand(token) : operand(right))} is none`);
      return operator === '<' ? a < b : operator === '>' ? a > b : operator === '<=' ? a <= b : a >= b;
    }
    const value = operand(token);
    if (token.kind === 'string') return value.length > 0;
    if (IDENTIFIER.test(token.text)) {
      const defined = lookup(token.text);
      return defined !== undefined && defined.trim().length > 0 && defined.trim() !== '0';
    }
    return /^[0-9]+$/.test(value) ? Number(value) !== 0 : value.length > 0;
  }).parse();
}

/**
 * Evaluates a sysgen tag condition (`A`, `!A`, `A && !B`, `A || B`, parentheses):
 * each name is a component, true when `included` says so.
 *
 * @throws {ConditionSyntaxError}
 */
export function evaluateSysgen(expression: string, included: (component: string) => boolean): boolean {
  return new ExpressionParser(tokenize(expression), (parser) => {
    const token = parser.next();
    if (token === undefined || token.kind !== 'word') throw new ConditionSyntaxError('expected a component name');
    // `PM_PMSTUBS !` (postfix, as in build-variable IFs) negates the name before it.
    if (parser.isOp('!')) {
      const after = parser.tokens[parser.position + 1];
      if (after === undefined || (after.kind === 'op' && (after.text === '||' || after.text === '&&' || after.text === ')'))) {
        parser.next();
        return !included(token.text);
      }
    }
    return included(token.text);
  }).parse();
}

const LABEL_KEYWORDS = new Set(['IF', 'DEFINED']);

/**
 * True when the words after an `ENDIF` name only variables of its `IF` (`ENDIF BSP_NOWIFI`
 * closing `IF BSP_NOWIFI !` matches; `ENDIF BSP_NOUSB` closing `IF BSP_NOWIFI` does not).
 * A label that is a `;` comment is not compared.
 */
export function labelMatches(label: string, condition: string): boolean {
  // Words after a `;` are a comment, not part of the label.
  const text = label.split(';')[0]!.trim();
  if (text.length === 0) return true;
  const words = (value: string): string[] => value.toUpperCase().match(/[A-Z0-9_]+/g) ?? [];
  const known = words(condition);
  // A shortened name (`ENDIF FONTS_GULIM` for `IF FONTS_GULIM_1_30 || …`) still names its IF.
  return words(text).every((word) => LABEL_KEYWORDS.has(word) || known.some((name) => name.startsWith(word)));
}
