import type { Options } from 'tsup';

/** Options of the shared mesh build. */
export interface MeshTsupOptions {
  /** Entry points, `{ name: 'src/name.ts' }`; each becomes `dist/name.js` + `dist/name.d.ts`. */
  entry: Record<string, string>;
  /** `'neutral'` for runtime-neutral packages (browsers, Deno, Bun). @default 'node' */
  platform?: 'node' | 'neutral';
  /** A line put at the top of every output file (e.g. a `#!/usr/bin/env node` for binaries). */
  banner?: string;
}

/** The shared tsup configuration: ESM only, `.d.ts` per entry, source maps. */
export declare function meshTsup(options: MeshTsupOptions): Options;
