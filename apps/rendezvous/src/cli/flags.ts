// Every mesh-rendezvous flag in one table: the parser, the config file and --help all read it.

/** Settings the process runs with, after flags, environment, config file and defaults merge. */
export interface RendezvousConfig {
  /** Registry TCP listen address, `host:port`. */
  readonly registryAddr: string;
  /** Beacon UDP listen address, `host:port`; empty disables the beacon. */
  readonly beaconAddr: string;
  /** Beacon WebSocket relay listen address, `host:port`; empty disables it. */
  readonly wsAddr: string;
  /**
   * Registry store: SQLite file path, `postgres://…` URL (a database several instances can
   * share), or `:memory:` for a store that is not persisted.
   */
  readonly store: string;
  /**
   * Start on a registry store that lost acknowledged data (the registry otherwise refuses with
   * `STORE_DAMAGED`); node ids handed out before are never reused.
   */
  readonly acceptDataLoss: boolean;
  /** Serve TLS on the registry port (a generated self-signed certificate unless files are given). */
  readonly tls: boolean;
  /** PEM certificate file for TLS (implies `tls`). */
  readonly tlsCert: string;
  /** PEM private key file for TLS (implies `tls`). */
  readonly tlsKey: string;
  /** Comma-separated peer beacons (`host:port`) to gossip with, besides the registry's list. */
  readonly beaconPeers: string;
  /** Registry nodes silent for longer than this duration (`90s`, `30m`, `1h`) are reaped. */
  readonly staleAfter: string;
  /** Admin token; empty disables admin requests. */
  readonly adminToken: string;
  /** Prometheus metrics HTTP address (keep it on localhost); empty disables it. */
  readonly metricsAddr: string;
  /** Beacon id (1–4294967295) announced to the registry; empty: random on every start. */
  readonly beaconId: string;
  /** Address the beacon announces to the registry; empty: its bound address. */
  readonly beaconAdvertise: string;
  /** Answer 5-byte Discover / 9-byte PunchRequest (reference clients) despite amplification. */
  readonly beaconShortReplies: boolean;
  /** Bind node ids at the beacon only on a signed proof (reference clients cannot register). */
  readonly beaconRequireProof: boolean;
  /** Minimum log level. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Log line format (logs go to stderr). */
  readonly logFormat: 'text' | 'json';
}

/** One flag. */
export interface FlagSpec {
  /** Long flag name without dashes, also the config file key. */
  readonly name: string;
  /** Field of {@link RendezvousConfig} it sets (absent for --config / --help). */
  readonly key?: keyof RendezvousConfig;
  /** `string` takes a value; `boolean` does not. */
  readonly type: 'string' | 'boolean';
  /** Single-letter alias. */
  readonly short?: string;
  /** Environment variable consulted when the flag is absent. */
  readonly env?: string;
  /** Allowed values. */
  readonly choices?: readonly string[];
  /** Placeholder in --help. */
  readonly value?: string;
  /** One line for --help. */
  readonly description: string;
}

/** Defaults of every setting. */
export const DEFAULTS: RendezvousConfig = Object.freeze({
  registryAddr: ':9000',
  beaconAddr: ':9001',
  wsAddr: ':9002',
  store: 'rendezvous.db',
  acceptDataLoss: false,
  tls: false,
  tlsCert: '',
  tlsKey: '',
  beaconPeers: '',
  staleAfter: '30m',
  adminToken: '',
  metricsAddr: '',
  beaconAdvertise: '',
  beaconShortReplies: false,
  beaconRequireProof: false,
  beaconId: '',
  logLevel: 'info',
  logFormat: 'text',
});

