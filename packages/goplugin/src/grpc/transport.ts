// Credentials and channel options shared by both sides: AutoMTLS (each side trusts exactly the
// other's one-time certificate) or plaintext over a private unix socket.
import { ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';

/** TLS material of one side: its own certificate and key, and the peer certificate it trusts. */
export interface MtlsConfig {
  /** Own certificate, PEM. */
  readonly certPem: string;
  /** Own private key, PEM. */
  readonly keyPem: string;
  /** The other side's certificate, PEM. */
  readonly peerCertPem: string;
}

/**
 * Server credentials: AutoMTLS requiring the peer's client certificate, or insecure.
 * @param tls - TLS material; undefined for plaintext.
 * @returns credentials for `Server.bindAsync`.
 */
export function serverCredentials(tls: MtlsConfig | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    Buffer.from(tls.peerCertPem),
    [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
    true,
  );
}

/**
 * Channel credentials: AutoMTLS presenting our certificate and trusting only the peer's, or insecure.
 * @param tls - TLS material; undefined for plaintext.
 * @returns credentials for a client.
 */
export function channelCredentials(tls: MtlsConfig | undefined): ChannelCredentials {
  if (tls === undefined) return ChannelCredentials.createInsecure();
  return ChannelCredentials.createSsl(
    Buffer.from(tls.peerCertPem),
    Buffer.from(tls.keyPem),
    Buffer.from(tls.certPem),
  );
}

/**
 * Channel options: the certificates name `localhost`; go-plugin raises message limits. Each
 * channel owns its subchannels, so closing it ends their reconnect backoff at once (the shared
 * global pool would keep a backoff timer alive after the plugin is gone).
 */
export const CHANNEL_OPTIONS: ChannelOptions = Object.freeze({
  'grpc.use_local_subchannel_pool': 1,
  'grpc.ssl_target_name_override': 'localhost',
  'grpc.default_authority': 'localhost',
  'grpc.max_receive_message_length': 0x7fffffff,
  'grpc.max_send_message_length': 0x7fffffff,
});

/**
 * The grpc-js target for a handshake address.
 * @param network - `unix` or `tcp`.
 * @param address - path or host:port.
 * @returns the target string.
 */
export function grpcTarget(network: 'unix' | 'tcp', address: string): string {
  return network === 'unix' ? `unix://${address}` : address;
}
