import { meshTsup } from '@mesh/tooling/tsup';

export default meshTsup({
  entry: { index: 'src/index.ts' },
  platform: 'node',
  banner: '#!/usr/bin/env node',
  // The CLI and its command table in one file; the client (with `node:net`) in a chunk that
  // loads when a command talks to the daemon. From source, so that chunk holds only the client
  // side of @mesh/ipc (not the server, nor the attach tokens' `node:crypto`).
  bundle: { source: ['@mesh/client', '@mesh/ipc', '@mesh/protocol'] },
});
