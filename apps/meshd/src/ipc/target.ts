// "Targets accept an address, a node id or a hostname" — resolved here, once, for every handler.
import { ErrorCode, IpcError } from '@mesh/ipc';
import { makeAddr, parseAddr } from '@mesh/protocol';
import type { Addr } from '@mesh/protocol';
import { engineError } from './errors.js';
import type { NodeEngine } from './engine.js';

/**
 * Resolves a target text: `N:NNNN.HHHH.LLLL`, a decimal node id on the backbone, or a hostname
 * looked up through the registry.
 * @param engine - for the registry.
 * @param target - the text.
 * @returns the address.
 * @throws IpcError `invalid_argument` for an empty target, `not_found` for an unknown hostname.
 */
export async function resolveTarget(
  engine: Pick<NodeEngine, 'rawRegistryClient'>,
  target: string,
): Promise<Addr> {
  const text = target.trim();
  if (text === '') throw new IpcError(ErrorCode.invalidArgument, 'target is empty');
  if (text.includes(':')) {
    try {
      return parseAddr(text);
    } catch (err) {
      throw new IpcError(ErrorCode.invalidArgument, (err as Error).message, {
        hint: 'addresses look like 0:0000.0000.0005',
      });
    }
  }
  if (/^\d+$/.test(text)) {
    const node = Number(text);
    if (node > 0xffffffff)
      throw new IpcError(ErrorCode.invalidArgument, `node id ${text} exceeds 4294967295`);
    return makeAddr(0, node);
  }
  const registry = engine.rawRegistryClient();
  if (!registry)
    throw new IpcError(
      ErrorCode.unavailable,
      'the daemon is not registered yet; cannot resolve hostnames',
    );
  try {
    const r = await registry.resolveHostname(text);
    return parseAddr(r.address);
  } catch (err) {
    const e = engineError(err, `resolve ${text}`);
    if (e.code === ErrorCode.internal || e.code === ErrorCode.notFound) {
      throw new IpcError(ErrorCode.notFound, `hostname "${text}" not found`, {
        cause: err,
        hint: 'check the name with: meshctl find <hostname>',
      });
    }
    throw e;
  }
}
