import type { ConnectionStats } from '@mesh/client';
import type { Command } from '../cli/types.js';
import { formatBytes, formatMs } from '../util/format.js';

export const connections: Command = {
  name: 'connections',
  args: [],
  description: 'stream connections with transport statistics',
  returns:
    'connections[{id, local_port, remote_addr, remote_port, state, cong_win, srtt_ms, bytes_sent, bytes_recv, retransmits, …}]',
  run: async (ctx) => ({ connections: await (await ctx.client()).connections() }),
  human: (d: { connections: ConnectionStats[] }) =>
    d.connections.length === 0
      ? 'no connections'
      : [
          'ID    LOCAL  REMOTE                    STATE        RTT (±)            SENT        RECV        RETX',
          ...d.connections.map(
            (c) =>
              `${String(c.id).padEnd(5)} ${String(c.local_port).padEnd(6)} ${`${c.remote_addr}:${c.remote_port}`.padEnd(25)} ${c.state.padEnd(12)} ${`${formatMs(c.srtt_ms)} (±${formatMs(c.rttvar_ms)})`.padEnd(18)} ${formatBytes(c.bytes_sent).padEnd(11)} ${formatBytes(c.bytes_recv).padEnd(11)} ${c.retransmits}`,
          ),
        ].join('\n'),
};
