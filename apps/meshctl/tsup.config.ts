import { meshTsup } from '@mesh/tooling/tsup';

export default meshTsup({
  entry: { index: 'src/index.ts' },
  platform: 'node',
  banner: '#!/usr/bin/env node',
  // One file to load for every command.
  bundle: {},
});
