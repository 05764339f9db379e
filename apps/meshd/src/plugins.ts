// The plugins compiled into meshd: one import line per plugin. Each module registers itself
// with @mesh/daemonapi's registerPlugin() when imported; the engine loads them at start.
// Runtime-loaded plugins come from --plugins / the "plugins" config key instead.
//
import '@mesh/plugin-policy';
