// Compiles a parsed expression into nested closures (no eval, no Function constructor) and runs
// them against a variable map. Semantics follow Go's expr with AllowUndefinedVariables: an unknown
// variable is nil, and nil acts as the zero value (0, "", false, empty list) where an operator
// needs one. A step budget and a 100 ms wall-clock budget bound every evaluation.
import type { BinaryOp, ExprNode, ExprValue } from './ast.js';
import { goDurationSeconds } from './duration.js';
import { ExprError } from './errors.js';
import { parseExpr } from './parser.js';

/** Variables of one evaluation. Only own entries are visible (a Map: no prototype lookups). */
export type ExprEnv = ReadonlyMap<string, ExprValue>;

/** Wall-clock budget of one evaluation (§E.3: 100 ms). */
export const EVAL_BUDGET_MS = 100;
/** Step budget of one evaluation (nodes visited plus list elements scanned). */
export const EVAL_STEP_BUDGET = 1_000_000;

/** Per-evaluation state. */
interface Run {
  readonly env: ExprEnv;
  readonly now: number;
  readonly started: number;
  steps: number;
}

/** Every 1024 steps: the step and wall-clock budgets. */
function checkBudget(run: Run): void {
  if (run.steps > EVAL_STEP_BUDGET)
    throw new ExprError('EXPR_BUDGET', 'evaluation step budget exceeded');
  if (performance.now() - run.started > EVAL_BUDGET_MS)
    throw new ExprError('EXPR_BUDGET', `evaluation took longer than ${EVAL_BUDGET_MS} ms`);
}

type Fn = (run: Run) => ExprValue;

/** The expr type name of a value, for messages. */
function typeName(v: ExprValue): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Throws an EXPR_TYPE error. */
function fail(message: string): never {
  throw new ExprError('EXPR_TYPE', message);
}

/** The value as a bool (nil is false). */
function asBool(v: ExprValue, what: string): boolean {
  if (v === null) return false;
  if (typeof v !== 'boolean') fail(`${what} needs a bool, got ${typeName(v)}`);
  return v;
}

/** The value as a number (nil is 0). */
function asNum(v: ExprValue, what: string): number {
  if (v === null) return 0;
  if (typeof v !== 'number') fail(`${what} needs a number, got ${typeName(v)}`);
  return v;
}

/** The value as a string (nil is ""). */
function asStr(v: ExprValue, what: string): string {
  if (v === null) return '';
  if (typeof v !== 'string') fail(`${what} needs a string, got ${typeName(v)}`);
  return v;
}

/** Deep equality of expression values. */
function equal(a: ExprValue, b: ExprValue, run: Run): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const x = a as readonly ExprValue[];
    const y = b as readonly ExprValue[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      run.steps++;
      if (!equal(x[i] ?? null, y[i] ?? null, run)) return false;
    }
    return true;
  }
  // nil equals only nil, as in expr.
  return a === b;
}

/** Whether the list holds the item (nil is the empty list). */
function contains(list: ExprValue, item: ExprValue, run: Run): boolean {
  if (list === null) return false;
  if (!Array.isArray(list)) fail(`"in" needs an array on the right, got ${typeName(list)}`);
  run.steps += list.length;
  if (list.length > 256) checkBudget(run);
  for (const x of list as readonly ExprValue[]) if (equal(x, item, run)) return true;
  return false;
}

