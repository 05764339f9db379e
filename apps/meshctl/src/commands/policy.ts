// meshctl policy …: the policy plugin's runners (policy.* methods) and the registry's policy of
// a network (set with --push, which every member's daemon then syncs).
import { CliError, usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';
import { adminToken, callDaemon, parseNetworkId } from './network.js';

export const policyGet: Command = {
  name: 'policy get',
  args: ['<network_id>'],
  description: "the policy this daemon runs for a network (--registry: the registry's copy)",
  returns: 'network_id, policy (, source with --registry)',
  flags: {
    registry: { type: 'boolean', description: 'ask the registry instead of the local runner' },
  },
  run: (ctx) => {
    const net = parseNetworkId(ctx.args[0], 'meshctl policy get <network_id>');
    return callDaemon(ctx, ctx.flags['registry'] === true ? 'network.policy_fetch' : 'policy.get', {
      network_id: net,
    });
  },
};

export const policySet: Command = {
  name: 'policy set',
  args: ['<network_id>', '<file>'],
  description:
    'run a policy document for a network on this daemon (--push: store it at the registry for every member)',
  returns: 'the runner status (or the sync result with --push)',
  flags: {
    push: { type: 'boolean', description: 'store it as the network policy at the registry' },
    'admin-token': {
      type: 'string',
      description: 'registry admin token for --push (default: $MESH_ADMIN_TOKEN)',
    },
  },
  run: async (ctx) => {
    const usage = 'meshctl policy set <network_id> <file> [--push]';
    const net = parseNetworkId(ctx.args[0], usage);
    const file = ctx.args[1];
    if (file === undefined) throw usageError('missing <file>', usage);
    let text: string;
    try {
      text = await (await import('node:fs/promises')).readFile(file, 'utf8');
    } catch (err) {
      throw new CliError('not_found', `cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      JSON.parse(text);
    } catch (err) {
      throw new CliError(
        'invalid_argument',
        `${file} is not valid JSON: ${(err as Error).message}`,
      );
    }
    if (ctx.flags['push'] === true)
      return callDaemon(ctx, 'network.policy_push', {
        network_id: net,
        policy: text,
        ...adminToken(ctx),
      });
    return callDaemon(ctx, 'policy.set', { network_id: net, policy: text });
  },
};

export const policyStatus: Command = {
  name: 'policy status',
  args: ['[network_id]'],
  description:
    'runner status: members, peers, verdict and error counters (all networks without an id)',
  returns: 'status (with peer_list) or policies[]',
  run: (ctx) =>
    callDaemon(
      ctx,
      'policy.status',
      ctx.args[0] === undefined
        ? {}
        : { network_id: parseNetworkId(ctx.args[0], 'meshctl policy status [network_id]') },
    ),
};

export const policyCycle: Command = {
  name: 'policy cycle',
  args: ['<network_id>'],
  description: 'run one policy cycle now and print what it did',
  returns:
    'network_id, cycle_num, evicted, pruned, filled, tagged, trust_pruned, trust_requested, errors',
  run: (ctx) =>
    callDaemon(ctx, 'policy.cycle', {
      network_id: parseNetworkId(ctx.args[0], 'meshctl policy cycle <network_id>'),
    }),
};

export const policySync: Command = {
  name: 'policy sync',
  args: [],
  description:
    "fetch every network's registry policy and run it (managed networks' rules included)",
  returns: 'policies[{network_id, source, action}]',
  run: (ctx) => callDaemon(ctx, 'network.policy_sync'),
};

/** Every `policy …` command. */
export const POLICY_COMMANDS: readonly Command[] = [
  policyGet,
  policySet,
  policyStatus,
  policyCycle,
  policySync,
];
