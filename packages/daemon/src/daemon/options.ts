import type { Identity } from '../identity/identity.js';
import type { Logger } from '@mesh/daemonapi';
import type { StreamTuning, TransportLimits } from '../transport/index.js';

/** Which path relayed frames take to the beacon. */
export type RelayTransport = 'udp' | 'ws' | 'auto';

/** Byte caps on the data-exchange folders; data past a cap is refused with an `ERR` reply. */
export interface FolderLimits {
  /** Cap on `<stateDir>/received` (partial transfers count). 0: none. */
  readonly receivedMaxBytes?: number;
  /** Cap on `<stateDir>/inbox`. 0: none. */
  readonly inboxMaxBytes?: number;
}

/** Built-in services to run. */
export interface BuiltinServices {
  /** Echo on port 7. @default true */
  readonly echo?: boolean;
  /** Data exchange on port 1001 (saves under `<stateDir>/received` and `<stateDir>/inbox`). @default true */
  readonly dataExchange?: boolean;
  /** Event stream pub/sub on port 1002. @default true */
  readonly eventStream?: boolean;
}

/** Options of {@link Daemon}. Only `registry` is required. */
export interface DaemonOptions {
  /** Registry address `host:port`, or several separated by commas (instances sharing one store; the client fails over). */
  readonly registry: string;
  /** Talk TLS to the registry: system roots, or a pinned SHA-256 of its certificate. */
  readonly registryTls?: { readonly fingerprint?: string };
  /**
   * Registry wire mode.
   * @default 'binary'
   */
  readonly registryMode?: 'binary' | 'json';
  /** Beacon address `host:port` (discovery, punch, relay). */
  readonly beacon?: string;
  /** WebSocket URL of the beacon relay, used with `transport: 'ws' | 'auto'`. */
  readonly beaconWs?: string;
  /**
   * Relay path: UDP to the beacon, WebSocket, or WebSocket only after UDP relay failed.
   * @default 'udp'
   */
  readonly transport?: RelayTransport;
  /**
   * UDP tunnel bind address `host:port`.
   * @default '0.0.0.0:0'
   */
  readonly listen?: string;
  /**
   * How long to wait for the beacon's DiscoverReply at start, ms.
   * @default 2000
   */
  readonly discoveryTimeoutMs?: number;
  /** Fixed public endpoint `host:port`; skips beacon discovery. */
  readonly endpoint?: string;
  /** Identity file; created (0600 in a 0700 directory) when missing. */
  readonly identityPath?: string;
  /** An in-memory identity (tests); ignored when `identityPath` is set. */
  readonly identity?: Identity;
  /** State directory (received files, inbox, plugin data). @default the identity file's directory */
  readonly stateDir?: string;
  /** Byte caps on `received/` and `inbox/` (0 or absent: none). */
  readonly folderLimits?: FolderLimits;
  /**
   * Encrypt tunnel frames.
   * @default true
   */
  readonly encrypt?: boolean;
  /**
   * Plaintext compatibility mode: plaintext copies while a key exchange is pending and `PILT`
   * accepted from anyone. Insecure.
   * @default false
   */
  readonly allowPlaintext?: boolean;
  /** Make the endpoint resolvable by anyone (and skip the trust gate). @default false */
  readonly public?: boolean;
  /** Hostname to register. */
  readonly hostname?: string;
  /** Owner string (key recovery). */
  readonly owner?: string;
  /**
   * Heartbeat interval, ms.
   * @default 60000
   */
  readonly keepaliveMs?: number;
  /**
   * Consecutive heartbeat failures before re-registering.
   * @default 3
   */
  readonly reregisterAfterFailures?: number;
  /** Built-in services. */
  readonly services?: BuiltinServices;
  /** Plugin modules to `import()` before `loadAll` (config-named plugins). */
  readonly plugins?: readonly string[];
  /**
   * Load registered plugins at start.
   * @default true
   */
  readonly loadPlugins?: boolean;
  /**
   * Deadline for plugin shutdown at stop, ms.
   * @default 5000
   */
  readonly pluginShutdownTimeoutMs?: number;
  /**
   * Deadline for each plugin's `init` at start, ms; a plugin that has not settled by then fails
   * the start with a `PluginLoadError` whose cause chain holds a `PluginInitTimeoutError`.
   * @default 30000
   */
  readonly pluginInitTimeoutMs?: number;
  /**
   * Deadline for one plugin hook call (`handlePayload`, `onPeerForgotten`), ms: a hung hook is
   * abandoned (logged, `plugin.hook_timeout` published) so it cannot hang the engine.
   * @default 5000
   */
  readonly pluginHookTimeoutMs?: number;
  /**
   * Inbound-silence watchdog (the reference's `-no-rx-watchdog` is `rxWatchdog: false`): with
   * streams open and nothing received for `silenceMs`, `tunnel.rx_silence` is published and the
   * beacon re-announced; after `wedgedMs`, `tunnel.rx_wedged_exit` (a supervisor may restart);
   * the next packet publishes `tunnel.rx_recovered`.
   * @default { silenceMs: 90000, wedgedMs: 300000 }
   */
  readonly rxWatchdog?: false | { readonly silenceMs?: number; readonly wedgedMs?: number };
  /** Admin token for privileged registry calls. */
  readonly adminToken?: string;
  /** Approve every trust request (passed to the handshake plugin). @default false */
  readonly trustAutoApprove?: boolean;
  /** Logger. */
  readonly logger?: Logger;
  /** Tunnel tunables (key-exchange retry schedule, queue bounds). */
  readonly tunnel?: {
    /** First key-exchange retransmission delay, ms. @default 1000 */
    readonly keyExchangeRetryMs?: number;
    /** Direct key-exchange attempts before the relay. @default 3 */
    readonly directAttempts?: number;
    /** Frames queued per peer while its key exchange is pending. @default 64 */
    readonly maxQueuedFrames?: number;
    /**
     * Path MTU probing of direct paths (streams start at `streams.segmentSize`): the largest
     * segment size probed (the base size turns probing off) and the probe timeout, ms.
     * @default { maxSegmentSize: 16384, probeTimeoutMs: 500 }
     */
    readonly pathMtu?: { readonly maxSegmentSize?: number; readonly probeTimeoutMs?: number };
  };
  /** Stream tunables (tests shrink delays); unset fields take the reference defaults. */
  readonly streams?: Partial<StreamTuning>;
  /** Admission limits; unset fields take the reference defaults. */
  readonly limits?: Partial<TransportLimits>;
  /** Registry request timeout, ms. @default 10000 */
  readonly registryTimeoutMs?: number;
}
