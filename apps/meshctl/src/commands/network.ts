// meshctl network …: membership and administration of custom networks through the daemon
// (its signed registry client). Admin-token commands take --admin-token or MESH_ADMIN_TOKEN.
import { CliError, usageError } from '../cli/errors.js';
import type { Command, CommandContext, FlagSpec } from '../cli/types.js';
import { parseNodeId, stringFlag } from '../util/parse.js';

const ADMIN_FLAG: Readonly<Record<string, FlagSpec>> = {
  'admin-token': {
    type: 'string',
    description: 'registry admin token (default: $MESH_ADMIN_TOKEN); without it this node signs',
  },
};

/** The network id argument. */
export function parseNetworkId(text: string | undefined, usage: string): number {
  if (text === undefined) throw usageError('missing <network_id>', usage);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 0xffff)
    throw usageError(`network id must be 1-65535, got "${text}"`, usage);
  return Number(text);
}

/** `admin_token` from --admin-token or MESH_ADMIN_TOKEN, when given. */
export function adminToken(ctx: CommandContext): Record<string, string> {
  const t = stringFlag(ctx.flags, 'admin-token') ?? ctx.env['MESH_ADMIN_TOKEN'];
  return t === undefined || t === '' ? {} : { admin_token: t };
}

/** Calls a daemon method by name. */
export async function callDaemon(
  ctx: CommandContext,
  method: string,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  return (await ctx.client()).ipc.callRaw(method, params);
}

/** A `network <verb> <network_id>` command. */
function netCommand(
  verb: string,
  description: string,
  returns: string,
  extraArgs: readonly string[],
  build: (ctx: CommandContext, net: number, usage: string) => Record<string, unknown>,
  flags: Readonly<Record<string, FlagSpec>> = ADMIN_FLAG,
): Command {
  const usage = `meshctl network ${verb} <network_id> ${extraArgs.join(' ')}`.trim();
  return {
    name: `network ${verb}`,
    args: ['<network_id>', ...extraArgs],
    description,
    returns,
    flags,
    run: async (ctx) => {
      const net = parseNetworkId(ctx.args[0], usage);
      return callDaemon(ctx, `network.${verb}`, { network_id: net, ...build(ctx, net, usage) });
    },
  };
}

const target = (ctx: CommandContext, usage: string): number => {
  const t = ctx.args[1];
  if (t === undefined) throw usageError('missing <node>', usage);
  return parseNodeId(t);
};

export const networkList: Command = {
  name: 'network list',
  args: [],
  description: 'list networks (member counts with the admin token)',
  returns: 'networks[{id, name, joinRule, members?}]',
  flags: ADMIN_FLAG,
  run: (ctx) => callDaemon(ctx, 'network.list', adminToken(ctx)),
};

export const networkCreate: Command = {
  name: 'network create',
  args: ['<name>'],
  description: 'create a network (needs the registry admin token); this node owns and joins it',
  returns: 'network_id, name, policies',
  flags: {
    ...ADMIN_FLAG,
    'join-rule': { type: 'string', description: 'open (default), token or invite' },
    token: { type: 'string', description: 'join token of a token network' },
    rules: {
      type: 'string',
      description: 'managed-network rules as JSON (links, cycle, prune, …)',
    },
  },
  run: async (ctx) => {
    const name = ctx.args[0];
    if (name === undefined) throw usageError('missing <name>', 'meshctl network create <name>');
    const params: Record<string, unknown> = { name, ...adminToken(ctx) };
    if (params['admin_token'] === undefined)
      throw new CliError(
        'invalid_argument',
        'network create needs the registry admin token',
        'pass --admin-token <token> or set MESH_ADMIN_TOKEN',
      );
    const joinRule = stringFlag(ctx.flags, 'join-rule');
    if (joinRule !== undefined) params['join_rule'] = joinRule;
    const token = stringFlag(ctx.flags, 'token');
    if (token !== undefined) params['token'] = token;
    const rules = stringFlag(ctx.flags, 'rules');
    if (rules !== undefined) {
      try {
        JSON.parse(rules);
      } catch {
        throw usageError(
          '--rules is not valid JSON',
          'meshctl network create <name> --rules \'{"links":5,…}\'',
        );
      }
      params['rules'] = rules;
    }
    return callDaemon(ctx, 'network.create', params);
  },
};

