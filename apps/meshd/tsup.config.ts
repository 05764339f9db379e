import { meshTsup } from '@mesh/tooling/tsup';

export default meshTsup({
  entry: { index: 'src/index.ts', core: 'src/core.ts' },
  platform: 'node',
  banner: '#!/usr/bin/env node',
  // One file to load at start; the plugin host (grpc-js) only with --plugin-exec.
  bundle: { except: ['@mesh/exec-host'] },
});
