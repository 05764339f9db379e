/**
 * `@mesh/wire/node`: the Node-only helpers of `@mesh/wire` — reading blueprint files and adapting Node
 * sockets to the `WireSink` interface. Everything else lives in the runtime-neutral main entry.
 *
 * @example
 * ```ts
 * import { loadBlueprint, socketSink } from '@mesh/wire/node';
 * const blueprint = await loadBlueprint('./network.json');
 * ```
 *
 * @packageDocumentation
 */
export { loadBlueprint } from './node/load-blueprint.js';
export { socketSink } from './node/socket-sink.js';
export type { NodeWritableLike } from './node/socket-sink.js';
