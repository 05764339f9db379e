// The meshd binary: the engine with the plugins meshd ships (plugins.ts), then run.
import './plugins.js';
import { runMeshd } from './run.js';

runMeshd();
