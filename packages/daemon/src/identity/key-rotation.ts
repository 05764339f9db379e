// Key rotation: a new Ed25519 key, told to the registry with the old one, then swapped in
// everywhere. The new key is on disk (identity.json.pending) before the registry hears of it, so a
// crash or a dropped connection at any point leaves enough to finish or roll back.
import type { Logger } from '@mesh/daemonapi';
import { readFile, rename, rm, open } from 'node:fs/promises';
import path from 'node:path';
import { DaemonError, KeyRotationError } from '../errors/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { Identity } from './identity.js';
import type { IdentityHolder } from './identity-holder.js';

/** The registry calls a rotation needs (the daemon's registry session provides them). */
export interface RotationRegistry {
  /**
   * `rotate_key`, signed with the current key, never retried.
   * @param newPublicKey base64 Ed25519 key
   */
  rotateKey(newPublicKey: string): Promise<unknown>;
  /**
   * The key the registry holds for a node.
   * @param nodeId the node
   * @returns base64 key
   */
  registeredKey(nodeId: number): Promise<string>;
}

/** Options of {@link KeyRotation}. */
export interface KeyRotationOptions {
  /** The identity the tunnel and the registry session read. */
  readonly holder: IdentityHolder;
  /** The identity file; without one the pending key is kept in memory only. */
  readonly identityPath: string | undefined;
  /** The registry session, once created. */
  readonly registry: () => RotationRegistry | undefined;
  /** This node's id (0 before registration). */
  readonly nodeId: () => number;
  /** Re-keys the tunnel with the swapped identity. */
  readonly rekey: () => void;
  /** Where `identity.rotated` goes. */
  readonly bus: EventBus;
  /** Logger. */
  readonly logger: Logger;
}

/** What {@link KeyRotation.rotate} did. */
export interface KeyRotationResult {
  /** The node id (unchanged). */
  readonly node_id: number;
  /** The new public key, base64. */
  readonly public_key: string;
  /** The replaced public key, base64. */
  readonly old_public_key: string;
  /** The identity file now holding the new key, `''` without one. */
  readonly identity_path: string;
  /** The backup of the old key (`identity.json.old`), `''` without an identity file. */
  readonly backup_path: string;
}

/** What reconciling a pending rotation did. */
export type ReconcileOutcome =
  /** Nothing was pending. */
  | 'none'
  /** The registry held the new key: the rotation was finished locally. */
  | 'completed'
  /** The registry held the old key (or no record): the pending key was dropped. */
  | 'rolled_back'
  /** The registry could not be asked; the pending key is kept. */
  | 'unknown'
  /** The registry holds neither key; the pending file is kept for the operator. */
  | 'conflict';

/** A new key waiting for the registry's answer. */
interface Pending {
  readonly identity: Identity;
  readonly nodeId: number;
}

/** Shape of `identity.json.pending`: the identity file plus the node id it is meant for. */
interface PendingFile {
  readonly private_key: string;
  readonly public_key: string;
  readonly node_id: number;
}

/**
 * Rotates the node's Ed25519 key (`Daemon.rotateKey`) and reconciles a rotation whose outcome is
 * unknown. One rotation or reconciliation runs at a time.
 */
export class KeyRotation {
  readonly #opts: KeyRotationOptions;
  #pending: Pending | undefined;
  #busy = false;
  #replaced: Identity | undefined;

  /**
   * @param options the identity holder, files, registry and tunnel hooks
   */
  constructor(options: KeyRotationOptions) {
    this.#opts = options;
  }

  /** `identity.json.pending` beside the identity file. */
  static pendingPath(identityPath: string): string {
    return `${identityPath}.pending`;
  }

  /** `identity.json.old` beside the identity file. */
  static backupPath(identityPath: string): string {
    return `${identityPath}.old`;
  }

