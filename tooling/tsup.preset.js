// @ts-check
/**
 * The shared tsup (esbuild) build: ESM only, `.d.ts` beside each entry, source maps, one output
 * file per exports-map entry (`src/<name>.ts` → `dist/<name>.js`).
 */
import { defineConfig } from 'tsup';

/**
 * @param {{ entry: Record<string, string>, platform?: 'node' | 'neutral', banner?: string }} options
 *   `platform: 'neutral'` for runtime-neutral packages (browsers, Deno, Bun).
 */
export function meshTsup({ entry, platform = 'node', banner }) {
  return defineConfig({
    entry,
    format: ['esm'],
    platform,
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: false,
    // Node built-ins stay imports even in neutral builds: they only appear in Node-only subpaths.
    external: [/^node:/],
    ...(banner ? { banner: { js: banner } } : {}),
  });
}
