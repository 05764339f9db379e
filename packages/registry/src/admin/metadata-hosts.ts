// Cloud metadata endpoints a blueprint URL may never point at (SSRF). @mesh/wire's URL screen blocks
// link-local addresses and Google's names; the registry adds AWS and Azure here, and screens the
// host of syslog `host:port` endpoints too.

const BLOCKED_HOSTS = [
  'metadata.google.internal',
  'metadata.google.com',
  'metadata',
  'ec2.internal',
  'instance-data',
  'metadata.azure.com',
  'metadata.azure.internal',
  '169.254.169.254',
  '169.254.170.2',
  'fd00:ec2::254',
  '100.100.100.200',
];

/** Whether `host` (a hostname or IP, any case, optional trailing dot or brackets) is a metadata service. */
export function isMetadataHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('169.254.')) return true;
  return BLOCKED_HOSTS.some((b) => h === b || h.endsWith(`.${b}`));
}

/** The host of a URL or a `host:port` string, or undefined when it has none. */
export function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).hostname;
  } catch {
    const m = /^\[?([^\]]*?)\]?(?::\d+)?$/.exec(endpoint.trim());
    return m?.[1] === '' ? undefined : m?.[1];
  }
}
