import type { Options } from 'tsup';

/** Options of the shared mesh build. */
export interface MeshTsupOptions {
  /** Entry points, `{ name: 'src/name.ts' }`; each becomes `dist/name.js` + `dist/name.d.ts`. */
  entry: Record<string, string>;
  /** `'neutral'` for runtime-neutral packages (browsers, Deno, Bun). @default 'node' */
  platform?: 'node' | 'neutral';
  /** A line put at the top of every output file (e.g. a `#!/usr/bin/env node` for binaries). */
  banner?: string;
  /**
   * Binaries: compile the `@mesh/*` workspace packages into the output (one file to load at
   * start). `except` lists `@mesh` packages that stay imports (loaded on demand). Third-party
   * packages always stay imports and must be dependencies of the binary. `MESH_UNBUNDLED=1`
   * in the environment builds the unbundled layout instead. `source` lists `@mesh` packages
   * compiled from their TypeScript sources instead of their `dist/` (only the files used are
   * kept, and code splitting can move them into a lazily imported chunk); only for packages
   * whose own build is plain (no `define` or banner).
   */
  bundle?: { except?: readonly string[]; source?: readonly string[] };
}

/** The shared tsup configuration: ESM only, `.d.ts` per entry, source maps. */
export declare function meshTsup(options: MeshTsupOptions): Options;
