/**
 * `@mesh/plugin-policy`: the policy engine. Importing this module registers the `policy` plugin,
 * which provides the daemon's `PolicyManagerKey` service: one runner per network evaluating a
 * policy document (§E.3) — gate events (`connect`, `dial`, `datagram`) through the engine's
 * admission gate and action events (`join`, `leave`, `cycle`) with every action type.
 *
 * @packageDocumentation
 */
export { POLICY_PLUGIN_NAME, PolicyPlugin } from './plugin/policy-plugin.js';
export { PolicyRunnerManager } from './runner/manager.js';
export type { PolicyManagerOptions } from './runner/manager.js';
export {
  EVICTION_COOLDOWN_MS,
  FILL_TRUST_JUSTIFICATION,
  MAX_RECONCILE_BACKOFF_MS,
  NetworkPolicyRunner,
} from './runner/runner.js';
export type { CycleReport, RunnerDeps } from './runner/runner.js';
export { GATE_EVENTS, POLICY_EVENTS, loadPolicy } from './policy/document.js';
export type {
  ActionType,
  LoadedPolicy,
  PolicyActionSpec,
  PolicyRuleSpec,
} from './policy/document.js';
export { PolicyError } from './policy/errors.js';
export type { PolicyErrorCode } from './policy/errors.js';
export { CompiledExpr, EVAL_BUDGET_MS, EVAL_STEP_BUDGET, compileExpr } from './expr/evaluate.js';
export type { ExprEnv } from './expr/evaluate.js';
export {
  FUNCTIONS,
  MAX_EXPR_DEPTH,
  MAX_EXPR_LENGTH,
  MAX_EXPR_NODES,
  parseExpr,
} from './expr/parser.js';
export type { BinaryOp, ExprNode, ExprValue } from './expr/ast.js';
export { ExprError } from './expr/errors.js';
export type { ExprErrorCode } from './expr/errors.js';
export { goDurationSeconds } from './expr/duration.js';
export { readStates, stateFileName, writeState } from './state/state-file.js';
export type { PersistedPeer, RunnerState } from './state/state-file.js';