  /** Whether a new key waits for reconciliation. */
  get hasPending(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Reads `identity.json.pending` left by an interrupted rotation (at start, before registering).
   * @returns whether one was found
   */
  async loadPending(): Promise<boolean> {
    const file = this.#opts.identityPath;
    if (file === undefined) return false;
    const pendingFile = KeyRotation.pendingPath(file);
    let text: string;
    try {
      text = await readFile(pendingFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new DaemonError('IDENTITY_IO', `cannot read ${pendingFile}`, { cause: error });
    }
    let data: Partial<PendingFile>;
    try {
      data = JSON.parse(text) as Partial<PendingFile>;
    } catch (error) {
      throw new DaemonError('IDENTITY_INVALID', `${pendingFile} is not valid JSON`, {
        cause: error,
      });
    }
    const nodeId = data.node_id;
    if (typeof nodeId !== 'number' || !Number.isInteger(nodeId) || nodeId <= 0)
      throw new DaemonError('IDENTITY_INVALID', `${pendingFile} has no valid "node_id"`);
    this.#pending = { identity: Identity.fromJSON(data), nodeId };
    this.#opts.logger.warn('an interrupted key rotation is pending', { file: pendingFile });
    return true;
  }

  /**
   * Rotates the key: writes the new key to `identity.json.pending`, sends `rotate_key` signed
   * with the old key, and on success swaps the identity, keeps the old one as `identity.json.old`,
   * renames the pending file over `identity.json` and re-keys every tunnel.
   * @returns the node id and both keys
   * @throws KeyRotationError `ROTATION_REFUSED`, `ROTATION_UNKNOWN` or `ROTATION_CONFLICT`
   */
  async rotate(): Promise<KeyRotationResult> {
    if (this.#busy)
      throw new KeyRotationError('ROTATION_CONFLICT', 'a key rotation is already in progress');
    this.#busy = true;
    try {
      const registry = this.#opts.registry();
      const nodeId = this.#opts.nodeId();
      if (registry === undefined || nodeId === 0)
        throw new DaemonError('NOT_STARTED', 'the daemon is not registered yet');
      if (this.#pending !== undefined) {
        const outcome = await this.#reconcile(registry);
        if (outcome === 'unknown')
          throw new KeyRotationError(
            'ROTATION_UNKNOWN',
            'an earlier key rotation is still unresolved and the registry cannot be asked; the old key stays pending until it answers',
          );
        if (outcome === 'conflict')
          throw new KeyRotationError(
            'ROTATION_CONFLICT',
            'the registry holds neither the current nor the pending key of this node',
          );
      }
      const next = Identity.generate();
      await this.#writePending(next, nodeId);
      try {
        await registry.rotateKey(next.publicKeyBase64);
      } catch (error) {
        if (outcomeUnknown(error)) {
          this.#opts.logger.warn('key rotation outcome unknown; will reconcile', {
            error: String(error),
          });
          throw new KeyRotationError(
            'ROTATION_UNKNOWN',
            'the registry connection dropped after rotate_key was sent: the key in use is unknown until the registry answers (the daemon checks at the next heartbeat, rotation or start)',
            { cause: error },
          );
        }
        await this.#dropPending();
        const remote = (error as { remoteCode?: unknown }).remoteCode;
        if (remote === 'CONFLICT')
          throw new KeyRotationError(
            'ROTATION_CONFLICT',
            'the registry refused the new key: it is registered to another node',
            { cause: error },
          );
        const reached = (error as { code?: unknown }).code === 'REMOTE';
        throw new KeyRotationError(
          'ROTATION_REFUSED',
          reached
            ? `the registry refused the key rotation; the old key stays in use: ${errorMessage(error)}`
            : `the registry could not be reached, nothing was sent; the old key stays in use: ${errorMessage(error)}`,
          { cause: error },
        );
      }
      return await this.#complete(next, nodeId);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Settles a pending rotation by asking the registry which key it holds: the new one finishes
   * the rotation, the old one (or no record) rolls it back. Never throws; a rotation in progress
   * is left alone.
   * @returns what was done
   */
  async reconcile(): Promise<ReconcileOutcome> {
    if (this.#pending === undefined || this.#busy) return 'none';
    const registry = this.#opts.registry();
    if (registry === undefined) return 'unknown';
    this.#busy = true;
    try {
      return await this.#reconcile(registry);
    } catch (error) {
      this.#opts.logger.warn('key rotation reconcile failed', { error: String(error) });
      return 'unknown';
    } finally {
      this.#busy = false;
    }
  }

  async #reconcile(registry: RotationRegistry): Promise<ReconcileOutcome> {
    const pending = this.#pending;
    if (pending === undefined) return 'none';
    let key: string;
    try {
      key = await registry.registeredKey(pending.nodeId);
    } catch (error) {
      if ((error as { remoteCode?: unknown }).remoteCode === 'NOT_FOUND') key = '';
      else {
        this.#opts.logger.debug('cannot ask the registry about a pending rotation', {
          error: String(error),
        });
        return 'unknown';
      }
    }
    if (key === pending.identity.publicKeyBase64) {
      await this.#complete(pending.identity, pending.nodeId);
      this.#opts.logger.info('pending key rotation completed: the registry holds the new key');
      return 'completed';
    }
    if (key === this.#opts.holder.publicKeyBase64 || key === '') {
      await this.#dropPending();
      this.#opts.logger.info('pending key rotation rolled back: the registry holds the old key');
      return 'rolled_back';
    }
    this.#opts.logger.warn(
      'pending key rotation unresolved: the registry holds neither the old nor the new key',
      { node_id: pending.nodeId },
    );
    return 'conflict';
  }

