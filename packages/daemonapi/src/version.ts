/**
 * The version of the plugin contract this copy of `@mesh/daemonapi` implements. It is the one
 * place the version lives; a test keeps it equal to `package.json`'s `version`.
 */
export const CONTRACT_VERSION = '0.2.0';
