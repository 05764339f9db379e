/**
 * `@mesh/plugin-webhook`: POSTs the mesh daemon's bus events to a URL, in order, from a bounded
 * queue, with retries, a circuit breaker and optional HMAC-SHA256 signatures. Importing the
 * package registers the plugin as `webhook`.
 * @packageDocumentation
 */
import { registerPlugin } from '@mesh/daemonapi';
import { WEBHOOK_PLUGIN_NAME, createWebhookPlugin } from './plugin/webhook-plugin.js';

registerPlugin(WEBHOOK_PLUGIN_NAME, () => createWebhookPlugin());

export {
  RELOAD_TOPIC,
  WEBHOOK_PLUGIN_NAME,
  WEBHOOK_PLUGIN_VERSION,
  WebhookPlugin,
  createWebhookPlugin,
} from './plugin/webhook-plugin.js';
export type { WebhookPluginOptions, WebhookStatusResult } from './plugin/webhook-plugin.js';
export { WebhookDispatcher } from './delivery/dispatcher.js';
export type {
  WebhookBody,
  WebhookDispatcherOptions,
  WebhookStatus,
} from './delivery/dispatcher.js';
export { CircuitBreaker } from './delivery/breaker.js';
export type { BreakerState, CircuitBreakerOptions } from './delivery/breaker.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  EVENT_HEADER,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  signingString,
  verifyWebhookSignature,
} from './signing/signature.js';
export type { VerifyOptions } from './signing/signature.js';
export {
  METADATA_HOSTS,
  checkWebhookUrl,
  guardedLookup,
  isForbiddenAddress,
} from './url/url-policy.js';
export type { LookupFunction } from './url/url-policy.js';
export {
  EMPTY_STATE,
  STATE_FILE,
  loadWebhookState,
  saveWebhookState,
} from './state/webhook-state.js';
export type { WebhookState } from './state/webhook-state.js';
export { WebhookError } from './errors.js';
export type { WebhookErrorCode } from './errors.js';
