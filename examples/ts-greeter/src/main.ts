#!/usr/bin/env node
// The plugin executable: the same plugin object, served out of process.
import { serve } from '@mesh/exec-sdk';
import { GreeterPlugin } from './greeter.js';

await serve(new GreeterPlugin());
