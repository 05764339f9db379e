// meshd without the plugins it ships: the entry a composed daemon imports after its own plugin
// import lines (`meshctl compose`), so it runs with exactly the plugins its author chose.
import { runMeshd } from './run.js';

runMeshd();
