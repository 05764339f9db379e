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
      throw hostnameNotFound(text, err);
    }
    throw e;
  }
}

/** What a private node's hostname looks like to a stranger, and what to do about it. */
export const PRIVATE_NAME_HINT =
  "private nodes' hostnames are hidden from nodes they do not trust: check the spelling, or ask the node's owner to make it public (meshctl set-public) or to trust you (you: meshctl handshake <node-id>; they: meshctl approve <your-node-id>), or use its node id or address";

/**
 * The `not_found` answer for an unresolvable hostname.
 * @param hostname - the name asked for.
 * @param cause - the registry's error.
 * @returns the error, explaining that private names are hidden.
 */
export function hostnameNotFound(hostname: string, cause: unknown): IpcError {
  return new IpcError(
    ErrorCode.notFound,
    `hostname "${hostname}" not found: no public node has it, or it belongs to a private node`,
    { cause, hint: PRIVATE_NAME_HINT },
  );
}
