/**
 * The exact challenge strings a node signs (Ed25519 over their UTF-8 bytes, base64 in the
 * `signature` field) for each signed registry operation, reference §C.7. The registry verifies
 * the same strings, so both sides build them here and nowhere else.
 *
 * @example
 * ```ts
 * import { challenges } from '@mesh/wire';
 * const text = challenges.setHostname(42); // 'set_hostname:42'
 * const signature = ed25519.sign(new TextEncoder().encode(text), secretKey);
 * ```
 */
export const challenges = {
  /** `heartbeat:<node>` (JSON `heartbeat` and the binary heartbeat frame) */
  heartbeat: (node: number): string => `heartbeat:${node}`,
  /** `resolve:<requester>:<target>` (JSON `resolve` and the binary resolve frame) */
  resolve: (requester: number, target: number): string => `resolve:${requester}:${target}`,
  /** `report_trust:<node>:<peer>` */
  reportTrust: (node: number, peer: number): string => `report_trust:${node}:${peer}`,
  /** `revoke_trust:<node>:<peer>` */
  revokeTrust: (node: number, peer: number): string => `revoke_trust:${node}:${peer}`,
  /** `set_visibility:<node>` */
  setVisibility: (node: number): string => `set_visibility:${node}`,
  /** `set_hostname:<node>` */
  setHostname: (node: number): string => `set_hostname:${node}`,
  /** `set_tags:<node>` */
  setTags: (node: number): string => `set_tags:${node}`,
  /** `set_task_exec:<node>` */
  setTaskExec: (node: number): string => `set_task_exec:${node}`,
  /** `deregister:<node>` */
  deregister: (node: number): string => `deregister:${node}`,
  /** `poll_handshakes:<node>` */
  pollHandshakes: (node: number): string => `poll_handshakes:${node}`,
  /** `punch:<node_a>:<node_b>` */
  punch: (a: number, b: number): string => `punch:${a}:${b}`,
  /** `handshake:<from>:<to>` (`request_handshake`) */
  handshake: (from: number, to: number): string => `handshake:${from}:${to}`,
  /** `respond:<responder>:<requester>` (`respond_handshake`) */
  respond: (responder: number, requester: number): string => `respond:${responder}:${requester}`,
  /** `rotate:<node>` (`rotate_key`, signed by the current key) */
  rotate: (node: number): string => `rotate:${node}`,
  /** `join_network:<node>:<net>` */
  joinNetwork: (node: number, net: number): string => `join_network:${node}:${net}`,
  /** `leave_network:<node>:<net>` */
  leaveNetwork: (node: number, net: number): string => `leave_network:${node}:${net}`,
  /** `invite:<inviter>:<net>:<target>` (`invite_to_network`) */
  invite: (inviter: number, net: number, target: number): string =>
    `invite:${inviter}:${net}:${target}`,
  /** `poll_invites:<node>` */
  pollInvites: (node: number): string => `poll_invites:${node}`,
  /** `respond_invite:<node>:<net>` */
  respondInvite: (node: number, net: number): string => `respond_invite:${node}:${net}`,
  /** `set_key_expiry:<node>` */
  setKeyExpiry: (node: number): string => `set_key_expiry:${node}`,
  /**
   * `register:<listen_addr>:<public_key>`: proof of possession a registering node may carry in
   * `signature` (Go `RegisterWithKeyOpts` sends it whenever it has a signer).
   */
  register: (listenAddr: string, publicKey: string): string =>
    `register:${listenAddr}:${publicKey}`,
  /**
   * `rebind:<node>:<new_public_key>` (`rebind_signature` of `register`): signed by the node's
   * current key to let an owner-string re-registration move the id to a new key (mesh only).
   */
  rebind: (node: number, newPublicKey: string): string => `rebind:${node}:${newPublicKey}`,
} as const;

/** The names of the {@link challenges} builders, one per signed operation. */
export type ChallengeName = keyof typeof challenges;
