import {
  HandshakeServiceKey,
  PolicyManagerKey,
  TrustCheckerKey,
  type ServiceRegistry,
} from '@mesh/daemonapi';
import { Flags, Proto, type Packet } from '@mesh/protocol';
import type { PacketOrigin } from '../tunnel/tunnel.js';
import type { RegistrySession } from './registry-session.js';

/** Why the {@link AdmissionGate} refused traffic. */
export type AdmissionReason =
  /** The packet claimed a source other than the authenticated tunnel peer. */
  | 'spoof'
  /** A private node, and the peer is neither trusted nor in a shared network. */
  | 'trust'
  /** A running network policy denied the port event. */
  | 'policy';

/** The gate's answer: allowed, or refused with a reason. */
export type AdmissionDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: AdmissionReason };

/** The port events the policy gate judges. */
export type PortEvent = 'connect' | 'dial' | 'datagram';

/** What the gate reads (it owns no state of its own). */
export interface AdmissionGateOptions {
  /** The typed service registry: handshake service, trust checker, policy manager. */
  readonly services: ServiceRegistry;
  /** The registry session (visibility, own networks and tags, peers' networks and tags). */
  readonly session: () => RegistrySession | undefined;
}

const ALLOWED: AdmissionDecision = Object.freeze({ allowed: true });

/**
 * The one place that answers "may this peer open a stream to, or send a datagram to, this port"
 * (libp2p's connection gater is the model), in order: spoof (the tunnel pinned the source to the
 * authenticated peer), trust (§E.1 [N]: a public node admits everyone; a private node admits a
 * peer the handshake service or trust checker trusts, or one sharing a non-backbone network), and
 * policy (every running policy whose network holds the peer must allow the event; §E.3).
 * Visibility is read from the {@link RegistrySession}, so a runtime `set-private` applies at once.
 */
export class AdmissionGate {
  readonly #opts: AdmissionGateOptions;

  /**
   * @param options the service registry and the registry session
   */
  constructor(options: AdmissionGateOptions) {
    this.#opts = options;
  }

  /**
   * Judges an inbound packet: SYNs and datagrams are gated, other stream segments belong to a
   * connection that was admitted already (only the spoof check applies).
   * @param packet the decoded packet
   * @param origin the authenticated peer and whether the packet claimed another node
   * @returns the decision
   */
  inbound(packet: Packet, origin: PacketOrigin): AdmissionDecision {
    if (origin.spoofed) return { allowed: false, reason: 'spoof' };
    const syn = packet.proto === Proto.STREAM && packet.flags === Flags.SYN;
    if (!syn && packet.proto !== Proto.DATAGRAM) return ALLOWED;
    if (!this.isPeerAdmitted(origin.peer, origin.authenticated))
      return { allowed: false, reason: 'trust' };
    const allowed = this.evaluatePolicy(
      syn ? 'connect' : 'datagram',
      packet.dstPort,
      origin.peer,
      syn ? 0 : packet.payload.length,
      'inbound',
    );
    return allowed ? ALLOWED : { allowed: false, reason: 'policy' };
  }

  /**
   * Judges an outbound dial or datagram (the policy gate only: trust gates inbound traffic).
   * @param event `dial` or `datagram`
   * @param peer the destination node
   * @param port the destination port
   * @param payloadSize datagram size (0 for a dial)
   * @returns the decision
   */
  outbound(
    event: 'dial' | 'datagram',
    peer: number,
    port: number,
    payloadSize: number,
  ): AdmissionDecision {
    return this.evaluatePolicy(event, port, peer, payloadSize, 'outbound')
      ? ALLOWED
      : { allowed: false, reason: 'policy' };
  }

  /**
   * The trust gate. A public node admits everyone (anonymous peers of the existing network
   * included); a private node never admits an unauthenticated session, whatever node id it
   * claims (trust is granted to node ids, and only an authenticated session proves one).
   * @param peer the source node
   * @param authenticated whether the peer's session was authenticated with its registry key
   * @returns whether traffic from `peer` is admitted
   */
  isPeerAdmitted(peer: number, authenticated: boolean): boolean {
    const session = this.#opts.session();
    if (session === undefined) return false;
    if (session.settings.public || peer === session.nodeId) return true;
    if (!authenticated) return false;
    const services = this.#opts.services;
    if (services.get(HandshakeServiceKey)?.isTrusted(peer) === true) return true;
    if (services.get(TrustCheckerKey)?.isTrusted(peer).trusted === true) return true;
    return this.sharesNetwork(peer);
  }

  /**
   * Whether `peer` and this node share a non-backbone network, from the registry's lookup answers
   * (refreshed at every key exchange and heartbeat) and the running policies' members.
   * @param peer the peer
   * @returns the answer
   */
  sharesNetwork(peer: number): boolean {
    const session = this.#opts.session();
    const own = session?.ownNetworks ?? [];
    const theirs = session?.peerNetworks(peer) ?? [];
    if (theirs.some((n) => n !== 0 && own.includes(n))) return true;
    for (const runner of this.#opts.services.get(PolicyManagerKey)?.all() ?? []) {
      if (runner.networkId !== 0 && runner.hasMember(peer)) return true;
    }
    return false;
  }

  /**
   * The policy gate: every running policy whose network contains `peer` must allow the event;
   * an evaluation error fails open (§E.3). Tags are the registry node tags of each side, plus
   * this node's member tags in the policy's network.
   * @param event the port event
   * @param port the virtual port
   * @param peer the remote node
   * @param payloadSize datagram size (0 otherwise)
   * @param direction traffic direction
   * @returns whether allowed
   */
  evaluatePolicy(
    event: PortEvent,
    port: number,
    peer: number,
    payloadSize: number,
    direction: 'inbound' | 'outbound',
  ): boolean {
    const runners = this.#opts.services.get(PolicyManagerKey)?.all() ?? [];
    if (runners.length === 0) return true;
    const session = this.#opts.session();
    const peerTags = [...(session?.peerTags(peer) ?? [])];
    for (const runner of runners) {
      if (!runner.hasMember(peer)) continue;
      const localTags = session?.localTags(runner.networkId) ?? [];
      let allowed = true;
      try {
        allowed = runner.evaluatePortGate({
          event,
          port,
          peerNodeId: peer,
          payloadSize,
          direction,
          localTags,
          peerTags,
        });
      } catch {
        allowed = true; // evaluation errors fail open (§E.3)
      }
      if (!allowed) return false;
    }
    return true;
  }
}
