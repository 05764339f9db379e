// Every meshd setting once: its flag, config-file key, type, environment variable and help line.

/**
 * How a setting's value is written. `list` is repeatable and comma-separated; `entries` is
 * repeatable but keeps commas (each value carries its own comma-separated fields); `addresses`
 * is a comma-separated string that the flag may also repeat.
 */
export type OptionType =
  'string' | 'addresses' | 'boolean' | 'list' | 'entries' | 'duration' | 'bytes' | 'count';

/** One setting. */
export interface OptionSpec {
  /** camelCase key (the config file also takes its hyphen and underscore spellings). */
  readonly key: keyof MeshdFlags;
  /** Value kind. */
  readonly type: OptionType;
  /** Placeholder in the usage text. */
  readonly value?: string;
  /** Environment variable that sets it, between the file and the flags. */
  readonly env?: string;
  /** One help line. */
  readonly description: string;
}

/** Settings as given on the command line or in a config file (absent ones are undefined). */
export interface MeshdFlags {
  readonly config?: string;
  readonly registry?: string;
  readonly registryMode?: string;
  readonly registryTls?: boolean;
  readonly registryFingerprint?: string;
  readonly beacon?: string;
  readonly beaconWs?: string;
  readonly transport?: string;
  readonly listen?: string;
  readonly endpoint?: string;
  readonly socket?: string;
  readonly identity?: string;
  readonly hostname?: string;
  readonly public?: boolean;
  readonly owner?: string;
  readonly webhook?: string;
  readonly adminToken?: string;
  readonly trustAutoApprove?: boolean;
  readonly services?: readonly string[];
  readonly plugins?: readonly string[];
  readonly pluginExec?: readonly string[];
  readonly dialTimeout?: string | number;
  readonly registryTimeout?: string | number;
  readonly discoveryTimeout?: string | number;
  readonly keepalive?: string | number;
  readonly pluginInitTimeout?: string | number;
  readonly pluginShutdownTimeout?: string | number;
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly logFile?: string;
  readonly logMaxBytes?: string | number;
  readonly receivedMaxBytes?: string | number;
  readonly inboxMaxBytes?: string | number;
  readonly logKeep?: string | number;
  readonly help?: boolean;
  readonly version?: boolean;
}

/** The built-in services `--services` can name. */
export const BUILTIN_SERVICES = ['echo', 'data-exchange', 'event-stream'] as const;