export const networkJoin = netCommand(
  'join',
  'join a network (token networks: --token; invite networks: --inviter)',
  'network_id, address, policies',
  [],
  (ctx) => ({
    ...adminToken(ctx),
    ...(stringFlag(ctx.flags, 'token') === undefined
      ? {}
      : { token: stringFlag(ctx.flags, 'token') }),
    ...(stringFlag(ctx.flags, 'inviter') === undefined
      ? {}
      : { inviter_id: parseNodeId(stringFlag(ctx.flags, 'inviter')!) }),
  }),
  {
    ...ADMIN_FLAG,
    token: { type: 'string', description: 'join token' },
    inviter: { type: 'string', description: 'node id of the member who invited you' },
  },
);

export const networkLeave = netCommand('leave', 'leave a network', 'network_id, left', [], (ctx) =>
  adminToken(ctx),
);

export const networkMembers = netCommand(
  'members',
  "list a network's members (tags are node ∪ member tags)",
  'network_id, members[]',
  [],
  (ctx) => adminToken(ctx),
);

export const networkInvite = netCommand(
  'invite',
  'invite a node to a network you are a member of',
  'network_id, target_node_id, invited',
  ['<node>'],
  (ctx, _net, usage) => ({ target: target(ctx, usage) }),
  {},
);

export const networkInvites: Command = {
  name: 'network invites',
  args: [],
  description: 'invitations waiting for this node',
  returns: 'invites[{networkId, networkName, inviterId, timestamp}]',
  run: (ctx) => callDaemon(ctx, 'network.invites'),
};

export const networkAccept = netCommand(
  'accept',
  'accept an invitation (--reject to decline it)',
  'network_id, accepted, address?',
  [],
  (ctx) => (ctx.flags['reject'] === true ? { decision: 'reject' } : {}),
  { reject: { type: 'boolean', description: 'decline instead of accepting' } },
);

export const networkDelete = netCommand(
  'delete',
  'delete a network (owner or admin token); every member leaves',
  'network_id, deleted',
  [],
  (ctx) => adminToken(ctx),
);

export const networkRename = netCommand(
  'rename',
  'rename a network (owner/admin or admin token)',
  'network_id, name',
  ['<new_name>'],
  (ctx, _net, usage) => {
    const name = ctx.args[1];
    if (name === undefined) throw usageError('missing <new_name>', usage);
    return { name, ...adminToken(ctx) };
  },
);

export const networkPromote = netCommand(
  'promote',
  'make a member an admin (owner or admin token)',
  'network_id, target_node_id, role',
  ['<node>'],
  (ctx, _net, usage) => ({ target: target(ctx, usage), ...adminToken(ctx) }),
);

export const networkDemote = netCommand(
  'demote',
  'make an admin a plain member (owner or admin token)',
  'network_id, target_node_id, role',
  ['<node>'],
  (ctx, _net, usage) => ({ target: target(ctx, usage), ...adminToken(ctx) }),
);

export const networkKick = netCommand(
  'kick',
  'remove a member (owner/admin or admin token)',
  'network_id, target_node_id, role',
  ['<node>'],
  (ctx, _net, usage) => ({ target: target(ctx, usage), ...adminToken(ctx) }),
);

export const networkProvision: Command = {
  name: 'network provision',
  args: ['<blueprint.json>'],
  description: 'create or update a network from a blueprint file (needs the admin token)',
  returns: 'network_id, name, created, unmatched_roles, policies',
  flags: ADMIN_FLAG,
  run: async (ctx) => {
    const file = ctx.args[0];
    if (file === undefined)
      throw usageError('missing <blueprint.json>', 'meshctl network provision <blueprint.json>');
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
    return callDaemon(ctx, 'network.provision', { blueprint: text, ...adminToken(ctx) });
  },
};

/** Every `network …` command. */
export const NETWORK_COMMANDS: readonly Command[] = [
  networkList,
  networkCreate,
  networkJoin,
  networkLeave,
  networkMembers,
  networkInvite,
  networkInvites,
  networkAccept,
  networkDelete,
  networkRename,
  networkPromote,
  networkDemote,
  networkKick,
  networkProvision,
];
