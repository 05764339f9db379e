// SSRF screening of operator-supplied URLs (blueprint webhooks, identity providers, audit sinks, and
// any plugin that posts to a configured URL). The rules are those of Go's `urlvalidate.Validate`
// (github.com/pilot-protocol/common, urlvalidate/validate.go): http/https only, a host is required,
// no link-local address (IPv4 169.254/16 and 224.0.0/24, IPv6 fe80::/10 and ff02::/16, also as
// IPv4-mapped IPv6) and none of its cloud-metadata hostnames, compared case-insensitively.
// Two deliberate differences, both stricter: a trailing dot does not bypass the hostname list
// (`metadata.google.internal.` is the same DNS name), and parsing is WHATWG `URL`, which
// canonicalises numeric hosts (0xA9FEA9FE → 169.254.169.254).

/** Cloud-metadata hostnames Go's `urlvalidate.Validate` refuses (GCP, AWS, Azure). */
const METADATA_HOSTS: ReadonlySet<string> = new Set([
  'metadata.google.internal',
  'metadata.google.com',
  'ec2.internal',
  'instance-data-service.ec2.internal',
  'metadata.azure.com',
]);

/** Whether a.b.c.x is IPv4 link-local unicast or multicast. */
function ipv4LinkLocal(a: number, b: number, c: number): boolean {
  return (a === 169 && b === 254) || (a === 224 && b === 0 && c === 0);
}

/** Parses the canonical IPv6 text WHATWG produces (hex groups, at most one `::`) into 8 groups. */
function ipv6Groups(text: string): number[] | undefined {
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const left = parse(head);
  const right = parse(tail);
  const groups =
    tail === undefined
      ? left
      : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Whether a canonical (WHATWG) host, without brackets, is a link-local IP literal. */
function isLinkLocalLiteral(host: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return ipv4LinkLocal(Number(v4[1]), Number(v4[2]), Number(v4[3]));
  if (!host.includes(':')) return false;
  const g = ipv6Groups(host);
  if (!g) return false;
  const mapped =
    g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
  const linkLocal = (g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xff0f) === 0xff02;
  return linkLocal || (mapped && ipv4LinkLocal(g[6] >> 8, g[6] & 0xff, g[7] >> 8));
}

/** Lower case, without brackets, an IPv6 zone or trailing dots. */
function bareHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const zone = h.indexOf('%');
  if (zone !== -1) h = h.slice(0, zone);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Canonical WHATWG form of a bare host (numeric IPv4 forms resolved), or the input if it does not parse. */
function canonicalHost(bare: string): string {
  try {
    const hostname = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
    return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  } catch {
    return bare;
  }
}

/**
 * Whether an outbound request must never go to `host`: a link-local IP (169.254.0.0/16 — which
 * includes the cloud metadata address 169.254.169.254 — 224.0.0.0/24, fe80::/10, ff02::/16, also
 * IPv4-mapped) or one of the cloud-metadata hostnames Go's `urlvalidate` refuses
 * (`metadata.google.internal`, `metadata.google.com`, `ec2.internal`,
 * `instance-data-service.ec2.internal`, `metadata.azure.com`). Case-insensitive; brackets, an IPv6
 * zone and a trailing dot are ignored; numeric IPv4 forms (`0xA9FEA9FE`) are resolved first.
 * Pure: it resolves no DNS name, so a name that resolves to a link-local address is not caught.
 *
 * @example
 * ```ts
 * isForbiddenHost('Metadata.Google.Internal.'); // true
 * isForbiddenHost('[fe80::1]');                 // true
 * isForbiddenHost('hooks.example.com');         // false
 * ```
 */
export function isForbiddenHost(host: string): boolean {
  const bare = bareHost(host);
  if (METADATA_HOSTS.has(bare)) return true;
  return isLinkLocalLiteral(canonicalHost(bare));
}

/**
 * Screens an operator-supplied URL before anything posts to it, with the rules of Go's
 * `urlvalidate.Validate`: http or https, a host, and a host that {@link isForbiddenHost} accepts.
 * Returns why the URL is refused, or `undefined` when it is acceptable. Pure: no DNS, no I/O.
 *
 * @example
 * ```ts
 * screenUrl('http://169.254.169.254/latest'); // 'URL cannot target link-local address 169.254.169.254'
 * screenUrl('https://hooks.example.com/x');   // undefined
 * ```
 */
export function screenUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `invalid URL ${JSON.stringify(raw)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `URL must use http or https scheme, got ${JSON.stringify(url.protocol.slice(0, -1))}`;
  }
  const host = url.hostname;
  if (host === '') return 'URL must have a host';
  const bare = bareHost(host);
  if (isLinkLocalLiteral(bare)) return `URL cannot target link-local address ${bare}`;
  if (METADATA_HOSTS.has(bare)) return `URL cannot target cloud metadata endpoint ${host}`;
  return undefined;
}
