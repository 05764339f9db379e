import { meshTsup } from '@mesh/tooling/tsup';

export default meshTsup({ entry: { index: 'src/index.ts' }, platform: 'node' });
