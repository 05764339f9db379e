// SSRF screening of operator-supplied URLs, after the reference's urlvalidate rules: http/https only,
// a host is required, no link-local (IPv4 169.254/16, IPv6 fe80::/10, link-local multicast 224.0.0/24
// and ff02::/16, also as IPv4-mapped IPv6) and no cloud-metadata hostnames. Parsing is WHATWG `URL`,
// which canonicalises numeric hosts (0xA9FEA9FE → 169.254.169.254), so it is stricter than Go's.

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.google.com']);

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

/** Returns why `raw` is not an acceptable http(s) endpoint, or `undefined` when it is. */
export function urlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `invalid URL ${JSON.stringify(raw)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `URL must use http or https scheme, got ${JSON.stringify(url.protocol.slice(0, -1))}`;
  }
  let host = url.hostname;
  if (host === '') return 'URL must have a host';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4 && ipv4LinkLocal(Number(v4[1]), Number(v4[2]), Number(v4[3]))) {
    return `URL cannot target link-local address ${host}`;
  }
  if (host.includes(':')) {
    const g = ipv6Groups(host);
    if (g) {
      const mapped =
        g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
      const linkLocal = (g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xff0f) === 0xff02;
      if (linkLocal || (mapped && ipv4LinkLocal(g[6] >> 8, g[6] & 0xff, g[7] >> 8))) {
        return `URL cannot target link-local address ${host}`;
      }
    }
  }
  if (METADATA_HOSTS.has(host.toLowerCase()))
    return `URL cannot target cloud metadata endpoint ${host}`;
  return undefined;
}
