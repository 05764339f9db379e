// trust.json: the documented shape of reference §E.1 (the same JSON a Go node writes, Go's
// trustSnapshot in pilot-protocol/handshake handshake.go: saveTrust/loadTrust), written
// atomically (temp file, fsync, rename, directory fsync) with mode 0600.
//
// {
//   "trusted": [{"node_id": 7, "public_key": "…", "approved_at": "2026-01-02T03:04:05Z",
//                "mutual": true, "network": 3}],            // network omitted when 0
//   "pending": [{"node_id": 9, "public_key": "…", "justification": "…",
//                "received_at": "…", "source": 9}],        // empty fields omitted
//   "revoked": [{"node_id": 4, "until": "…"}],              // live cooldowns only
//   "outgoing": [{"node_id": 5, "sent_at": "…"}]            // own open requests (a mesh
// }                                                          // addition; Go nodes ignore it)
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { HandshakeError } from '../errors.js';
import { emptyTrustState, type TrustState } from './trust-state.js';

/** RFC 3339 in UTC with whole seconds, as Go's `time.RFC3339` prints a UTC time. */
export function formatRfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Parses an RFC 3339 time or fails naming the field. */
function parseTime(value: unknown, where: string, file: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw corrupt(file, `${where} is not an RFC 3339 time`);
  return ms;
}

/** The error for an unreadable store. */
function corrupt(file: string, what: string, cause?: unknown): HandshakeError {
  return new HandshakeError(
    'TRUST_STORE_CORRUPT',
    `trust store ${file} is unreadable: ${what}. It was left untouched; fix it or move it aside to start with no trusted peers.`,
    cause === undefined ? {} : { cause },
  );
}

/** `value` when it is an integer in 0..max. */
function uint(value: unknown, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max
    ? value
    : undefined;
}

/**
 * Reads `trust.json`. A missing file is an empty state; anything unreadable is an error, never
 * an empty state (silently forgetting every trusted peer would be worse than not starting).
 * @param file - the path.
 * @param now - the current time, Unix ms (expired cooldowns are dropped).
 * @returns the state.
 * @throws HandshakeError `TRUST_STORE_CORRUPT` or `TRUST_STORE_IO`.
 */
export function readTrustFile(file: string, now: number): TrustState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyTrustState();
    throw new HandshakeError(
      'TRUST_STORE_IO',
      `cannot read trust store ${file}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, 'not valid JSON', error);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw corrupt(file, 'the top level is not a JSON object');
  const doc = raw as Record<string, unknown>;
  const state = emptyTrustState();
  const list = (key: string): Record<string, unknown>[] => {
    const v = doc[key];
    if (v === undefined || v === null) return [];
    if (
      !Array.isArray(v) ||
      !v.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))
    )
      throw corrupt(file, `"${key}" is not a list of objects`);
    return v as Record<string, unknown>[];
  };
  for (const [i, e] of list('trusted').entries()) {
    const where = `trusted[${i}]`;
    const nodeId = uint(e['node_id'], 0xffffffff);
    const network = e['network'] === undefined ? 0 : uint(e['network'], 0xffff);
    if (nodeId === undefined || nodeId === 0)
      throw corrupt(file, `${where}.node_id is not a node id`);
    if (network === undefined) throw corrupt(file, `${where}.network is not a network id`);
    const publicKey = e['public_key'] ?? '';
    if (typeof publicKey !== 'string') throw corrupt(file, `${where}.public_key is not a string`);
    if (e['mutual'] !== undefined && typeof e['mutual'] !== 'boolean')
      throw corrupt(file, `${where}.mutual is not a boolean`);
    state.trusted.set(nodeId, {
      nodeId,
      publicKey,
      approvedAt: parseTime(e['approved_at'], `${where}.approved_at`, file),
      mutual: e['mutual'] === true,
      network,
    });
  }
  for (const [i, e] of list('pending').entries()) {
    const where = `pending[${i}]`;
    const nodeId = uint(e['node_id'], 0xffffffff);
    const source = e['source'] === undefined ? 0 : uint(e['source'], 0xffffffff);
    if (nodeId === undefined || nodeId === 0)
      throw corrupt(file, `${where}.node_id is not a node id`);
    if (source === undefined) throw corrupt(file, `${where}.source is not a node id`);
    const publicKey = e['public_key'] ?? '';
    const justification = e['justification'] ?? '';
    if (typeof publicKey !== 'string' || typeof justification !== 'string')
      throw corrupt(file, `${where} has a non-string public_key or justification`);
    state.pending.set(nodeId, {
      nodeId,
      publicKey,
      justification,
      receivedAt: parseTime(e['received_at'], `${where}.received_at`, file),
      source,
    });
  }
  for (const [i, e] of list('revoked').entries()) {
    const nodeId = uint(e['node_id'], 0xffffffff);
    if (nodeId === undefined) throw corrupt(file, `revoked[${i}].node_id is not a node id`);
    const until = parseTime(e['until'], `revoked[${i}].until`, file);
    if (until > now) state.revoked.set(nodeId, until);
  }
  for (const [i, e] of list('outgoing').entries()) {
    const nodeId = uint(e['node_id'], 0xffffffff);
    if (nodeId === undefined) throw corrupt(file, `outgoing[${i}].node_id is not a node id`);
    state.outgoing.set(nodeId, parseTime(e['sent_at'], `outgoing[${i}].sent_at`, file));
  }
  return state;
}

/**
 * The JSON text of a state, in the documented shape (two-space indent like Go's MarshalIndent).
 * @param state - the state.
 * @param now - the current time (expired cooldowns are not written).
 * @returns the file contents.
 */
export function encodeTrustFile(state: TrustState, now: number): string {
  const doc: Record<string, unknown> = {
    trusted: [...state.trusted.values()].map((t) => ({
      node_id: t.nodeId,
      public_key: t.publicKey,
      approved_at: formatRfc3339(t.approvedAt),
      mutual: t.mutual,
      ...(t.network === 0 ? {} : { network: t.network }),
    })),
  };
  const pending = [...state.pending.values()].map((p) => ({
    node_id: p.nodeId,
    ...(p.publicKey === '' ? {} : { public_key: p.publicKey }),
    ...(p.justification === '' ? {} : { justification: p.justification }),
    received_at: formatRfc3339(p.receivedAt),
    ...(p.source === 0 ? {} : { source: p.source }),
  }));
  if (pending.length > 0) doc['pending'] = pending;
  const revoked = [...state.revoked.entries()]
    .filter(([, until]) => until > now)
    .map(([nodeId, until]) => ({ node_id: nodeId, until: formatRfc3339(until) }));
  if (revoked.length > 0) doc['revoked'] = revoked;
  const outgoing = [...state.outgoing.entries()].map(([nodeId, sentAt]) => ({
    node_id: nodeId,
    sent_at: formatRfc3339(sentAt),
  }));
  if (outgoing.length > 0) doc['outgoing'] = outgoing;
  return JSON.stringify(doc, null, 2);
}

/**
 * Writes `text` to `file` so a crash (even kill -9) leaves the old or the new contents, never a
 * mix: temp file (0600) + fsync, rename over the target, fsync the directory.
 * @param file - the target path.
 * @param text - the contents.
 */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
