// Both trust plugins pass the plugin-testkit compliance suite on the in-memory daemon (the
// plugin packages may depend on nothing but @mesh/daemonapi, so the suite runs here).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HandshakePlugin } from '@mesh/plugin-handshake';
import { describePluginCompliance } from '@mesh/plugin-testkit';
import { TrustedAgentsPlugin } from '@mesh/plugin-trustedagents';

describePluginCompliance({
  name: 'handshake',
  factory: () => new HandshakePlugin(),
  expectRegistered: true,
  // A real directory, so the trust store is read and written during the checks.
  daemonOptions: {
    dataDir: (plugin) => path.join(mkdtempSync(path.join(tmpdir(), 'mesh-compliance-')), plugin),
  },
});

describePluginCompliance({
  name: 'trustedagents',
  factory: () => new TrustedAgentsPlugin(),
  expectRegistered: true,
});
