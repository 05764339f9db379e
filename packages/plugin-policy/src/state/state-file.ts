// The per-network runner state file `policy_<network>.json` (§E.3/§E.7): written atomically
// (temp file + fsync + rename + directory fsync, mode 0600), so a kill -9 leaves the old or the
// new file, never a torn one.
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PolicyError } from '../policy/errors.js';

/** One managed peer as persisted. */
export interface PersistedPeer {
  /** Node id. */
  readonly node_id: number;
  /** When it became a managed peer, unix ms. */
  readonly joined_at: number;
  /** Last traffic seen, unix ms. */
  readonly last_seen: number;
  /** Tags policy `tag` actions gave it. */
  readonly tags: readonly string[];
}

/** The persisted state of one network's runner. */
export interface RunnerState {
  /** Network id. */
  readonly network_id: number;
  /** The policy document as JSON text. */
  readonly policy: string;
  /** Managed peers. */
  readonly peers: readonly PersistedPeer[];
  /** When this node's runner first started, unix ms. */
  readonly joined_at: number;
  /** Cycles run so far. */
  readonly cycle_num: number;
  /** Peers evicted and when they may be re-added, unix ms. */
  readonly evicted: readonly { readonly node_id: number; readonly until: number }[];
}

/** The state file name of a network. */
export function stateFileName(networkId: number): string {
  return `policy_${networkId}.json`;
}

/** Writes `state` atomically under `dir`. */
export async function writeState(dir: string, state: RunnerState): Promise<void> {
  const file = path.join(dir, stateFileName(state.network_id));
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(state));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new PolicyError('POLICY_STATE', `could not write ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Removes a network's state file (no error when absent). */
export async function removeState(dir: string, networkId: number): Promise<void> {
  await rm(path.join(dir, stateFileName(networkId)), { force: true });
}

/** Every readable state file under `dir`; unreadable ones are reported through `onBad`. */
export async function readStates(
  dir: string,
  onBad: (file: string, error: Error) => void,
): Promise<RunnerState[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: RunnerState[] = [];
  for (const name of names) {
    if (!/^policy_\d+\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const s = JSON.parse(await readFile(file, 'utf8')) as RunnerState;
      if (typeof s.network_id !== 'number' || typeof s.policy !== 'string')
        throw new Error('missing network_id or policy');
      out.push({
        network_id: s.network_id,
        policy: s.policy,
        peers: Array.isArray(s.peers) ? s.peers : [],
        joined_at: typeof s.joined_at === 'number' ? s.joined_at : Date.now(),
        cycle_num: typeof s.cycle_num === 'number' ? s.cycle_num : 0,
        evicted: Array.isArray(s.evicted) ? s.evicted : [],
      });
    } catch (err) {
      onBad(file, err as Error);
    }
  }
  return out;
}
