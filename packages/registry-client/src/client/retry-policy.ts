/**
 * Which registry requests the client sends again on a fresh connection when the connection drops
 * after the request was written (so the registry may already have applied it). A request is
 * resent only when applying it twice leaves the same state and gives an equivalent answer.
 * Everything else — and any type not listed, e.g. sent through `request()` — surfaces
 * `CONNECTION_LOST` to the caller, who knows whether repeating it is safe. A request that was
 * never written (the connection was already gone) is always resent.
 */
export const RESEND_AFTER_CONNECTION_LOSS: Readonly<Record<string, boolean>> = Object.freeze({
  // Reads.
  lookup: true,
  resolve: true,
  resolve_hostname: true,
  check_trust: true,
  list_networks: true,
  list_nodes: true,
  get_key_info: true,
  beacon_list: true,
  punch: true,
  // Refreshes: the second one only moves a timestamp.
  heartbeat: true,
  beacon_register: true,
  // Same public key → same node id and record; a node that is already gone answers ok too.
  register: true,
  deregister: true,
  // Absolute setters: setting the same value again changes nothing.
  set_hostname: true,
  set_visibility: true,
  set_tags: true,
  set_task_exec: true,
  set_key_expiry: true,
  // Polls drain an inbox: if the lost answer carried entries they are gone either way; polling
  // again returns whatever arrived since, so resending loses nothing more.
  poll_handshakes: true,
  poll_invites: true,
  // Not resent: the key changes, so a resend signed with the old key fails, or worse, the caller
  // never learns the rotation happened and keeps signing with the old key.
  rotate_key: false,
  // Not resent: a second attempt answers differently (already a member, no pair, no invitation,
  // name taken) or queues a second message.
  report_trust: false,
  revoke_trust: false,
  request_handshake: false,
  respond_handshake: false,
  create_network: false,
  join_network: false,
  leave_network: false,
  invite_to_network: false,
  respond_invite: false,
});

/** Whether a request of `type` may be resent after the connection dropped mid-call. */
export function resendAfterConnectionLoss(type: string): boolean {
  return Object.hasOwn(RESEND_AFTER_CONNECTION_LOSS, type) && RESEND_AFTER_CONNECTION_LOSS[type];
}