/** Every setting, in the order the usage lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'config',
    type: 'string',
    value: 'file',
    description: 'JSON config file (default $MESH_HOME/meshd.json when present)',
  },
  {
    key: 'registry',
    type: 'addresses',
    value: 'host:port',
    env: 'MESH_REGISTRY',
    description:
      'rendezvous registry (default 127.0.0.1:9000); separate several with commas (failover)',
  },
  {
    key: 'registryTls',
    type: 'boolean',
    description: 'talk TLS to the registry (system roots unless a fingerprint is pinned)',
  },
  {
    key: 'registryFingerprint',
    type: 'string',
    value: 'sha256',
    description: "pin the registry certificate's SHA-256 in hex (implies --registry-tls)",
  },
  {
    key: 'registryMode',
    type: 'string',
    value: 'mode',
    description: 'registry wire mode: binary | json (default binary)',
  },
  {
    key: 'beacon',
    type: 'string',
    value: 'host:port',
    env: 'MESH_BEACON',
    description: 'beacon for discovery, punch and relay',
  },
  {
    key: 'beaconWs',
    type: 'string',
    value: 'url',
    env: 'MESH_BEACON_WS',
    description: "beacon's WebSocket relay URL (for --transport ws|auto)",
  },
  {
    key: 'transport',
    type: 'string',
    value: 'kind',
    description: 'relay path: udp | ws | auto (ws after UDP relay failed) (default udp)',
  },
  {
    key: 'listen',
    type: 'string',
    value: 'host:port',
    description: 'UDP tunnel bind address (default 0.0.0.0:0)',
  },
  {
    key: 'endpoint',
    type: 'string',
    value: 'host:port',
    description: 'fixed public endpoint; skips beacon discovery',
  },
  {
    key: 'socket',
    type: 'string',
    value: 'path',
    env: 'MESH_SOCKET',
    description: 'IPC socket (default $MESH_HOME/mesh.sock)',
  },
  {
    key: 'identity',
    type: 'string',
    value: 'file',
    description: 'identity file (default $MESH_HOME/identity.json)',
  },
  { key: 'hostname', type: 'string', value: 'name', description: 'hostname to register' },
  { key: 'public', type: 'boolean', description: 'make this node resolvable by anyone' },
  {
    key: 'owner',
    type: 'string',
    value: 'text',
    description: 'owner string registered with the node (key recovery)',
  },
  {
    key: 'webhook',
    type: 'string',
    value: 'url',
    description: 'webhook URL for events (needs a webhook plugin)',
  },
  {
    key: 'adminToken',
    type: 'string',
    value: 'token',
    env: 'MESH_ADMIN_TOKEN',
    description: 'admin token for privileged registry calls',
  },
  {
    key: 'trustAutoApprove',
    type: 'boolean',
    description: 'approve every trust request (handed to the handshake plugin)',
  },
  {
    key: 'services',
    type: 'list',
    value: 'a,b',
    description: `built-in services to run: ${BUILTIN_SERVICES.join(', ')} or none (default all)`,
  },
  {
    key: 'plugins',
    type: 'list',
    value: 'a,b',
    description:
      'extra plugin modules to import at start (package name or .js/.mjs path; repeatable)',
  },
  {
    key: 'pluginExec',
    type: 'entries',
    value: 'name=/path[,sha256=<hex>][,mtls=off]',
    description: 'an out-of-process plugin executable (repeatable; config key: an array)',
  },
  {
    key: 'dialTimeout',
    type: 'duration',
    value: 'time',
    description: "default dial deadline when a client gives none (default the engine's)",
  },
  {
    key: 'registryTimeout',
    type: 'duration',
    value: 'time',
    description: 'registry request timeout (default 10s)',
  },
  {
    key: 'discoveryTimeout',
    type: 'duration',
    value: 'time',
    description: "wait for the beacon's discovery reply at start (default 2s)",
  },
  {
    key: 'keepalive',
    type: 'duration',
    value: 'time',
    description: 'registry heartbeat interval (default 60s)',
  },
  {
    key: 'pluginInitTimeout',
    type: 'duration',
    value: 'time',
    description: "deadline for each plugin's init (default 30s)",
  },
  {
    key: 'pluginShutdownTimeout',
    type: 'duration',
    value: 'time',
    description: 'deadline for plugin shutdown at stop (default 5s)',
  },
  {
    key: 'logLevel',
    type: 'string',
    value: 'level',
    description: 'debug | info | warn | error (default info)',
  },
  { key: 'logFormat', type: 'string', value: 'format', description: 'text | json (default text)' },
  {
    key: 'logFile',
    type: 'string',
    value: 'file',
    description: 'write the log to this file (rotated) instead of stderr',
  },
  {
    key: 'logMaxBytes',
    type: 'bytes',
    value: 'size',
    description: 'rotate the log file at this size (default 10MiB; 0 never)',
  },
  {
    key: 'receivedMaxBytes',
    type: 'bytes',
    value: 'size',
    description:
      'cap on received/ (files, partial transfers included); further files are refused (default 0: no cap)',
  },
  {
    key: 'inboxMaxBytes',
    type: 'bytes',
    value: 'size',
    description: 'cap on inbox/ (messages); further messages are refused (default 0: no cap)',
  },
  {
    key: 'logKeep',
    type: 'count',
    value: 'n',
    description: 'rotated log files to keep (default 3)',
  },
];

/**
 * @param key - a camelCase key.
 * @returns its flag name, e.g. `log-level`.
 */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
