#!/usr/bin/env node
// The installed command: a committed file, so package managers can link it before dist/ is built.
import '../dist/index.js';
