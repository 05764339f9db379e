import { readFile } from 'node:fs/promises';
import { parseBlueprint } from '../blueprint/validate.js';
import type { NetworkBlueprint } from '../blueprint/types.js';
import { WireError } from '../errors/wire-error.js';

/**
 * Reads a blueprint JSON file and decodes it (see `parseBlueprint`): a file that cannot be read throws
 * INVALID `read blueprint: …` with the fs error as `cause`; bad JSON throws BAD_JSON `parse blueprint: …`;
 * a missing name throws INVALID `blueprint: name is required`. Run `validateBlueprint` before applying it.
 *
 * @example
 * ```ts
 * import { validateBlueprint } from '@mesh/wire';
 * import { loadBlueprint } from '@mesh/wire/node';
 * const bp = await loadBlueprint('./network.json');
 * validateBlueprint(bp);
 * ```
 */
export async function loadBlueprint(path: string): Promise<NetworkBlueprint> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new WireError('INVALID', `read blueprint: ${(cause as Error).message}`, { cause });
  }
  return parseBlueprint(text);
}
