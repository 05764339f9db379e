// The one Node API the `./node` entry uses, declared here because the runtime-neutral build config has
// no Node types (so a Buffer or node: import in the main entry stays a type error). Merges with
// @types/node where that is loaded (typecheck of tests).
declare module 'node:fs/promises' {
  /** Reads a whole file as UTF-8 text. */
  export function readFile(path: string, encoding: 'utf8'): Promise<string>;
}
