// What the node sends the beacon to register, and how it answers a registration challenge.
import {
  PADDED_DISCOVER_SIZE,
  PADDED_PUNCH_REQUEST_SIZE,
  beaconRegisterChallenge,
  type BeaconMessage,
  type ProofChallengeMessage,
} from '@mesh/protocol';
import type { IdentitySigner } from '../identity/identity-holder.js';

/**
 * The messages that (re-)register `nodeId` at the beacon. A Discover, padded so a beacon that
 * never amplifies still answers it (and carrying the public key where the reference layout
 * expects one), for beacons of every kind; with an identity, also a ProofRequest, so a mesh
 * beacon binds the node only on proof that it holds the registered key. A reference beacon
 * ignores the ProofRequest (unknown type).
 * @param nodeId this node's id (0: anonymous endpoint query)
 * @param identity this node's identity, if any
 * @returns the messages to send, in order
 */
export function beaconRegistration(nodeId: number, identity?: IdentitySigner): BeaconMessage[] {
  if (nodeId === 0) return [{ kind: 'discover', node: 0, padTo: PADDED_DISCOVER_SIZE }];
  const discover: BeaconMessage =
    identity === undefined
      ? { kind: 'discover', node: nodeId, padTo: PADDED_DISCOVER_SIZE }
      : { kind: 'discover', node: nodeId, publicKey: identity.publicKey };
  return identity === undefined ? [discover] : [discover, { kind: 'proof-request', node: nodeId }];
}

/**
 * The signed ProvenDiscover answering a beacon's challenge for this node.
 * @param challenge the beacon's ProofChallenge
 * @param nodeId this node's id
 * @param identity this node's identity
 * @returns the answer, or undefined when the challenge is not for this node
 */
export function answerBeaconChallenge(
  challenge: ProofChallengeMessage,
  nodeId: number,
  identity: IdentitySigner | undefined,
): BeaconMessage | undefined {
  if (identity === undefined || nodeId === 0 || challenge.node !== nodeId) return undefined;
  const text = beaconRegisterChallenge(nodeId, challenge.issuedAt, challenge.cookie);
  return {
    kind: 'proven-discover',
    node: nodeId,
    issuedAt: challenge.issuedAt,
    cookie: challenge.cookie,
    signature: identity.sign(new TextEncoder().encode(text)),
  };
}

/**
 * A PunchRequest padded so that the two PunchCommands it causes are not larger than itself
 * (a mesh beacon does not answer smaller ones by default).
 * @param requester this node
 * @param target the peer to punch towards
 * @returns the message
 */
export function punchRequest(requester: number, target: number): BeaconMessage {
  return { kind: 'punch-request', requester, target, padTo: PADDED_PUNCH_REQUEST_SIZE };
}