  async #complete(next: Identity, nodeId: number): Promise<KeyRotationResult> {
    const { holder, identityPath } = this.#opts;
    // In memory first: the registry already expects signatures by the new key. (Already swapped
    // when an earlier attempt failed writing the files: keep the key it replaced.)
    const old = holder.current === next ? (this.#replaced ?? next) : holder.swap(next);
    this.#replaced = old;
    let backup = '';
    if (identityPath !== undefined) {
      backup = KeyRotation.backupPath(identityPath);
      await wrapIo(identityPath, async () => {
        await writeFileAtomic(backup, `${JSON.stringify(old.toJSON(), null, 2)}\n`);
        await rename(KeyRotation.pendingPath(identityPath), identityPath);
        await syncDir(path.dirname(identityPath));
      });
    }
    this.#pending = undefined;
    this.#opts.rekey();
    this.#opts.bus.publish('identity.rotated', {
      node_id: nodeId,
      public_key: next.publicKeyBase64,
      old_public_key: old.publicKeyBase64,
    });
    this.#opts.logger.info('key rotated', { node_id: nodeId, public_key: next.publicKeyBase64 });
    return {
      node_id: nodeId,
      public_key: next.publicKeyBase64,
      old_public_key: old.publicKeyBase64,
      identity_path: identityPath ?? '',
      backup_path: backup,
    };
  }

  async #writePending(next: Identity, nodeId: number): Promise<void> {
    this.#pending = { identity: next, nodeId };
    const file = this.#opts.identityPath;
    if (file === undefined) return;
    const data: PendingFile = { ...next.toJSON(), node_id: nodeId };
    try {
      await writeFileAtomic(KeyRotation.pendingPath(file), `${JSON.stringify(data, null, 2)}\n`);
    } catch (error) {
      this.#pending = undefined;
      throw new DaemonError('IDENTITY_IO', `cannot write ${KeyRotation.pendingPath(file)}`, {
        cause: error,
      });
    }
  }

  async #dropPending(): Promise<void> {
    this.#pending = undefined;
    const file = this.#opts.identityPath;
    if (file !== undefined) await rm(KeyRotation.pendingPath(file), { force: true });
  }
}

/** Whether the registry may have applied a call that failed (sent, then no answer). */
function outcomeUnknown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'CONNECTION_LOST' || code === 'TIMEOUT' || code === 'ABORTED' || code === 'PROTOCOL'
  );
}

/**
 * The message of anything thrown.
 * @param error what was thrown
 * @returns its message
 */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs file operations, reporting a failure as `IDENTITY_IO`.
 * @param file the identity file, for the message
 * @param fn the operations
 */
async function wrapIo(file: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw new DaemonError('IDENTITY_IO', `cannot finish writing the rotated key to ${file}`, {
      cause: error,
    });
  }
}

/** fsyncs a directory so a rename in it is durable (best effort: unsupported on some systems). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* directory fsync is unsupported on some platforms */
  }
}
