// The command table: every meshctl command, in the order `help` and `context` list them.
import type { Command } from '../cli/types.js';
import { approve } from './approve.js';
import { bench } from './bench.js';
import { call } from './call.js';
import { connectCmd } from './connect.js';
import { connections } from './connections.js';
import { contextCommand } from './context.js';
import { daemonStart } from './daemon-start.js';
import { daemonStatus } from './daemon-status.js';
import { daemonStop } from './daemon-stop.js';
import { diag } from './diag.js';
import { disconnect } from './disconnect.js';
import { find } from './find.js';
import { handshake } from './handshake.js';
import { info } from './info.js';
import { memberTags } from './member-tags.js';
import { NETWORK_COMMANDS } from './network.js';
import { peers } from './peers.js';
import { pending } from './pending.js';
import { ping } from './ping.js';
import { plugins } from './plugins.js';
import { POLICY_COMMANDS } from './policy.js';
import { publish } from './publish.js';
import { recv } from './recv.js';
import { reject } from './reject.js';
import { send } from './send.js';
import { sendFile } from './send-file.js';
import { sendMessage } from './send-message.js';
import { setHostname } from './set-hostname.js';
import { setPrivate } from './set-private.js';
import { setPublic } from './set-public.js';
import { setTags } from './set-tags.js';
import { setWebhook } from './set-webhook.js';
import { subscribe } from './subscribe.js';
import { trust } from './trust.js';
import { untrust } from './untrust.js';

/** meshctl's version. */
export const MESHCTL_VERSION = '0.1.0';

/** Every command. */
export const COMMANDS: readonly Command[] = [
  daemonStart,
  daemonStop,
  daemonStatus,
  info,
  peers,
  connections,
  disconnect,
  find,
  setHostname,
  setPublic,
  setPrivate,
  setTags,
  setWebhook,
  send,
  recv,
  connectCmd,
  sendFile,
  sendMessage,
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
  ...NETWORK_COMMANDS,
  ...POLICY_COMMANDS,
  memberTags,
  plugins,
  call,
  diag,
];

/** The table with `context` appended. */
export const TABLE: readonly Command[] = [
  ...COMMANDS,
  contextCommand(MESHCTL_VERSION, () => TABLE),
];
