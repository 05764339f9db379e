// network.*, member_tags.*: network membership and administration through the engine's signed
// registry client, and the managed-network policy sync: after every membership change (and at
// start) the daemon asks the registry for each network's policy (`get_expr_policy`, which
// converts managed-network rules with rulesToPolicy) and runs it in the policy plugin.
import { PolicyManagerKey } from '@mesh/daemonapi';
import type { PolicyManager, ServiceRegistry } from '@mesh/daemonapi';
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { MethodRegistry } from '@mesh/ipc';
import type { NodeEngine } from '../engine.js';
import { engineError } from '../errors.js';

type Opts = { readonly adminToken?: string };

/** The registry calls these handlers make (a structural view of @mesh/registry-client). */
export interface NetworkRegistryOps {
  readonly nodeId: number | undefined;
  lookup(nodeId: number): Promise<{ readonly networks: readonly number[] }>;
  listNetworks(options?: Opts): Promise<object[]>;
  listNodes(networkId: number, options?: Opts): Promise<object[]>;
  createNetwork(params: {
    name: string;
    adminToken: string;
    joinRule?: string;
    token?: string;
    rules?: unknown;
    nodeId?: number;
  }): Promise<{ networkId: number; name: string }>;
  joinNetwork(params: {
    networkId: number;
    token?: string;
    inviterId?: number;
    adminToken?: string;
  }): Promise<{ networkId: number; address: string }>;
  leaveNetwork(networkId: number, options?: Opts): Promise<void>;
  inviteToNetwork(networkId: number, target: number): Promise<void>;
  pollInvites(): Promise<object[]>;
  respondInvite(networkId: number, accept: boolean): Promise<string | undefined>;
  deleteNetwork(networkId: number, options?: Opts): Promise<void>;
  renameNetwork(networkId: number, name: string, options?: Opts): Promise<void>;
  changeMember(
    action: 'promote' | 'demote' | 'kick',
    networkId: number,
    target: number,
    options?: Opts,
  ): Promise<string>;
  transferOwnership(networkId: number, newOwner: number, options?: Opts): Promise<void>;
  getMemberRole(networkId: number, target: number): Promise<string>;
  setMemberTags(
    networkId: number,
    tags: readonly string[],
    options?: Opts & { readonly target?: number },
  ): Promise<string[]>;
  getMemberTags(networkId: number, target: number): Promise<string[]>;
  getAllMemberTags(networkId: number): Promise<Record<number, string[]>>;
  setExprPolicy(networkId: number, policyJson: string, options?: Opts): Promise<void>;
  getExprPolicy(networkId: number): Promise<{ policyJson: string; source: string }>;
  getAuditLog(
    adminToken: string,
    options?: { networkId?: number; limit?: number },
  ): Promise<object[]>;
  provisionNetwork(
    blueprint: Readonly<Record<string, unknown>>,
    adminToken: string,
  ): Promise<{ networkId: number; name: string; created: boolean; unmatchedRoles: string[] }>;
}

/** What these handlers need from the engine (optional parts are feature-detected). */
export interface NetworkEngine extends Pick<NodeEngine, 'rawRegistryClient'> {
  /** The service registry (the policy plugin's manager lives there). */
  services?(): ServiceRegistry;
  /** The daemon's configured admin token. */
  adminToken?(): string | undefined;
}

function registryOf(engine: NetworkEngine): NetworkRegistryOps {
  const r = engine.rawRegistryClient() as unknown as NetworkRegistryOps | undefined;
  if (!r) throw new IpcError(ErrorCode.unavailable, 'the daemon has no registry connection yet');
  return r;
}

/** Maps a registry refusal to an IPC error a person can act on. */
function registryError(err: unknown, what: string): IpcError {
  const message = err instanceof Error ? err.message : String(err);
  if (/already (exists|a member)/i.test(message))
    return new IpcError(ErrorCode.alreadyExists, `${what}: ${message}`, { cause: err });
  if (/admin_token|signature|role|not a member .*cannot|requires/i.test(message))
    return new IpcError(ErrorCode.invalidArgument, `${what}: ${message}`, {
      cause: err,
      hint: 'pass --admin-token (or set MESH_ADMIN_TOKEN), or run this from a node with the owner/admin role',
    });
  if (/invalid|must|missing|unknown|duplicate|is full/i.test(message))
    return new IpcError(ErrorCode.invalidArgument, `${what}: ${message}`, { cause: err });
  return engineError(err, what);
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw registryError(err, what);
  }
}

/** One network's outcome of a policy sync. */
export interface PolicySyncEntry {
  readonly network_id: number;
  readonly source: string;
  readonly action: 'started' | 'unchanged' | 'stopped' | 'none' | 'error';
  readonly error?: string;
}

function canonical(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return json;
  }
}

/**
 * Runs each network's registry policy in the policy plugin and stops runners of networks this
 * node left. Without a policy plugin it does nothing.
 * @param engine - the engine
 * @returns what happened per network
 */
