/** A node of a parsed expression. */
export type ExprNode =
  | { readonly k: 'lit'; readonly v: ExprValue }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'arr'; readonly items: readonly ExprNode[] }
  | { readonly k: 'un'; readonly op: '!' | '-' | '+'; readonly x: ExprNode }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly l: ExprNode; readonly r: ExprNode }
  | { readonly k: 'cond'; readonly c: ExprNode; readonly t: ExprNode; readonly f: ExprNode }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly ExprNode[] };

/** Binary operators of the supported subset. */
export type BinaryOp =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'not in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

/** A runtime value: nil (unknown variables), booleans, numbers, strings and arrays of them. */
export type ExprValue = null | boolean | number | string | readonly ExprValue[];
