// The cookie and versions of the mesh plugin protocol (the same values as @mesh/exec-sdk's).
import type { MagicCookie } from '@mesh/goplugin';

/** The magic cookie meshd sets for its plugins. */
export const MESH_PLUGIN_COOKIE: MagicCookie = Object.freeze({
  key: 'MESH_PLUGIN_MAGIC_COOKIE',
  value: '6c0d1a8e-mesh-plugin-v1',
});

/** App protocol versions of the mesh plugin protocol the host speaks. */
export const MESH_PROTOCOL_VERSIONS: readonly number[] = Object.freeze([1]);
