// The handshake line a plugin prints as its first stdout line:
// CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT (cert: DER, base64 without padding).
import { MalformedHandshakeError } from '../errors/errors.js';
import { CORE_PROTOCOL_VERSION } from './env.js';

/** The fields of a handshake line. */
export interface HandshakeLine {
  /** go-plugin core version (1). */
  readonly core: number;
  /** Negotiated app protocol version. */
  readonly app: number;
  /** `unix` or `tcp`. */
  readonly network: 'unix' | 'tcp';
  /** Socket path or `host:port`. */
  readonly address: string;
  /** `grpc` or `netrpc`. */
  readonly protocol: 'grpc' | 'netrpc';
  /** The plugin's AutoMTLS certificate, DER; undefined without AutoMTLS. */
  readonly serverCert?: Uint8Array;
}

/**
 * Formats a handshake line (without the newline).
 * @param line - its fields.
 * @returns the text.
 */
export function formatHandshakeLine(line: HandshakeLine): string {
  const cert =
    line.serverCert === undefined
      ? ''
      : Buffer.from(line.serverCert).toString('base64').replace(/=+$/, '');
  return [line.core, line.app, line.network, line.address, line.protocol, cert].join('|');
}

/**
 * Parses a handshake line.
 * @param text - the line as printed.
 * @returns its fields.
 * @throws MalformedHandshakeError when a field is missing or invalid, or the core version is not 1.
 */
export function parseHandshakeLine(text: string): HandshakeLine {
  const parts = text.trim().split('|');
  if (parts.length < 4) throw new MalformedHandshakeError(text, 'fewer than 4 fields');
  const [coreText, appText, network, address, protocolText, certText] = parts as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const core = Number(coreText);
  if (!Number.isInteger(core))
    throw new MalformedHandshakeError(text, 'core version is not a number');
  if (core !== CORE_PROTOCOL_VERSION)
    throw new MalformedHandshakeError(
      text,
      `incompatible core version ${core} (expected ${CORE_PROTOCOL_VERSION}); the plugin needs to be rebuilt`,
    );
  const app = Number(appText);
  if (!Number.isInteger(app) || app < 0)
    throw new MalformedHandshakeError(text, 'app version is not a number');
  if (network !== 'unix' && network !== 'tcp')
    throw new MalformedHandshakeError(text, `unknown network type "${network}"`);
  if (address === '') throw new MalformedHandshakeError(text, 'empty address');
  const protocol = protocolText === undefined || protocolText === '' ? 'netrpc' : protocolText;
  if (protocol !== 'grpc' && protocol !== 'netrpc')
    throw new MalformedHandshakeError(text, `unknown protocol "${protocol}"`);
  // go-plugin treats short strings in the cert field as junk from older servers.
  const serverCert =
    certText !== undefined && certText.length > 50
      ? new Uint8Array(Buffer.from(certText, 'base64'))
      : undefined;
  return {
    core,
    app,
    network,
    address,
    protocol,
    ...(serverCert === undefined ? {} : { serverCert }),
  };
}