export async function syncNetworkPolicies(engine: NetworkEngine): Promise<PolicySyncEntry[]> {
  const manager: PolicyManager | undefined = engine.services?.().get(PolicyManagerKey);
  const registry = engine.rawRegistryClient() as unknown as NetworkRegistryOps | undefined;
  if (!manager || !registry || registry.nodeId === undefined) return [];
  const { networks } = await registry.lookup(registry.nodeId);
  const out: PolicySyncEntry[] = [];
  for (const net of networks) {
    if (net === 0) continue;
    try {
      const { policyJson, source } = await registry.getExprPolicy(net);
      const running = manager.get(net);
      if (policyJson === '') {
        out.push({ network_id: net, source, action: 'none' });
      } else if (running && canonical(running.policyJson()) === canonical(policyJson)) {
        out.push({ network_id: net, source, action: 'unchanged' });
      } else {
        await manager.start(net, policyJson);
        out.push({ network_id: net, source, action: 'started' });
      }
    } catch (err) {
      out.push({ network_id: net, source: '', action: 'error', error: (err as Error).message });
    }
  }
  for (const runner of manager.all()) {
    if (networks.includes(runner.networkId)) continue;
    await manager.stop(runner.networkId);
    out.push({ network_id: runner.networkId, source: '', action: 'stopped' });
  }
  return out;
}

/**
 * Registers `network.*` and `member_tags.*`.
 * @param registry - the IPC method table.
 * @param engine - the registry client, the service registry and the admin token.
 * @returns a function that unregisters them.
 */
