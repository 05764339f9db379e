// Node arguments (approve, reject, untrust): a node id, an address, or a hostname resolved by the daemon.
import { usageError } from '../cli/errors.js';
import type { CommandContext } from '../cli/types.js';
import { parseNodeId } from './parse.js';

/**
 * Turns a `<node>` argument into a node id: decimal ids and addresses directly, anything else
 * as a hostname through the daemon's registry lookup.
 * @param ctx - the command context (for the daemon connection).
 * @param text - the argument.
 * @returns the node id.
 * @throws CliError `invalid_argument` for text that is none of the three; `not_found` from the daemon.
 */
export async function nodeIdOf(ctx: CommandContext, text: string): Promise<number> {
  if (/^\d+$/.test(text) || text.includes(':')) return parseNodeId(text);
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(text))
    throw usageError(`expected a node id, an address or a hostname, got "${text}"`);
  const resolved = await (await ctx.client()).resolve(text);
  ctx.progress(`resolved "${text}" → ${resolved.address}`);
  return resolved.node_id;
}
