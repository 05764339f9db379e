// The audit log of network administration changes (§D.4 `get_audit_log`): each mutating handler
// adds its entry to the same store batch as the change, so the two are durable together.
import type { RegistryCore } from './registry-core.js';
import type { AuditEntry } from './records.js';
import type { StoreWrite } from '../store/store.js';

/** Audit entries kept in memory (the store keeps the same number). */
export const AUDIT_MEMORY = 10_000;

/** Fields of a new audit entry. */
export interface AuditFields {
  /** The message type that made the change. */
  readonly action: string;
  /** Network concerned. */
  readonly networkId?: number;
  /** Acting or affected node. */
  readonly nodeId?: number;
  /** Short free text. */
  readonly details?: string;
}

/** Builds the entry and its store write; call {@link recordAudit} after the batch committed. */
export function auditEntry(
  core: RegistryCore,
  now: number,
  fields: AuditFields,
): { entry: AuditEntry; write: StoreWrite } {
  const last = core.audit[core.audit.length - 1];
  const entry: AuditEntry = { seq: (last?.seq ?? 0) + 1, timestamp: now, action: fields.action };
  if (fields.networkId !== undefined) entry.networkId = fields.networkId;
  if (fields.nodeId !== undefined) entry.nodeId = fields.nodeId;
  if (fields.details !== undefined) entry.details = fields.details;
  return { entry, write: { kind: 'audit', entry } };
}

/** Adds a committed entry to the in-memory log. */
export function recordAudit(core: RegistryCore, entry: AuditEntry): void {
  core.audit.push(entry);
  if (core.audit.length > AUDIT_MEMORY) core.audit.splice(0, core.audit.length - AUDIT_MEMORY);
}
