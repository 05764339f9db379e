// The policy gate: every running PolicyRunner whose network holds the peer must allow
// connect (inbound SYN), dial and datagram (both directions) through evaluatePortGate.
import type { PolicyManager, PolicyRunner } from '@mesh/daemonapi';
import { describe, expect, it } from 'vitest';
import { nextEvent } from './helpers.js';
import { useDaemonPair } from './harness.js';

const pair = useDaemonPair();

interface GateCall {
  event: string;
  port: number;
  peerNodeId: number;
  direction: string;
}

/** A policy manager with one runner on network 7 that denies the listed (event, port) pairs. */
function policy(members: number[], deny: string[], calls: GateCall[]): PolicyManager {
  const runner = {
    networkId: 7,
    hasMember: (node: number) => members.includes(node),
    evaluatePortGate: (q: GateCall) => {
      calls.push({
        event: q.event,
        port: q.port,
        peerNodeId: q.peerNodeId,
        direction: q.direction,
      });
      if (q.port === 6666) throw new Error('broken rule'); // evaluation errors fail open
      return !deny.includes(`${q.event}:${q.port}`);
    },
  } as unknown as PolicyRunner;
  return { all: () => [runner] } as unknown as PolicyManager;
}

describe('policy gate', () => {
  it('evaluates connect, dial and datagram through evaluatePortGate', async () => {
    const { a, b } = pair;
    const aId = a.daemon.nodeId();
    const bId = b.daemon.nodeId();
    const bCalls: GateCall[] = [];
    const aCalls: GateCall[] = [];
    b.daemon.registerPolicyManager(policy([aId], ['connect:7', 'datagram:4000'], bCalls));
    a.daemon.registerPolicyManager(policy([bId], ['dial:1001', 'datagram:4001'], aCalls));

    // Inbound SYN denied by b's policy: syn.rejected {reason: policy} and a refused dial.
    const rejected = nextEvent(b.daemon.bus(), 'syn.rejected');
    await expect(a.daemon.dial(b.daemon.addr(), 7)).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    expect((await rejected).payload).toEqual({ src_node_id: aId, dst_port: 7, reason: 'policy' });

    // Outbound dial denied by a's own policy before anything is sent.
    await expect(a.daemon.dial(b.daemon.addr(), 1001)).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    // Outbound datagram denied locally; inbound datagram denied by the receiver.
    await expect(
      a.daemon.sendDatagram(b.daemon.addr(), 4001, new Uint8Array([1])),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    const dropped = nextEvent(b.daemon.bus(), 'datagram.rejected');
    await a.daemon.sendDatagram(b.daemon.addr(), 4000, new Uint8Array([1]));
    expect((await dropped).payload).toMatchObject({
      src_node_id: aId,
      dst_port: 4000,
      reason: 'policy',
    });

    // Allowed traffic passes, and a throwing rule fails open.
    const got = new Promise<number>((resolve) => {
      const off = b.daemon.onAnyDatagram((d) => {
        off();
        resolve(d.dstPort);
      });
    });
    await a.daemon.sendDatagram(b.daemon.addr(), 6666, new Uint8Array([2]));
    expect(await got).toBe(6666);
    const conn = await a.daemon.dial(b.daemon.addr(), 1002);
    conn.destroy();

    expect(bCalls).toContainEqual({
      event: 'connect',
      port: 7,
      peerNodeId: aId,
      direction: 'inbound',
    });
    expect(bCalls).toContainEqual({
      event: 'datagram',
      port: 4000,
      peerNodeId: aId,
      direction: 'inbound',
    });
    expect(aCalls).toContainEqual({
      event: 'dial',
      port: 1001,
      peerNodeId: bId,
      direction: 'outbound',
    });
    expect(aCalls).toContainEqual({
      event: 'datagram',
      port: 4001,
      peerNodeId: bId,
      direction: 'outbound',
    });

    // A peer outside the runner's network is not evaluated at all.
    bCalls.length = 0;
    b.daemon.registerPolicyManager(policy([], ['connect:7'], bCalls));
    const echo = await a.daemon.dial(b.daemon.addr(), 7);
    echo.destroy();
    expect(bCalls).toEqual([]);
  });

  it("hands each runner the peer's registry tags and this node's tags in the runner's network", async () => {
    const { a, b } = pair;
    const aId = a.daemon.nodeId();
    await a.daemon.setTags(['gpu']);
    await b.daemon.setTags(['edge']);
    const seen: { localTags: readonly string[]; peerTags: readonly string[] }[] = [];
    const runner = {
      networkId: 7,
      hasMember: (node: number) => node === aId,
      evaluatePortGate: (q: { localTags: readonly string[]; peerTags: readonly string[] }) => {
        seen.push({ localTags: q.localTags, peerTags: q.peerTags });
        return true;
      },
    } as unknown as PolicyRunner;
    b.daemon.registerPolicyManager({ all: () => [runner] } as unknown as PolicyManager);
    // b learns a's tags from the registry when it looks a up (every key exchange does).
    await b.daemon.forgetPeer(aId);
    await a.daemon.forgetPeer(b.daemon.nodeId());
    const conn = await a.daemon.dial(b.daemon.addr(), 7);
    conn.destroy();
    expect(seen).toContainEqual({ localTags: ['edge'], peerTags: ['gpu'] });
  });
});
