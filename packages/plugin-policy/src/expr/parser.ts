// Precedence-climbing parser for the supported subset of Go's `expr` grammar, with expr's
// precedences (expr-lang/expr parser/operator: or 10, and 15, comparisons/in/contains 20,
// + - 30, * / % 60; unary not/! 50, unary -/+ 90) and its word operators (and, or, not, in,
// not in, contains, startsWith, endsWith). Anything else is refused at load time.
import type { BinaryOp, ExprNode } from './ast.js';
import { ExprError } from './errors.js';
import { tokenize } from './lexer.js';
import type { Token } from './lexer.js';

/** Functions the subset knows, with their arity. */
export const FUNCTIONS: Readonly<Record<string, number>> = {
  has_tag: 2,
  duration: 1,
  since: 1,
  len: 1,
  lower: 1,
  upper: 1,
};

/** Longest accepted expression, in characters. */
export const MAX_EXPR_LENGTH = 4096;
/** Largest accepted syntax tree, in nodes. */
export const MAX_EXPR_NODES = 1024;
/** Deepest accepted nesting. */
export const MAX_EXPR_DEPTH = 64;

const BINARY: Readonly<Record<string, { op: BinaryOp; prec: number }>> = {
  '||': { op: '||', prec: 10 },
  or: { op: '||', prec: 10 },
  '&&': { op: '&&', prec: 15 },
  and: { op: '&&', prec: 15 },
  '==': { op: '==', prec: 20 },
  '!=': { op: '!=', prec: 20 },
  '<': { op: '<', prec: 20 },
  '<=': { op: '<=', prec: 20 },
  '>': { op: '>', prec: 20 },
  '>=': { op: '>=', prec: 20 },
  in: { op: 'in', prec: 20 },
  contains: { op: 'contains', prec: 20 },
  startsWith: { op: 'startsWith', prec: 20 },
  endsWith: { op: 'endsWith', prec: 20 },
  '+': { op: '+', prec: 30 },
  '-': { op: '-', prec: 30 },
  '*': { op: '*', prec: 60 },
  '/': { op: '/', prec: 60 },
  '%': { op: '%', prec: 60 },
};

const UNSUPPORTED_WORDS: Readonly<Record<string, string>> = {
  matches: 'the matches operator (regular expressions)',
  let: 'variable declarations (let)',
  all: 'the all() builtin',
  any: 'the any() builtin',
  none: 'the none() builtin',
  one: 'the one() builtin',
  filter: 'the filter() builtin',
  map: 'the map() builtin',
  count: 'the count() builtin',
  reduce: 'the reduce() builtin',
  sum: 'the sum() builtin',
  repeat: 'the repeat() builtin',
};

class Parser {
  readonly #t: Token[];
  #i = 0;
  #nodes = 0;

  constructor(src: string) {
    this.#t = tokenize(src);
  }

  parse(): ExprNode {
    const node = this.#expr(0, 0);
    const t = this.#peek();
    if (t.kind !== 'eof') throw new ExprError('EXPR_SYNTAX', `unexpected "${t.text}" at ${t.pos}`);
    return node;
  }

