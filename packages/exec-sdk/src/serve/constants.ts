// What host and plugin agree on for mesh plugins.
import type { MagicCookie } from '@mesh/goplugin';

/** The magic cookie meshd sets for its plugins (a UX guard, not a security measure). */
export const MESH_PLUGIN_COOKIE: MagicCookie = Object.freeze({
  key: 'MESH_PLUGIN_MAGIC_COOKIE',
  value: '6c0d1a8e-mesh-plugin-v1',
});

/** App protocol versions of the mesh plugin protocol this SDK speaks. */
export const MESH_PROTOCOL_VERSIONS: readonly number[] = Object.freeze([1]);
