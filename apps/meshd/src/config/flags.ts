// meshd's command line (node:util parseArgs): every flag is also a config-file key.
import { parseArgs } from 'node:util';

/** Flags exactly as given on the command line (absent ones are undefined, so config files can fill them). */
export interface MeshdFlags {
  readonly config?: string;
  readonly registry?: string;
  readonly registryTls?: boolean;
  readonly registryFingerprint?: string;
  readonly beacon?: string;
  readonly listen?: string;
  readonly socket?: string;
  readonly identity?: string;
  readonly hostname?: string;
  readonly public?: boolean;
  readonly webhook?: string;
  readonly plugins?: readonly string[];
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly help?: boolean;
  readonly version?: boolean;
}

/** A command-line mistake; meshd prints it with the usage and exits 2. */
export class UsageError extends Error {
  /** Stable code. */
  readonly code = 'invalid_argument';
  /** @param message - what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The usage text. */
export const USAGE = `usage: meshd [flags]

  --config <file>       JSON config file (keys as below, hyphen or underscore form; flags win)
  --registry <host:port> rendezvous registry (env MESH_REGISTRY); repeat it or separate
                         with commas for several instances sharing one store (failover)
  --registry-tls        talk TLS to the registry (system roots unless a fingerprint is pinned)
  --registry-fingerprint <sha256>  pin the registry certificate's SHA-256 (implies TLS)
  --beacon <host:port>  beacon for discovery, punch and relay (env MESH_BEACON)
  --listen <host:port>  UDP tunnel bind address (default 0.0.0.0:0)
  --socket <path>       IPC socket (env MESH_SOCKET, default $MESH_HOME/mesh.sock)
  --identity <file>     identity file (default $MESH_HOME/identity.json)
  --hostname <name>     hostname to register
  --public              make this node resolvable by anyone
  --webhook <url>       webhook URL for events
  --plugins <a,b>       extra plugin modules to import at start (repeatable or comma-separated)
  --log-level <lvl>     debug | info | warn | error (default info)
  --log-format <fmt>    text | json (default text)
  --version             print the version
  -h, --help            this help

State lives under MESH_HOME (default ~/.mesh). SIGHUP reloads --config; SIGTERM/SIGINT stop.`;

/**
 * Parses meshd's arguments.
 * @param argv - arguments after the program name.
 * @returns the flags that were given.
 * @throws UsageError on an unknown flag, a missing value or a positional argument.
 */
export function parseMeshdArgs(argv: readonly string[]): MeshdFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        registry: { type: 'string', multiple: true },
        'registry-tls': { type: 'boolean' },
        'registry-fingerprint': { type: 'string' },
        beacon: { type: 'string' },
        listen: { type: 'string' },
        socket: { type: 'string' },
        identity: { type: 'string' },
        hostname: { type: 'string' },
        public: { type: 'boolean' },
        webhook: { type: 'string' },
        plugins: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const flags: Record<string, unknown> = {};
  for (const key of [
    'config',
    'beacon',
    'listen',
    'socket',
    'identity',
    'hostname',
    'webhook',
  ] as const) {
    if (v[key] !== undefined) flags[key] = v[key];
  }
  if (v.public !== undefined) flags['public'] = v.public;
  if (v.registry !== undefined) flags['registry'] = v.registry.join(',');
  if (v['registry-tls'] !== undefined) flags['registryTls'] = v['registry-tls'];
  if (v['registry-fingerprint'] !== undefined)
    flags['registryFingerprint'] = v['registry-fingerprint'];
  if (v.plugins !== undefined)
    flags['plugins'] = v.plugins
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter((p) => p !== '');
  if (v['log-level'] !== undefined) flags['logLevel'] = v['log-level'];
  if (v['log-format'] !== undefined) flags['logFormat'] = v['log-format'];
  if (v.help !== undefined) flags['help'] = v.help;
  if (v.version !== undefined) flags['version'] = v.version;
  return flags;
}
