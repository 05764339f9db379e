import { meshTsup } from '@mesh/tooling/tsup';

export default meshTsup({
  entry: { index: 'src/index.ts', core: 'src/core.ts' },
  platform: 'node',
  banner: '#!/usr/bin/env node',
});
