import { describe, expect, it } from 'vitest';
import { challenges } from '../src/index.js';

// Reference §C.7: the exact texts, byte for byte.
describe('challenges (reference §C.7)', () => {
  it('builds every signed operation text exactly', () => {
    expect({
      heartbeat: challenges.heartbeat(5),
      resolve: challenges.resolve(7, 5),
      reportTrust: challenges.reportTrust(1, 2),
      revokeTrust: challenges.revokeTrust(1, 2),
      setVisibility: challenges.setVisibility(3),
      setHostname: challenges.setHostname(3),
      setTags: challenges.setTags(3),
      setTaskExec: challenges.setTaskExec(3),
      deregister: challenges.deregister(3),
      pollHandshakes: challenges.pollHandshakes(3),
      punch: challenges.punch(1, 2),
      handshake: challenges.handshake(1, 2),
      respond: challenges.respond(2, 1),
      rotate: challenges.rotate(3),
      joinNetwork: challenges.joinNetwork(3, 9),
      leaveNetwork: challenges.leaveNetwork(3, 9),
      invite: challenges.invite(3, 9, 4),
      pollInvites: challenges.pollInvites(3),
      respondInvite: challenges.respondInvite(3, 9),
      setKeyExpiry: challenges.setKeyExpiry(3),
    }).toEqual({
      heartbeat: 'heartbeat:5',
      resolve: 'resolve:7:5',
      reportTrust: 'report_trust:1:2',
      revokeTrust: 'revoke_trust:1:2',
      setVisibility: 'set_visibility:3',
      setHostname: 'set_hostname:3',
      setTags: 'set_tags:3',
      setTaskExec: 'set_task_exec:3',
      deregister: 'deregister:3',
      pollHandshakes: 'poll_handshakes:3',
      punch: 'punch:1:2',
      handshake: 'handshake:1:2',
      respond: 'respond:2:1',
      rotate: 'rotate:3',
      joinNetwork: 'join_network:3:9',
      leaveNetwork: 'leave_network:3:9',
      invite: 'invite:3:9:4',
      pollInvites: 'poll_invites:3',
      respondInvite: 'respond_invite:3:9',
      setKeyExpiry: 'set_key_expiry:3',
    });
    expect(Object.keys(challenges)).toHaveLength(22);
  });
});
