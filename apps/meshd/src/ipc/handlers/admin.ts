// version, lookup, rotate_key, peers.forget: what the engine can do that meshctl had no command for.
import { CONTRACT_VERSION } from '@mesh/daemonapi';
import { ErrorCode, IpcError, ParamReader, RPC_VERSION } from '@mesh/ipc';
import type { LookupResult, MethodRegistry, RotateKeyResult, VersionResult } from '@mesh/ipc';
import type { NodeEngine } from '../engine.js';
import { engineError } from '../errors.js';

/** The registry's node record as `lookup` needs it. */
interface LookupOps {
  lookup(nodeId: number): Promise<{
    readonly nodeId: number;
    readonly address: string;
    readonly hostname: string;
    readonly public: boolean;
    readonly tags: readonly string[];
    readonly networks: readonly number[];
    readonly publicKey: string;
  }>;
}

/** The engine view of these handlers; the optional parts degrade to `unavailable`. */
export interface AdminEngine extends Pick<NodeEngine, 'rawRegistryClient'> {
  /** Build metadata. */
  versionInfo?(): { version: string; commit: string; buildTime: string };
  /** Drops a peer's tunnel and tells the plugins. */
  forgetPeer?(nodeId: number): Promise<void>;
  /** Rotates the node's key (registry, identity file, tunnels). */
  rotateKey?(): Promise<RotateKeyResult>;
}

/**
 * Registers `version`, `lookup`, `rotate_key` and `peers.forget`.
 * @param registry - the IPC method table.
 * @param engine - the engine view.
 * @param daemonVersion - the daemon's version.
 * @returns a function that unregisters them.
 */
export function registerAdminHandlers(
  registry: MethodRegistry,
  engine: AdminEngine,
  daemonVersion: string,
): () => void {
  const offs = [
    registry.handle('version', (): VersionResult => {
      const v = engine.versionInfo?.();
      return {
        daemon_version: daemonVersion,
        contract_version: CONTRACT_VERSION,
        rpc_version: RPC_VERSION,
        commit: v?.commit ?? '',
        build_time: v?.buildTime ?? '',
      };
    }),
    registry.handle('lookup', async (params): Promise<LookupResult> => {
      const nodeId = new ParamReader(params, 'lookup').int('node_id', { min: 0 });
      const reg = engine.rawRegistryClient() as (LookupOps & object) | undefined;
      if (!reg || typeof reg.lookup !== 'function')
        throw new IpcError(ErrorCode.unavailable, 'the daemon has no registry connection yet');
      try {
        const n = await reg.lookup(nodeId);
        return {
          node_id: n.nodeId,
          address: n.address,
          hostname: n.hostname,
          public: n.public,
          tags: [...n.tags],
          networks: [...n.networks],
          public_key: n.publicKey,
        };
      } catch (err) {
        const e = engineError(err, `lookup ${nodeId}`);
        if (e.code === ErrorCode.notFound)
          throw new IpcError(ErrorCode.notFound, `no such node: ${nodeId} is not registered`, {
            hint: 'check the id, or find a node by name with: meshctl find <hostname>',
            cause: err,
          });
        throw e;
      }
    }),
    registry.handle('rotate_key', async (): Promise<RotateKeyResult> => {
      if (!engine.rotateKey)
        throw new IpcError(ErrorCode.unavailable, 'this engine cannot rotate its key');
      try {
        const r = await engine.rotateKey();
        return {
          node_id: r.node_id,
          public_key: r.public_key,
          old_public_key: r.old_public_key,
          identity_path: r.identity_path,
          backup_path: r.backup_path,
        };
      } catch (err) {
        throw engineError(err, 'rotate key');
      }
    }),
    registry.handle('peers.forget', async (params) => {
      const nodeId = new ParamReader(params, 'peers.forget').int('node_id', { min: 0 });
      if (!engine.forgetPeer)
        throw new IpcError(ErrorCode.unavailable, 'this engine cannot forget peers');
      try {
        await engine.forgetPeer(nodeId);
      } catch (err) {
        throw engineError(err, `forget ${nodeId}`);
      }
      return { node_id: nodeId, forgotten: true };
    }),
  ];
  return () => offs.forEach((off) => off());
}
