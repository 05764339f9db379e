// Human formatting of durations and sizes for tables.

/**
 * @param ms - a round-trip time in milliseconds.
 * @returns e.g. `0.42 ms`, `12.3 ms`, `240 ms`, `1.50 s`; `-` before the first sample.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * @param n - bytes.
 * @returns e.g. `512 B`, `1.5 KiB`, `3.0 MiB`.
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
