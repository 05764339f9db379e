// meshctl rotate-key: replace the node's Ed25519 key (registry, identity file, tunnels).
import type { RotateKeyResult } from '@mesh/client';
import type { Command } from '../cli/types.js';

export const rotateKey: Command = {
  name: 'rotate-key',
  args: [],
  description:
    'replace this node’s Ed25519 key: the registry learns the new key, peers re-authenticate, the old key is kept as identity.json.old',
  returns: 'node_id, public_key, old_public_key, identity_path, backup_path',
  run: async (ctx) => (await ctx.client()).rotateKey(),
  human: (d: RotateKeyResult) =>
    [
      `key rotated for node ${d.node_id}`,
      `new public key  ${d.public_key}`,
      `old public key  ${d.old_public_key}`,
      ...(d.identity_path === '' ? [] : [`identity file   ${d.identity_path}`]),
      ...(d.backup_path === '' ? [] : [`old key backup  ${d.backup_path}`]),
    ].join('\n'),
};
