// handshake.*: forwarded to the handshake plugin's service, or a clear "no handshake plugin loaded".
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { MethodRegistry } from '@mesh/ipc';
import type { HandshakeService } from '@mesh/daemonapi';
import type { HandshakeEngine, NodeEngine } from '../engine.js';
import { engineError } from '../errors.js';
import { resolveTarget } from '../target.js';

/** The service, or the `unavailable` error every handshake command answers without the plugin. */
function serviceOf(engine: HandshakeEngine): HandshakeService {
  const s = engine.handshakeService();
  if (!s) {
    throw new IpcError(ErrorCode.unavailable, 'no handshake plugin loaded', {
      hint: 'start meshd with a handshake plugin (--plugins <module>) to use trust handshakes',
    });
  }
  return s;
}

/**
 * Registers the handshake methods.
 * @param registry - the IPC method table.
 * @param engine - handshake service lookup plus the registry for hostname targets.
 * @returns a function that unregisters them.
 */
export function registerHandshakeHandlers(
  registry: MethodRegistry,
  engine: HandshakeEngine & Pick<NodeEngine, 'rawRegistryClient'>,
): () => void {
  const nodeId = (params: unknown, method: string): number =>
    new ParamReader(params, method).int('node_id', { min: 1, max: 0xffffffff });
  const offs = [
    registry.handle('handshake.send', async (params) => {
      const r = new ParamReader(params, 'handshake.send');
      const target = r.string('target', { nonEmpty: true });
      const justification = r.string('justification', { maxLength: 1024 });
      const service = serviceOf(engine);
      const addr = await resolveTarget(engine, target);
      try {
        await service.sendRequest(addr.node, justification);
      } catch (err) {
        throw engineError(err, `handshake with ${target}`);
      }
      return { status: 'sent', node_id: addr.node };
    }),
    registry.handle('handshake.approve', async (params) => {
      const id = nodeId(params, 'handshake.approve');
      try {
        await serviceOf(engine).approveHandshake(id);
      } catch (err) {
        throw engineError(err, `approve ${id}`);
      }
      return { status: 'approved', node_id: id };
    }),
    registry.handle('handshake.reject', async (params) => {
      const r = new ParamReader(params, 'handshake.reject');
      const id = r.int('node_id', { min: 1, max: 0xffffffff });
      const reason = r.string('reason', { maxLength: 1024 });
      try {
        await serviceOf(engine).rejectHandshake(id, reason);
      } catch (err) {
        throw engineError(err, `reject ${id}`);
      }
      return { status: 'rejected', node_id: id };
    }),
    registry.handle('handshake.pending', () => ({
      pending: serviceOf(engine)
        .pendingRequests()
        .map((p) => ({
          node_id: p.nodeId,
          public_key: p.publicKey,
          justification: p.justification,
          received_at: Math.floor(p.receivedAt / 1000),
        })),
    })),
    registry.handle('handshake.trusted', () => ({
      trusted: serviceOf(engine)
        .trustedPeers()
        .map((t) => ({
          node_id: t.nodeId,
          public_key: t.publicKey,
          approved_at: Math.floor(t.approvedAt / 1000),
          mutual: t.mutual,
          network: t.network,
        })),
    })),
    registry.handle('handshake.revoke', async (params) => {
      const id = nodeId(params, 'handshake.revoke');
      try {
        await serviceOf(engine).revokeTrust(id);
      } catch (err) {
        throw engineError(err, `revoke ${id}`);
      }
      return { status: 'revoked', node_id: id };
    }),
  ];
  return () => offs.forEach((off) => off());
}
