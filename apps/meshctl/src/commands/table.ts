// The command table: every meshctl command, in the order `help` and `context` list them.
import type { Command } from '../cli/types.js';
import { approve } from './approve.js';
import { bench } from './bench.js';
import { call } from './call.js';
import { connectCmd } from './connect.js';
import { compose } from './compose.js';
import { completion } from './completion.js';
import { connections } from './connections.js';
import { contextCommand } from './context.js';
import { daemonStart } from './daemon-start.js';
import { daemonStatus } from './daemon-status.js';
import { daemonStop } from './daemon-stop.js';
import { deregister } from './deregister.js';
import { diag } from './diag.js';
import { disconnect } from './disconnect.js';
import { events } from './events.js';
import { find } from './find.js';
import { handshake } from './handshake.js';
import { inbox, inboxClear, inboxShow, received, receivedClear, receivedShow } from './inbox.js';
import { info } from './info.js';
import { memberTags } from './member-tags.js';
import { NETWORK_COMMANDS } from './network.js';
import { lookup } from './lookup.js';
import { peers } from './peers.js';
import { peersForget } from './peers-forget.js';
import { pending } from './pending.js';
import { ping } from './ping.js';
import { plugins } from './plugins.js';
import { POLICY_COMMANDS } from './policy.js';
import { publish } from './publish.js';
import { recv } from './recv.js';
import { reject } from './reject.js';
import { rotateKey } from './rotate-key.js';
import { send } from './send.js';
import { sendFile } from './send-file.js';
import { sendMessage } from './send-message.js';
import { setHostname } from './set-hostname.js';
import { setPrivate } from './set-private.js';
import { setPublic } from './set-public.js';
import { setTags } from './set-tags.js';
import { setWebhook } from './set-webhook.js';
import { status } from './status.js';
import { subscribe } from './subscribe.js';
import { trust } from './trust.js';
import { trustedList } from './trusted.js';
import { untrust } from './untrust.js';
import { versionCommand } from './version.js';

/** meshctl's version. */
export const MESHCTL_VERSION = '0.1.0';

/** Every command, in help order: a new command is one import and one line here. */
export const COMMANDS: readonly Command[] = [
  daemonStart,
  daemonStop,
  daemonStatus,
  status,
  info,
  peers,
  peersForget,
  connections,
  disconnect,
  find,
  lookup,
  setHostname,
  setPublic,
  setPrivate,
  setTags,
  setWebhook,
  events,
  rotateKey,
  deregister,
  send,
  recv,
  connectCmd,
  sendFile,
  sendMessage,
  inbox,
  inboxShow,
  inboxClear,
  received,
  receivedShow,
  receivedClear,
  subscribe,
  publish,
  ping,
  bench,
  handshake,
  approve,
  reject,
  pending,
  trust,
  untrust,
  trustedList,
  ...NETWORK_COMMANDS,
  ...POLICY_COMMANDS,
  memberTags,
  plugins,
  compose,
  call,
  diag,
  versionCommand(MESHCTL_VERSION),
  completion,
];

/** The table with `context` appended. */
export const TABLE: readonly Command[] = [
  ...COMMANDS,
  contextCommand(MESHCTL_VERSION, () => TABLE),
];
