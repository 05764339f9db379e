// @mesh/plugin-handshake: importing this module registers the plugin (one line in a daemon binary).
import { registerPlugin } from '@mesh/daemonapi';
import { HANDSHAKE_PLUGIN_NAME, HandshakePlugin } from './plugin/handshake-plugin.js';

export { HandshakeError } from './errors.js';
export type { HandshakeErrorCode } from './errors.js';
export { goCompact, goQuote } from './message/go-json.js';
export {
  MAX_MESSAGE_BYTES,
  decodeHandshakeMessage,
  encodeHandshakeMessage,
  handshakeChallenge,
} from './message/message.js';
export type { HandshakeMessage, HandshakeMessageType } from './message/message.js';
export { HANDSHAKE_PORT, HandshakeManager } from './manager/handshake-manager.js';
export type { HandshakeManagerContext, RejectReason } from './manager/handshake-manager.js';
export { resolveHandshakeOptions } from './manager/options.js';
export type { HandshakeOptions, ResolvedHandshakeOptions } from './manager/options.js';
export {
  HANDSHAKE_PLUGIN_NAME,
  HANDSHAKE_PLUGIN_VERSION,
  HandshakePlugin,
} from './plugin/handshake-plugin.js';
export {
  encodeTrustFile,
  formatRfc3339,
  readTrustFile,
  writeFileAtomic,
} from './store/trust-file.js';
export { emptyTrustState } from './store/trust-state.js';
export type { PendingEntry, TrustState, TrustedEntry } from './store/trust-state.js';
export { decodeStdBase64, verifyEd25519 } from './util/ed25519.js';
export { ReplaySet, SourceLimiter, sanitizeJustification } from './util/replay-set.js';
export type { ReplayVerdict } from './util/replay-set.js';

registerPlugin(HANDSHAKE_PLUGIN_NAME, () => new HandshakePlugin());
