// `host:port` options of the beacon: @mesh/protocol's one parser, with its error reported as a
// BeaconError so option checks keep a single error type.
import { parseHostPort } from '@mesh/protocol';
import type { HostPort } from '@mesh/protocol';
import { BeaconError } from '../errors/beacon-error.js';

/**
 * Parses `host:port`, `[v6]:port` or `:port` (empty host → `defaultHost`) with `parseHostPort`.
 * @throws BeaconError `invalid-options` (the ProtocolError is the `cause`).
 */
export function hostPortOption(text: string, defaultHost: string): HostPort {
  try {
    return parseHostPort(text, { defaultHost });
  } catch (err) {
    throw new BeaconError('invalid-options', (err as Error).message, { cause: err });
  }
}
