// @mesh/plugin-trustedagents: importing this module registers the plugin.
import { registerPlugin } from '@mesh/daemonapi';
import { TRUSTED_AGENTS_PLUGIN_NAME, TrustedAgentsPlugin } from './plugin/trustedagents-plugin.js';

export { TrustedAgentsError } from './errors.js';
export type { TrustedAgentsErrorCode } from './errors.js';
export { goCompact } from './list/go-compact.js';
export { rawMember } from './list/raw-member.js';
export {
  MAX_LIST_BYTES,
  decodeSignerKey,
  signedPayload,
  verifySignedList,
} from './list/signed-list.js';
export type { TrustedAgent, VerifiedList } from './list/signed-list.js';
export { isUrlSource, readListSource, validateSource } from './source/list-source.js';
export type { ReadListOptions } from './source/list-source.js';
export {
  TRUSTED_AGENTS_PLUGIN_NAME,
  TRUSTED_AGENTS_PLUGIN_VERSION,
  TrustedAgentsPlugin,
  TrustedAgentsService,
} from './plugin/trustedagents-plugin.js';
export type { RefreshStatus, TrustedAgentsOptions } from './plugin/trustedagents-plugin.js';

registerPlugin(TRUSTED_AGENTS_PLUGIN_NAME, () => new TrustedAgentsPlugin());
