// The daemon registers at the beacon by proving it holds its registered key.
import { Beacon } from '@mesh/beacon';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous | undefined;
let beacon: Beacon | undefined;
const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await beacon?.close();
  await rv?.close();
});

describe('beacon registration proof (daemon side)', () => {
  it('binds the daemon at a beacon that requires proof, checked against the registry', async () => {
    rv = await startRendezvous();
    const registry = rv.registry;
    const proving = new Beacon({
      udp: { host: '127.0.0.1', port: 0 },
      requireProof: true,
      nodeKey: async (id) => {
        const r = await registry.handleMessage({ type: 'lookup', node_id: id }, '127.0.0.1');
        const key =
          typeof r['public_key'] === 'string' ? Buffer.from(r['public_key'], 'base64') : undefined;
        return key?.length === 32 ? new Uint8Array(key) : undefined;
      },
    });
    beacon = proving;
    await proving.listen();
    const proven: number[] = [];
    const twoProven = new Promise<void>((resolve) =>
      proving.on('proven', ({ nodeId }) => {
        proven.push(nodeId);
        if (proven.length === 2) resolve();
      }),
    );
    const at = { ...rv, beaconAddr: `127.0.0.1:${proving.address().udp!.port}` };
    daemons.push(await startDaemon(at), await startDaemon(at));
    await twoProven;
    expect(proven.sort()).toEqual(daemons.map((d) => d.daemon.nodeId()).sort());
    // Only the proofs bound anything: the bare Discovers were answered but not recorded.
    expect(proving.stats()).toMatchObject({ nodes: 2, provenNodes: 2, proofFailures: 0 });
  });
});