/** The flags, in --help order. */
export const FLAGS: readonly FlagSpec[] = Object.freeze([
  {
    name: 'registry-addr',
    key: 'registryAddr',
    type: 'string',
    value: 'host:port',
    description: 'registry TCP listen address (JSON and binary protocol on one port)',
  },
  {
    name: 'beacon-addr',
    key: 'beaconAddr',
    type: 'string',
    value: 'host:port',
    description: 'beacon UDP listen address; "" disables the beacon',
  },
  {
    name: 'ws-addr',
    key: 'wsAddr',
    type: 'string',
    value: 'host:port',
    description: 'beacon WebSocket relay listen address (path /v1/compat); "" disables it',
  },
  {
    name: 'beacon-advertise',
    key: 'beaconAdvertise',
    type: 'string',
    value: 'host:port',
    description: 'address the beacon announces to the registry; "" means its bound address',
  },
  {
    name: 'beacon-short-replies',
    key: 'beaconShortReplies',
    type: 'boolean',
    description:
      'answer short Discover/PunchRequest datagrams as the reference beacon does (reference clients need it; amplifies up to 4.4x)',
  },
  {
    name: 'beacon-require-proof',
    key: 'beaconRequireProof',
    type: 'boolean',
    description:
      'bind node ids at the beacon only on a signed registration proof (mesh nodes); reference and WebSocket clients cannot receive relays',
  },
  {
    name: 'beacon-id',
    key: 'beaconId',
    type: 'string',
    value: 'id',
    description: 'beacon id announced to the registry (1-4294967295); "" picks a random one',
  },
  {
    name: 'beacon-peers',
    key: 'beaconPeers',
    type: 'string',
    value: 'host:port,…',
    description: 'peer beacons to gossip with (Sync), besides those the registry lists',
  },
  {
    name: 'store',
    key: 'store',
    type: 'string',
    value: 'path|url',
    description:
      'registry store: SQLite file, or postgres://… shared by several instances; ":memory:" keeps state in memory only',
  },
  {
    name: 'accept-data-loss',
    key: 'acceptDataLoss',
    type: 'boolean',
    description:
      'start even if the registry store lost acknowledged data (refused otherwise with STORE_DAMAGED); ids are never reused',
  },
  {
    name: 'tls',
    key: 'tls',
    type: 'boolean',
    description:
      'serve TLS on the registry port; without --tls-cert/--tls-key a self-signed certificate is generated and its SHA-256 printed',
  },
  {
    name: 'tls-cert',
    key: 'tlsCert',
    type: 'string',
    value: 'file',
    description: 'PEM certificate for the registry TLS listener (implies --tls)',
  },
  {
    name: 'tls-key',
    key: 'tlsKey',
    type: 'string',
    value: 'file',
    description: 'PEM private key for the registry TLS listener (implies --tls)',
  },
  {
    name: 'stale-after',
    key: 'staleAfter',
    type: 'string',
    value: 'duration',
    description: 'reap registry nodes silent for longer than this (e.g. 90s, 30m, 1h)',
  },
  {
    name: 'admin-token',
    key: 'adminToken',
    type: 'string',
    env: 'MESH_ADMIN_TOKEN',
    value: 'token',
    description: 'admin token; "" disables admin requests, beacon registration included',
  },
  {
    name: 'metrics-addr',
    key: 'metricsAddr',
    type: 'string',
    value: 'host:port',
    description: 'Prometheus /metrics HTTP address (bind it to localhost); "" disables it',
  },
  {
    name: 'log-level',
    key: 'logLevel',
    type: 'string',
    choices: ['debug', 'info', 'warn', 'error'],
    value: 'level',
    description: 'minimum log level',
  },
  {
    name: 'log-format',
    key: 'logFormat',
    type: 'string',
    choices: ['text', 'json'],
    value: 'format',
    description: 'log format (logs go to stderr; stdout carries only the ready line)',
  },
  {
    name: 'config',
    type: 'string',
    value: 'file',
    description:
      'JSON config file; keys are flag names (hyphen, underscore or camelCase); flags win',
  },
  { name: 'help', type: 'boolean', short: 'h', description: 'print this help and exit' },
] satisfies FlagSpec[]);