  #peek(): Token {
    return this.#t[this.#i];
  }

  #next(): Token {
    return this.#t[this.#i++];
  }

  #node<T extends ExprNode>(n: T, depth: number): T {
    if (++this.#nodes > MAX_EXPR_NODES)
      throw new ExprError(
        'EXPR_BUDGET',
        `expression too large (more than ${MAX_EXPR_NODES} nodes)`,
      );
    if (depth > MAX_EXPR_DEPTH)
      throw new ExprError('EXPR_BUDGET', `expression nested deeper than ${MAX_EXPR_DEPTH}`);
    return n;
  }

  #expect(text: string): void {
    const t = this.#next();
    if (t.text !== text || t.kind === 'str')
      throw new ExprError(
        'EXPR_SYNTAX',
        `expected "${text}" at ${t.pos}, found "${t.text || 'end'}"`,
      );
  }

  /** The binary operator at the cursor (with `not in` as two tokens), or undefined. */
  #binary(): { op: BinaryOp; prec: number; width: number } | undefined {
    const t = this.#peek();
    if (t.kind !== 'op' && t.kind !== 'ident') return undefined;
    if (t.kind === 'ident' && t.text === 'not') {
      const n = this.#t[this.#i + 1];
      if (n?.kind === 'ident' && n.text === 'in') return { op: 'not in', prec: 20, width: 2 };
      return undefined;
    }
    if (t.kind === 'ident' && t.text === 'matches')
      throw new ExprError(
        'EXPR_UNSUPPORTED',
        `${UNSUPPORTED_WORDS[t.text]} is not supported (at ${t.pos})`,
      );
    const b = Object.hasOwn(BINARY, t.text) ? BINARY[t.text] : undefined;
    return b ? { ...b, width: 1 } : undefined;
  }

  #expr(minPrec: number, depth: number): ExprNode {
    let left = this.#unary(depth);
    for (;;) {
      const b = this.#binary();
      if (!b || b.prec < minPrec) break;
      this.#i += b.width;
      const right = this.#expr(b.prec + 1, depth + 1);
      left = this.#node({ k: 'bin', op: b.op, l: left, r: right }, depth);
    }
    if (minPrec === 0 && this.#peek().text === '?' && this.#peek().kind === 'op') {
      this.#next();
      const t = this.#expr(0, depth + 1);
      this.#expect(':');
      const f = this.#expr(0, depth + 1);
      left = this.#node({ k: 'cond', c: left, t, f }, depth);
    }
    return left;
  }

  #unary(depth: number): ExprNode {
    const t = this.#peek();
    if ((t.kind === 'op' && t.text === '!') || (t.kind === 'ident' && t.text === 'not')) {
      this.#next();
      return this.#node({ k: 'un', op: '!', x: this.#expr(50, depth + 1) }, depth);
    }
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.#next();
      return this.#node({ k: 'un', op: t.text, x: this.#expr(90, depth + 1) }, depth);
    }
    return this.#primary(depth);
  }

  #primary(depth: number): ExprNode {
    const t = this.#next();
    switch (t.kind) {
      case 'num':
        return this.#node({ k: 'lit', v: t.num! }, depth);
      case 'str':
        return this.#node({ k: 'lit', v: t.text }, depth);
      case 'ident': {
        if (t.text === 'true' || t.text === 'false')
          return this.#node({ k: 'lit', v: t.text === 'true' }, depth);
        if (t.text === 'nil') return this.#node({ k: 'lit', v: null }, depth);
        if (Object.hasOwn(UNSUPPORTED_WORDS, t.text) && this.#peek().text === '(')
          throw new ExprError(
            'EXPR_UNSUPPORTED',
            `${UNSUPPORTED_WORDS[t.text]} is not supported (at ${t.pos})`,
          );
        if (this.#peek().kind === 'op' && this.#peek().text === '(') {
          if (!Object.hasOwn(FUNCTIONS, t.text))
            throw new ExprError(
              'EXPR_UNSUPPORTED',
              `unknown function ${t.text}() at ${t.pos}; supported: ${Object.keys(FUNCTIONS).join(', ')}`,
            );
          this.#next();
          const args: ExprNode[] = [];
          if (this.#peek().text !== ')') {
            for (;;) {
              args.push(this.#expr(0, depth + 1));
              if (this.#peek().text === ',') {
                this.#next();
                continue;
              }
              break;
            }
          }
          this.#expect(')');
          if (args.length !== FUNCTIONS[t.text])
            throw new ExprError(
              'EXPR_SYNTAX',
              `${t.text}() takes ${FUNCTIONS[t.text]} argument(s), got ${args.length} (at ${t.pos})`,
            );
          return this.#node({ k: 'call', fn: t.text, args }, depth);
        }
        if (Object.hasOwn(BINARY, t.text) && /^[a-z]/i.test(t.text))
          throw new ExprError('EXPR_SYNTAX', `unexpected operator "${t.text}" at ${t.pos}`);
        return this.#node({ k: 'var', name: t.text }, depth);
      }
      case 'op':
        if (t.text === '(') {
          const inner = this.#expr(0, depth + 1);
          this.#expect(')');
          return inner;
        }
        if (t.text === '[') {
          const items: ExprNode[] = [];
          if (this.#peek().text !== ']') {
            for (;;) {
              items.push(this.#expr(0, depth + 1));
              if (this.#peek().text === ',') {
                this.#next();
                if (this.#peek().text === ']') break;
                continue;
              }
              break;
            }
          }
          this.#expect(']');
          return this.#node({ k: 'arr', items }, depth);
        }
        throw new ExprError('EXPR_SYNTAX', `unexpected "${t.text}" at ${t.pos}`);
      default:
        throw new ExprError('EXPR_SYNTAX', `unexpected end of expression at ${t.pos}`);
    }
  }
}

/** Parses an expression of the supported subset; throws {@link ExprError} with the position. */
export function parseExpr(src: string): ExprNode {
  if (src.length > MAX_EXPR_LENGTH)
    throw new ExprError('EXPR_BUDGET', `expression longer than ${MAX_EXPR_LENGTH} characters`);
  if (src.trim() === '') throw new ExprError('EXPR_SYNTAX', 'empty expression');
  return new Parser(src).parse();
}