export function registerNetworkHandlers(
  registry: MethodRegistry,
  engine: NetworkEngine,
): () => void {
  const net = (r: ParamReader): number => r.int('network_id', { min: 1, max: 0xffff });
  const node = (r: ParamReader, name = 'node_id'): number =>
    r.int(name, { min: 1, max: 0xffffffff });
  const token = (r: ParamReader): string | undefined =>
    r.optionalString('admin_token') ?? engine.adminToken?.();
  const opts = (r: ParamReader): Opts => {
    const t = token(r);
    return t === undefined || t === '' ? {} : { adminToken: t };
  };
  const sync = async (): Promise<PolicySyncEntry[]> =>
    syncNetworkPolicies(engine).catch(() => [] as PolicySyncEntry[]);
  const handle = (name: string, fn: (r: ParamReader) => Promise<unknown>) =>
    registry.register(name, (params) => fn(new ParamReader(params, name)));

  const offs = [
    handle('network.list', async (r) => ({
      networks: await call('list networks', () => registryOf(engine).listNetworks(opts(r))),
    })),
    handle('network.create', async (r) => {
      const name = r.string('name', { nonEmpty: true, maxLength: 63 });
      const joinRule = r.optionalString('join_rule');
      const joinToken = r.optionalString('token');
      const rules = r.optionalString('rules');
      const t = token(r);
      if (t === undefined || t === '')
        throw new IpcError(
          ErrorCode.invalidArgument,
          'network.create needs the registry admin token',
          {
            hint: 'pass --admin-token <token> or start meshd with --admin-token',
          },
        );
      const reg = registryOf(engine);
      const created = await call(`create network ${name}`, () =>
        reg.createNetwork({
          name,
          adminToken: t,
          ...(joinRule === undefined ? {} : { joinRule }),
          ...(joinToken === undefined ? {} : { token: joinToken }),
          ...(rules === undefined ? {} : { rules }),
          ...(reg.nodeId === undefined ? {} : { nodeId: reg.nodeId }),
        }),
      );
      return { network_id: created.networkId, name: created.name, policies: await sync() };
    }),
    handle('network.join', async (r) => {
      const id = net(r);
      const joinToken = r.optionalString('token');
      const inviter = r.optionalInt('inviter_id', { min: 1, max: 0xffffffff });
      const o = opts(r);
      const joined = await call(`join network ${id}`, () =>
        registryOf(engine).joinNetwork({
          networkId: id,
          ...(joinToken === undefined ? {} : { token: joinToken }),
          ...(inviter === undefined ? {} : { inviterId: inviter }),
          ...o,
        }),
      );
      return { network_id: joined.networkId, address: joined.address, policies: await sync() };
    }),
    handle('network.leave', async (r) => {
      const id = net(r);
      await call(`leave network ${id}`, () => registryOf(engine).leaveNetwork(id, opts(r)));
      return { network_id: id, left: true, policies: await sync() };
    }),
    handle('network.members', async (r) => {
      const id = net(r);
      return {
        network_id: id,
        members: await call(`members of network ${id}`, () =>
          registryOf(engine).listNodes(id, opts(r)),
        ),
      };
    }),
    handle('network.invite', async (r) => {
      const id = net(r);
      const target = node(r, 'target');
      await call(`invite ${target} to network ${id}`, () =>
        registryOf(engine).inviteToNetwork(id, target),
      );
      return { network_id: id, target_node_id: target, invited: true };
    }),
    handle('network.invites', async () => ({
      invites: await call('poll invites', () => registryOf(engine).pollInvites()),
    })),
    handle('network.accept', async (r) => {
      const id = net(r);
      const accept = r.optionalString('decision') !== 'reject';
      const address = await call(`answer invitation to network ${id}`, () =>
        registryOf(engine).respondInvite(id, accept),
      );
      return {
        network_id: id,
        accepted: accept,
        ...(address ? { address } : {}),
        policies: await sync(),
      };
    }),
    handle('network.delete', async (r) => {
      const id = net(r);
      await call(`delete network ${id}`, () => registryOf(engine).deleteNetwork(id, opts(r)));
      return { network_id: id, deleted: true, policies: await sync() };
    }),
    handle('network.rename', async (r) => {
      const id = net(r);
      const name = r.string('name', { nonEmpty: true, maxLength: 63 });
      await call(`rename network ${id}`, () => registryOf(engine).renameNetwork(id, name, opts(r)));
      return { network_id: id, name };
    }),
    ...(['promote', 'demote', 'kick'] as const).map((action) =>
      handle(`network.${action}`, async (r) => {
        const id = net(r);
        const target = node(r, 'target');
        const role = await call(`${action} ${target} in network ${id}`, () =>
          registryOf(engine).changeMember(action, id, target, opts(r)),
        );
        return { network_id: id, target_node_id: target, role };
      }),
    ),
    handle('network.transfer', async (r) => {
      const id = net(r);
      const target = node(r, 'target');
      await call(`transfer network ${id}`, () =>
        registryOf(engine).transferOwnership(id, target, opts(r)),
      );
      return { network_id: id, owner: target };
    }),
    handle('network.role', async (r) => {
      const id = net(r);
      const target = node(r, 'target');
      return {
        network_id: id,
        node_id: target,
        role: await call(`role in network ${id}`, () =>
          registryOf(engine).getMemberRole(id, target),
        ),
      };
    }),
    handle('network.provision', async (r) => {
      const raw = r.string('blueprint', { nonEmpty: true });
      let blueprint: unknown;
      try {
        blueprint = JSON.parse(raw);
      } catch (err) {
        throw new IpcError(
          ErrorCode.invalidArgument,
          `blueprint is not valid JSON: ${(err as Error).message}`,
        );
      }
      if (blueprint === null || typeof blueprint !== 'object' || Array.isArray(blueprint))
        throw new IpcError(ErrorCode.invalidArgument, 'blueprint must be a JSON object');
      const t = token(r);
      if (t === undefined || t === '')
        throw new IpcError(
          ErrorCode.invalidArgument,
          'network.provision needs the registry admin token',
          {
            hint: 'pass --admin-token <token> or start meshd with --admin-token',
          },
        );
      const res = await call('provision network', () =>
        registryOf(engine).provisionNetwork(blueprint as Record<string, unknown>, t),
      );
      return {
        network_id: res.networkId,
        name: res.name,
        created: res.created,
        unmatched_roles: res.unmatchedRoles,
        policies: await sync(),
      };
    }),
    handle('network.audit', async (r) => {
      const t = token(r);
      if (t === undefined || t === '')
        throw new IpcError(
          ErrorCode.invalidArgument,
          'network.audit needs the registry admin token',
        );
      const id = r.optionalInt('network_id', { min: 1, max: 0xffff });
      const limit = r.optionalInt('limit', { min: 1, max: 1000 });
      return {
        entries: await call('audit log', () =>
          registryOf(engine).getAuditLog(t, {
            ...(id === undefined ? {} : { networkId: id }),
            ...(limit === undefined ? {} : { limit }),
          }),
        ),
      };
    }),
    handle('network.policy_push', async (r) => {
      const id = net(r);
      const policy = r.string('policy');
      await call(`set policy of network ${id}`, () =>
        registryOf(engine).setExprPolicy(id, policy, opts(r)),
      );
      return { network_id: id, policies: await sync() };
    }),
    handle('network.policy_fetch', async (r) => {
      const id = net(r);
      const p = await call(`policy of network ${id}`, () => registryOf(engine).getExprPolicy(id));
      return {
        network_id: id,
        source: p.source,
        policy: p.policyJson === '' ? null : (JSON.parse(p.policyJson) as unknown),
      };
    }),
    handle('network.policy_sync', async () => ({
      policies: await call('sync policies', () => syncNetworkPolicies(engine)),
    })),
    handle('member_tags.get', async (r) => {
      const id = net(r);
      const target = r.optionalInt('node_id', { min: 1, max: 0xffffffff });
      const reg = registryOf(engine);
      if (target === undefined)
        return {
          network_id: id,
          members: await call('member tags', () => reg.getAllMemberTags(id)),
        };
      return {
        network_id: id,
        node_id: target,
        tags: await call('member tags', () => reg.getMemberTags(id, target)),
      };
    }),
    handle('member_tags.set', async (r) => {
      const id = net(r);
      const tags = r.stringArray('tags');
      const target = r.optionalInt('node_id', { min: 1, max: 0xffffffff });
      const o = opts(r);
      const set = await call(`set member tags in network ${id}`, () =>
        registryOf(engine).setMemberTags(id, tags, {
          ...o,
          ...(target === undefined ? {} : { target }),
        }),
      );
      return { network_id: id, ...(target === undefined ? {} : { node_id: target }), tags: set };
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
