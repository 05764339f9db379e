#!/usr/bin/env node
// @ts-check
/** Command line: `node tooling/scripts/check-boundaries.js [workspace-root]`; exits 1 on any violation. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBoundaries, formatViolations } from '../src/boundaries/check-boundaries.js';

const root = path.resolve(
  process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
);
const violations = checkBoundaries(root);
if (violations.length > 0) {
  console.error(
    `Package boundary check failed (${violations.length} violation(s)) in ${root}:\n${formatViolations(violations)}`,
  );
  process.exit(1);
}
console.log(`Package boundary check passed for ${root}.`);
