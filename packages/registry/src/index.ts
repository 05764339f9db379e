/**
 * The mesh registry server: node registration, lookup, resolve, trust, handshake relay, networks
 * and beacons over one TCP port (binary PILT frames and length-prefixed JSON), with state in a
 * durable SQLite store (WAL) and Prometheus metrics.
 *
 * @example
 * ```ts
 * import { startRegistry } from '@mesh/registry';
 * const registry = await startRegistry({ port: 9000, storePath: './registry.db', adminToken: process.env.ADMIN_TOKEN ?? '' });
 * // … later
 * await registry.close();
 * ```
 *
 * @packageDocumentation
 */
export { RegistryServer, startRegistry } from './server/registry-server.js';
export type {
  ListenAddress,
  RegistryServerOptions,
  RegistryStats,
} from './server/registry-server.js';
export { RegistryRequestError, RegistryServerError } from './errors.js';
export type { RegistryRequestErrorCode, RegistryServerErrorCode } from './errors.js';
export { createJsonLogger, noopLogger } from './logger.js';
export type { JsonLoggerOptions, RegistryLogger } from './logger.js';
export { MemoryStore } from './store/memory-store.js';
export { openSqliteStore } from './store/sqlite-store.js';
export { certificateFingerprint, generateSelfSignedCertificate } from './server/tls.js';
export type { RegistryTlsOptions, SelfSignedCertificate } from './server/tls.js';
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export { openPostgresStore, StaleCacheError } from './store/postgres-store.js';
export type { PostgresStoreOptions } from './store/postgres-store.js';
export { MIGRATIONS } from './store/postgres-schema.js';
export type { Migration } from './store/postgres-schema.js';
export type { RegistryStore, StoreWrite, StoredState } from './store/store.js';
export type {
  Inbox,
  InboxInvite,
  InboxRequest,
  InboxResponse,
  NetworkRecord,
  NodeRecord,
} from './state/records.js';
export { RateLimiter } from './auth/rate-limiter.js';
export type { RateLimiterOptions } from './auth/rate-limiter.js';
export { formatAddress } from './util/address.js';
