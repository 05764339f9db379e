import { describeDaemonConformance, memoryConformanceHarness } from '../src/index.js';

// The same suite runs against the engine in packages/daemon/test/conformance.test.ts.
describeDaemonConformance('MemoryDaemon', memoryConformanceHarness(), { stepTimeoutMs: 2000 });