/** Orders two numbers or two strings. */
function compare(op: '<' | '<=' | '>' | '>=', a: ExprValue, b: ExprValue): boolean {
  let x: number | string;
  let y: number | string;
  if (typeof a === 'string' || typeof b === 'string') {
    x = asStr(a, op);
    y = asStr(b, op);
  } else {
    x = asNum(a, op);
    y = asNum(b, op);
  }
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** Compiles a binary operator. */
function binary(op: BinaryOp, l: Fn, r: Fn): Fn {
  switch (op) {
    case '||':
      return (run) => asBool(l(run), '||') || asBool(r(run), '||');
    case '&&':
      return (run) => asBool(l(run), '&&') && asBool(r(run), '&&');
    case '==':
      return (run) => equal(l(run), r(run), run);
    case '!=':
      return (run) => !equal(l(run), r(run), run);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (run) => compare(op, l(run), r(run));
    case 'in':
      return (run) => contains(r(run), l(run), run);
    case 'not in':
      return (run) => !contains(r(run), l(run), run);
    case 'contains':
      return (run) => asStr(l(run), 'contains').includes(asStr(r(run), 'contains'));
    case 'startsWith':
      return (run) => asStr(l(run), 'startsWith').startsWith(asStr(r(run), 'startsWith'));
    case 'endsWith':
      return (run) => asStr(l(run), 'endsWith').endsWith(asStr(r(run), 'endsWith'));
    case '+':
      return (run) => {
        const a = l(run);
        const b = r(run);
        if (typeof a === 'string' || typeof b === 'string') return asStr(a, '+') + asStr(b, '+');
        return asNum(a, '+') + asNum(b, '+');
      };
    case '-':
      return (run) => asNum(l(run), '-') - asNum(r(run), '-');
    case '*':
      return (run) => asNum(l(run), '*') * asNum(r(run), '*');
    case '/':
      return (run) => {
        const d = asNum(r(run), '/');
        if (d === 0) fail('division by zero');
        return asNum(l(run), '/') / d;
      };
    case '%':
      return (run) => {
        const a = asNum(l(run), '%');
        const b = asNum(r(run), '%');
        if (!Number.isInteger(a) || !Number.isInteger(b)) fail('% needs integers');
        if (b === 0) fail('integer divide by zero');
        return a % b;
      };
  }
}

/** Compiles a call of a supported function. */
function call(fn: string, args: Fn[]): Fn {
  const [a, b] = args as [Fn, Fn];
  switch (fn) {
    case 'has_tag':
      return (run) => {
        const tags = a(run);
        const name = asStr(b(run), 'has_tag');
        return contains(tags, name, run);
      };
    case 'duration':
      return (run) => {
        const text = asStr(a(run), 'duration');
        const s = goDurationSeconds(text);
        if (s === undefined) fail(`duration(): invalid duration ${JSON.stringify(text)}`);
        return s;
      };
    case 'since':
      return (run) => run.now / 1000 - asNum(a(run), 'since');
    case 'len':
      return (run) => {
        const v = a(run);
        if (v === null) return 0;
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        return fail(`len() needs a string or array, got ${typeName(v)}`);
      };
    case 'lower':
      return (run) => asStr(a(run), 'lower').toLowerCase();
    default:
      return (run) => asStr(a(run), 'upper').toUpperCase();
  }
}

/** Compiles a node into a closure that counts its steps. */
function compile(node: ExprNode): Fn {
  let fn: Fn;
  switch (node.k) {
    case 'lit': {
      const v = node.v;
      fn = () => v;
      break;
    }
    case 'var': {
      const name = node.name;
      fn = (run) => {
        const v = run.env.get(name);
        return v === undefined ? null : v;
      };
      break;
    }
    case 'arr': {
      const items = node.items.map(compile);
      fn = (run) => items.map((f) => f(run));
      break;
    }
    case 'un': {
      const x = compile(node.x);
      fn =
        node.op === '!'
          ? (run) => !asBool(x(run), '!')
          : node.op === '-'
            ? (run) => -asNum(x(run), 'unary -')
            : (run) => asNum(x(run), 'unary +');
      break;
    }
    case 'bin':
      fn = binary(node.op, compile(node.l), compile(node.r));
      break;
    case 'cond': {
      const c = compile(node.c);
      const t = compile(node.t);
      const f = compile(node.f);
      fn = (run) => (asBool(c(run), '?:') ? t(run) : f(run));
      break;
    }
    case 'call':
      fn = call(node.fn, node.args.map(compile));
      break;
  }
  return (run) => {
    if ((++run.steps & 0x3ff) === 0) checkBudget(run);
    return fn(run);
  };
}

/** A compiled boolean expression. */
export class CompiledExpr {
  readonly #fn: Fn;

  /**
   * @param source - the expression text (kept for messages and status)
   * @param ast - its syntax tree
   */
  constructor(
    readonly source: string,
    ast: ExprNode,
  ) {
    if (ast.k === 'lit' && typeof ast.v !== 'boolean')
      throw new ExprError(
        'EXPR_TYPE',
        `expression must be a bool, got the constant ${JSON.stringify(ast.v)}`,
      );
    if (ast.k === 'arr')
      throw new ExprError('EXPR_TYPE', 'expression must be a bool, got an array');
    this.#fn = compile(ast);
  }

  /**
   * Evaluates against `env`; the result must be a bool. Throws {@link ExprError} on type errors
   * or when the step or time budget runs out.
   * @param env - variables
   * @param now - clock for since(), unix ms
   * @returns the verdict
   */
  evaluate(env: ExprEnv, now: number = Date.now()): boolean {
    const run: Run = { env, now, started: performance.now(), steps: 0 };
    const v = this.#fn(run);
    if (typeof v !== 'boolean') fail(`expression must return a bool, got ${typeName(v)}`);
    return v;
  }
}

/** Parses and compiles an expression of the supported subset. */
export function compileExpr(source: string): CompiledExpr {
  return new CompiledExpr(source, parseExpr(source));
}
