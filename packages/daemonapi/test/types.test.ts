import { Duplex } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import {
  PolicyEvent,
  loadAll,
  registerPlugin,
  registered,
  shutdownAll,
  type Addr,
  type ConnReadWriter,
  type Connection,
  type ConnectionInfo,
  type ControlSender,
  type HandshakeService,
  type Identity,
  type PeerDirectory,
  type PolicyManager,
  type PolicyRunner,
  type RegistryClient,
  type VersionInfo,
  type WebhookManager,
  type WebhookStats,
  type Daemon,
  type DaemonApiErrorCode,
  type Event,
  type EventSubscription,
  type Factory,
  type IpcMethodHandler,
  type LoadAllOptions,
  type Listener,
  type Logger,
  type PeerDirectoryEvent,
  type Plugin,
  type PluginContext,
  type PluginPayload,
  type PluginInitTimeoutError,
  type PluginShutdownError,
  type PluginShutdownFailure,
  type PolicyEventType,
  type ShutdownAllOptions,
  type TrustCheckResult,
} from '../src/index.js';

describe('public shapes', () => {
  it('registry functions', () => {
    expectTypeOf(registerPlugin).toEqualTypeOf<(name: string, factory: Factory) => void>();
    expectTypeOf(registered).toEqualTypeOf<() => string[]>();
    expectTypeOf(loadAll).toEqualTypeOf<
      (daemon: Daemon, options?: LoadAllOptions) => Promise<Plugin[]>
    >();
    expectTypeOf(shutdownAll).toEqualTypeOf<
      (plugins: readonly Plugin[], options?: ShutdownAllOptions) => Promise<void>
    >();
    expectTypeOf<ShutdownAllOptions>().toEqualTypeOf<{
      readonly signal?: AbortSignal;
      readonly timeoutMs?: number;
    }>();
    expectTypeOf<LoadAllOptions['initTimeoutMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<LoadAllOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf<PluginInitTimeoutError['code']>().toEqualTypeOf<DaemonApiErrorCode>();
    expectTypeOf<PluginInitTimeoutError>().toHaveProperty('timeoutMs').toBeNumber();
    expectTypeOf<PluginShutdownError>().toExtend<AggregateError>();
    expectTypeOf<PluginShutdownError['errors']>().toEqualTypeOf<PluginShutdownFailure[]>();
    expectTypeOf<PluginShutdownFailure['plugin']>().toBeString();
  });

  it('a minimal plugin implements only name, init and shutdown', () => {
    const minimal = { name: 'min', init() {}, shutdown() {} };
    expectTypeOf(minimal).toExtend<Plugin>();
    const asyncPlugin = {
      name: 'a',
      init: async (_d: Daemon, _c: PluginContext) => {},
      shutdown: async (_s: AbortSignal) => {},
    };
    expectTypeOf(asyncPlugin).toExtend<Plugin>();
    expectTypeOf<Factory>().toEqualTypeOf<() => Plugin>();
    expectTypeOf<Plugin['name']>().toBeString();
    expectTypeOf<Plugin['payloadKinds']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<NonNullable<Plugin['handlePayload']>>().parameters.toEqualTypeOf<
      [number, PluginPayload]
    >();
    expectTypeOf<NonNullable<Plugin['onPeerForgotten']>>().parameters.toEqualTypeOf<[number]>();
    expectTypeOf<PluginContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<PluginContext['logger']>().toEqualTypeOf<Logger>();
    expectTypeOf<PluginContext['dataDir']>().toEqualTypeOf<string | undefined>();
  });

  it('daemon members (every contract of the Go original, plus registerMethod)', () => {
    expectTypeOf<keyof Daemon>().toEqualTypeOf<
      | 'start'
      | 'stop'
      | 'nodeId'
      | 'identity'
      | 'identityPath'
      | 'sign'
      | 'adminToken'
      | 'trustAutoApprove'
      | 'addr'
      | 'versionInfo'
      | 'dialConnection'
      | 'sendData'
      | 'sendDatagram'
      | 'onDatagram'
      | 'closeConnection'
      | 'newConnReadWriter'
      | 'ports'
      | 'tunnels'
      | 'registryClient'
      | 'regConnListNodes'
      | 'setMemberTags'
      | 'services'
      | 'publishEvent'
      | 'bus'
      | 'getTrustChecker'
      | 'registerTrustChecker'
      | 'handshakeService'
      | 'registerHandshakeService'
      | 'trustedPeers'
      | 'handshakeRevokeTrust'
      | 'handshakeSendRequest'
      | 'registerPolicyManager'
      | 'setWebhookUrl'
      | 'registerWebhookManager'
      | 'registerMethod'
    >();
    expectTypeOf<keyof Plugin>().toEqualTypeOf<
      | 'name'
      | 'version'
      | 'provides'
      | 'needs'
      | 'init'
      | 'shutdown'
      | 'payloadKinds'
      | 'handlePayload'
      | 'onPeerForgotten'
    >();
    expectTypeOf<keyof PluginContext>().toEqualTypeOf<
      'logger' | 'signal' | 'dataDir' | 'peers' | 'control' | 'secrets'
    >();
    expectTypeOf<keyof HandshakeService>().toEqualTypeOf<
      | 'isTrusted'
      | 'trustedPeers'
      | 'pendingRequests'
      | 'pendingCount'
      | 'sendRequest'
      | 'approveHandshake'
      | 'rejectHandshake'
      | 'revokeTrust'
      | 'waitForTrust'
      | 'processRelayedRequest'
      | 'processRelayedApproval'
      | 'processRelayedRejection'
      | 'stop'
    >();
    expectTypeOf<keyof PolicyRunner>().toEqualTypeOf<
      | 'networkId'
      | 'hasMember'
      | 'evaluatePortGate'
      | 'evaluateActions'
      | 'status'
      | 'peerList'
      | 'forceCycle'
      | 'reconcileNow'
      | 'policyJson'
      | 'stop'
    >();
    expectTypeOf<keyof PolicyManager>().toEqualTypeOf<
      'start' | 'stop' | 'get' | 'all' | 'stopAll' | 'loadPersisted'
    >();
    expectTypeOf<keyof WebhookManager>().toEqualTypeOf<'setUrl' | 'stats'>();
    expectTypeOf<WebhookStats>().toEqualTypeOf<{
      readonly dropped: number;
      readonly circuitSkips: number;
      readonly delivered: number;
      readonly failed: number;
    }>();
    expectTypeOf<VersionInfo>().toEqualTypeOf<{
      readonly version: string;
      readonly commit: string;
      readonly buildTime: string;
    }>();
    expectTypeOf<Identity['sign']>().toEqualTypeOf<(message: Uint8Array) => Uint8Array>();
    expectTypeOf<keyof RegistryClient>().toEqualTypeOf<
      | 'lookup'
      | 'resolveHostname'
      | 'listNodes'
      | 'reportTrust'
      | 'revokeTrust'
      | 'checkTrust'
      | 'requestHandshake'
      | 'pollHandshakes'
      | 'setMemberTags'
      | 'getMemberTags'
      | 'respondHandshake'
    >();
    expectTypeOf<ControlSender['sendRouted']>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<PeerDirectory['subscribe']>().returns.toEqualTypeOf<() => void>();
    expectTypeOf<Logger['child']>().returns.toEqualTypeOf<Logger>();
  });

  it('daemon surface', () => {
    expectTypeOf<Daemon['dialConnection']>().toEqualTypeOf<
      (dst: Addr, port: number, options?: { readonly signal?: AbortSignal }) => Promise<Connection>
    >();
    expectTypeOf<Daemon['sign']>().toEqualTypeOf<(message: Uint8Array) => Uint8Array | undefined>();
    expectTypeOf<Daemon['sendDatagram']>().toEqualTypeOf<
      (dst: Addr, port: number, data: Uint8Array) => Promise<void>
    >();
    expectTypeOf<Daemon['newConnReadWriter']>().returns.toEqualTypeOf<ConnReadWriter>();
    expectTypeOf<Daemon['registerMethod']>().toEqualTypeOf<
      (name: string, handler: IpcMethodHandler) => () => void
    >();
    expectTypeOf<Daemon['nodeId']>().returns.toBeNumber();
    expectTypeOf<Addr>().toEqualTypeOf<{ readonly network: number; readonly node: number }>();
    expectTypeOf<ConnectionInfo['remoteAddr']>().toEqualTypeOf<Addr>();
  });

  it('streams are standard types only', () => {
    expectTypeOf<Listener>().toExtend<AsyncIterable<Connection>>();
    expectTypeOf<Listener['accept']>().returns.toEqualTypeOf<Promise<Connection | undefined>>();
    expectTypeOf<ConnReadWriter>().toExtend<AsyncIterable<Uint8Array>>();
    expectTypeOf<EventSubscription>().toExtend<AsyncIterable<Event>>();
    // The engine's Duplex-based connection satisfies Connection by carrying info().
    class EngineConnection extends Duplex {
      info(): ConnectionInfo {
        const addr = { network: 0, node: 1 };
        return { localAddr: addr, localPort: 1000, remoteAddr: addr, remotePort: 7 };
      }
    }
    expectTypeOf<EngineConnection>().toExtend<Connection>();
  });

  it('policy events and unions', () => {
    expectTypeOf<PolicyEventType>().toEqualTypeOf<
      'connect' | 'dial' | 'datagram' | 'join' | 'leave' | 'cycle'
    >();
    expectTypeOf(PolicyEvent.connect).toEqualTypeOf<'connect'>();
    expectTypeOf<PeerDirectoryEvent['type']>().toEqualTypeOf<'seen' | 'forgotten'>();
    expectTypeOf<TrustCheckResult['trusted']>().toEqualTypeOf<boolean>();
  });
});
