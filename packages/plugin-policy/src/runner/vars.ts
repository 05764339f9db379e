// Expression variables per event (§E.3). Every event sees `local_tags`; the rest depend on the event.
import type { ExprValue } from '../expr/ast.js';

/** Builds the variable map of one evaluation (a Map: names never reach an object prototype). */
export function envOf(
  vars: Readonly<Record<string, ExprValue | undefined>>,
): Map<string, ExprValue> {
  const env = new Map<string, ExprValue>();
  for (const key of Object.keys(vars)) {
    const v = vars[key];
    if (v !== undefined) env.set(key, v);
  }
  return env;
}

/** Turns an arbitrary JSON-ish context value into an expression value (unknown shapes → nil). */
export function toExprValue(v: unknown, depth = 0): ExprValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) && depth < 4) return v.slice(0, 4096).map((x) => toExprValue(x, depth + 1));
  return null;
}

/** Union of tag lists, in first-seen order. */
export function unionTags(...lists: readonly (Iterable<string> | undefined)[]): string[] {
  const out = new Set<string>();
  for (const l of lists) if (l) for (const t of l) out.add(t);
  return [...out];
}
