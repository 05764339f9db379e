// Which webhook targets are allowed: http(s) only, never link-local or cloud metadata endpoints,
// checked on the URL and again on every address the host name resolves to.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { WebhookError } from '../errors.js';

/** Host names of cloud metadata services; refused whatever they resolve to. */
export const METADATA_HOSTS: readonly string[] = [
  'metadata.google.internal',
  'metadata.goog',
  'ec2.internal',
  'instance-data',
  'instance-data.ec2.internal',
  'instance-data-service.ec2.internal',
  'metadata.azure.com',
  'metadata.internal',
];

// Metadata addresses outside the link-local ranges (Alibaba Cloud, AWS over IPv6).
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);

/** The four octets of an IPv4 address, or `undefined` for anything else. */
function ipv4Octets(ip: string): number[] | undefined {
  if (isIP(ip) !== 4) return undefined;
  return ip.split('.').map(Number);
}

/**
 * Whether a literal IP address is a forbidden webhook target: IPv4 link-local `169.254.0.0/16`
 * (includes `169.254.169.254`), IPv6 link-local `fe80::/10`, IPv4-mapped forms of those, and
 * the known metadata addresses.
 * @param ip - an IPv4 or IPv6 address.
 * @returns true when refused.
 */
export function isForbiddenAddress(ip: string): boolean {
  let addr = ip.toLowerCase();
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  if (METADATA_ADDRESSES.has(addr)) return true;
  const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (mapped) return isForbiddenAddress(mapped[1]);
  const mappedHex = /^(?:0*:)*:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(addr);
  if (mappedHex) {
    const hi = parseInt(mappedHex[1], 16);
    const lo = parseInt(mappedHex[2], 16);
    return isForbiddenAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const v4 = ipv4Octets(addr);
  if (v4) return v4[0] === 169 && v4[1] === 254;
  if (isIP(addr) === 6) {
    const first = parseInt(addr.split(':')[0] || '0', 16);
    return (first & 0xffc0) === 0xfe80;
  }
  return false;
}

/** Whether `host` is a cloud metadata host name or one of its subdomains. */
function isMetadataHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return METADATA_HOSTS.some((m) => h === m || h.endsWith(`.${m}`));
}

/**
 * Checks a webhook URL without network access: it must parse, use http or https, and not name
 * a metadata host or a forbidden literal address. An empty string (delivery off) passes.
 * @param url - the URL.
 * @returns the normalised URL (`''` stays `''`).
 * @throws WebhookError `INVALID_WEBHOOK_URL` or `WEBHOOK_TARGET_FORBIDDEN`.
 */
export function checkWebhookUrl(url: string): string {
  if (url === '') return '';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new WebhookError(
      'INVALID_WEBHOOK_URL',
      `webhook URL ${JSON.stringify(url)} does not parse; give an absolute http(s) URL`,
      { cause },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new WebhookError(
      'INVALID_WEBHOOK_URL',
      `webhook URL must use http or https, not ${parsed.protocol.replace(':', '')}`,
    );
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isMetadataHost(host) || isForbiddenAddress(host))
    throw new WebhookError(
      'WEBHOOK_TARGET_FORBIDDEN',
      `webhook host ${host} is a link-local or cloud metadata endpoint; choose another receiver`,
    );
  return parsed.href;
}

/** The `lookup` signature `http.request` accepts. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

/**
 * Wraps a DNS lookup so the connection is refused when the host resolves to a forbidden
 * address. Handing it to `http.request` checks the address actually dialled, so a name that
 * changes its answer between the check and the request (DNS rebinding) cannot slip through.
 * @param base - the lookup to wrap. @defaultValue `dns.lookup`, loaded at the first delivery (a
 * daemon with no webhook never loads `node:dns`)
 * @returns a lookup for `http.request`.
 */
export function guardedLookup(base?: LookupFunction): LookupFunction {
  const resolve: LookupFunction =
    base ??
    ((hostname, options, callback) => {
      import('node:dns').then(
        ({ lookup }) => lookup(hostname, options, callback),
        (err: NodeJS.ErrnoException) => callback(err, ''),
      );
    });
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = list.find((a) => isForbiddenAddress(a));
      if (bad !== undefined) {
        const refused = new WebhookError(
          'WEBHOOK_TARGET_FORBIDDEN',
          `webhook host ${hostname} resolves to ${bad}, a link-local or cloud metadata address; delivery refused`,
        );
        callback(refused, address, family);
        return;
      }
      callback(null, address, family);
    });
  };
}
