// meshctl trusted list: the trusted-agents list the daemon's trustedagents plugin holds.
import { CliError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';

interface TrustedList {
  source: string;
  configured: boolean;
  updated_at: number;
  agents: { name: string; node_id: number; address: string; pinned: boolean; confirmed: boolean }[];
  last_error?: { reason: string; message: string; at: number };
}

export const trustedList: Command = {
  name: 'trusted list',
  args: [],
  description: 'trusted agents (auto-approved trust requests) from the signed list',
  returns:
    'source, configured, updated_at, agents[{name, node_id, address, pinned, confirmed}], last_error?',
  async run(ctx) {
    try {
      return await (await ctx.client()).ipc.callRaw('trustedagents.list');
    } catch (err) {
      // The client is loaded already (ctx.client() ran); this import costs nothing more.
      const { ErrorCode, IpcError } = await import('@mesh/client');
      if (err instanceof IpcError && err.code === ErrorCode.methodNotFound)
        throw new CliError(
          'unavailable',
          'no trustedagents plugin loaded',
          'start meshd with the trustedagents plugin to use trusted agents',
        );
      throw err;
    }
  },
  human: (d: TrustedList) => {
    const lines = d.agents.map(
      (a) =>
        `${a.node_id}  ${a.name}${a.address ? `  ${a.address}` : ''}${a.pinned ? (a.confirmed ? '  (key pinned)' : '  (key pin not confirmed)') : ''}`,
    );
    if (lines.length === 0)
      lines.push(d.configured ? 'no trusted agents' : 'no trusted-agents list configured');
    if (d.last_error)
      lines.push(`last refresh failed: ${d.last_error.reason}: ${d.last_error.message}`);
    return lines.join('\n');
  },
};
