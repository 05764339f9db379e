import { defineService } from './services.js';
import type { HandshakeService } from './handshake.js';
import type { PolicyManager } from './policy.js';
import type { TrustChecker } from './trust.js';
import type { WebhookManager } from './webhook.js';

/** The trust-handshake service (port 444); the engine's trust gate and `handshake.*` IPC use it. */
export const HandshakeServiceKey = defineService<HandshakeService>('mesh.handshake');
/** The trusted-agents checker; the handshake service consults it before asking the operator. */
export const TrustCheckerKey = defineService<TrustChecker>('mesh.trust-checker');
/** The per-network policy manager; the engine's admission gate asks its runners. */
export const PolicyManagerKey = defineService<PolicyManager>('mesh.policy-manager');
/** The webhook manager; `set-webhook` and `info` go through it. */
export const WebhookManagerKey = defineService<WebhookManager>('mesh.webhook-manager');
