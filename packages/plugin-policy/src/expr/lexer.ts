// Tokens of the supported subset of Go's `expr` language (github.com/expr-lang/expr, which the
// reference's internal/policy compiles with expr.Compile(…, expr.AsBool(),
// expr.AllowUndefinedVariables())). Characters that only start unsupported constructs (member
// access, ranges, pipes, closures, maps) are reported here with their position.
import { ExprError } from './errors.js';

/** Token kinds. */
export type TokenKind = 'num' | 'str' | 'ident' | 'op' | 'eof';

/** One token with its source offset. */
export interface Token {
  /** Kind. */
  readonly kind: TokenKind;
  /** Text (operators, identifiers) or decoded value (strings). */
  readonly text: string;
  /** Numeric value of `num` tokens. */
  readonly num?: number;
  /** Offset in the source. */
  readonly pos: number;
}

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '?',
  ':',
];

const UNSUPPORTED: [string, string][] = [
  ['??', 'nil coalescing (??)'],
  ['?.', 'optional chaining (?.)'],
  ['..', 'ranges (..)'],
  ['**', 'exponentiation (**)'],
  ['|', 'pipes (|)'],
  ['.', 'member access (.)'],
  ['#', 'closures (#)'],
  ['{', 'map literals and closures ({)'],
  ['}', 'map literals and closures (})'],
  ['^', 'exponentiation (^)'],
  [';', 'statements (;)'],
  ['=', 'assignment (=)'],
  ['&', 'bitwise operators (&)'],
  ['`', 'raw strings (`)'],
];

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '0': '\0',
};

/** Splits `src` into tokens; throws {@link ExprError} naming the offending position. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(
        src.slice(i),
      )!;
      const text = m[0];
      if (src[i + text.length] === '.' && src[i + text.length + 1] === '.')
        throw new ExprError(
          'EXPR_UNSUPPORTED',
          `ranges (..) are not supported (at ${i + text.length})`,
        );
      const num = Number(text.replaceAll('_', ''));
      if (!Number.isFinite(num)) throw new ExprError('EXPR_SYNTAX', `bad number "${text}" at ${i}`);
      out.push({ kind: 'num', text, num, pos: i });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const text = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))![0];
      out.push({ kind: 'ident', text, pos: i });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= src.length)
          throw new ExprError('EXPR_SYNTAX', `unterminated string starting at ${i}`);
        const d = src[j];
        if (d === c) break;
        if (d === '\\') {
          const e = src[j + 1];
          if (e === undefined || !(e in ESCAPES))
            throw new ExprError('EXPR_SYNTAX', `unsupported escape \\${e ?? ''} at ${j}`);
          value += ESCAPES[e];
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      out.push({ kind: 'str', text: value, pos: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    const bad = UNSUPPORTED.find(([u]) => src.startsWith(u, i));
    // `?.`/`??` and `..` win over their one-character prefixes; `==`, `&&`, `||` over `=`, `&`, `|`.
    if (bad && (!op || bad[0].length > op.length)) {
      throw new ExprError('EXPR_UNSUPPORTED', `${bad[1]} is not supported (at ${i})`);
    }
    if (op) {
      out.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    throw new ExprError('EXPR_SYNTAX', `unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}
