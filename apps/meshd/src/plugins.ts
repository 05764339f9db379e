// The plugins compiled into meshd: one import line per plugin. Each module registers itself
// with @mesh/daemonapi's registerPlugin() when imported; the engine loads them at start.
// Runtime-loaded plugins come from --plugins / the "plugins" config key instead.
import '@mesh/plugin-handshake';
import '@mesh/plugin-trustedagents';

// Policies for the networks this node is in (`meshctl policy …`). On by default.
import '@mesh/plugin-policy';

// Webhook delivery of bus events (set-webhook, --webhook, `webhook.status`). On by default.
import '@mesh/plugin-webhook';

// Opt-in: events on NATS. Not compiled in by default (it brings the `nats` client). Load it at
// runtime with `--plugins <path>/node_modules/@mesh/plugin-nats/dist/index.js` (or the "plugins"
// config key), or uncomment the line below and add the dependency.
// import '@mesh/plugin-nats';
