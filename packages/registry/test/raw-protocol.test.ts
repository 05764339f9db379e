import { afterEach, describe, expect, it } from 'vitest';
import { Harness, binaryFrame, identity, jsonMessage } from './helpers.js';

const h = new Harness();
const ADMIN = 'raw-admin';
afterEach(() => h.close());

const PREAMBLE = Buffer.from([0x50, 0x49, 0x4c, 0x54, 0x01]);

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

describe('raw bytes, no client library', () => {
  it('JSON mode: register, heartbeat, lookup, resolve', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const sock = await h.raw(server);
    const a = identity();
    const b = identity();
    const ask = async (msg: unknown) => {
      sock.write(jsonMessage(msg));
      return JSON.parse((await sock.readUnit()).toString('utf8'));
    };
    const ra = await ask({
      type: 'register',
      listen_addr: '0.0.0.0:4000',
      public_key: a.publicKey,
    });
    expect(ra).toMatchObject({
      type: 'register_ok',
      node_id: 1,
      network_id: 0,
      address: '0:0000.0000.0001',
      public_key: a.publicKey,
    });
    const rb = await ask({
      type: 'register',
      listen_addr: '10.9.9.9:5555',
      public_key: b.publicKey,
      hostname: 'bee',
    });
    expect(rb).toMatchObject({ type: 'register_ok', node_id: 2, hostname: 'bee' });
    // Same key → same id.
    expect(
      await ask({ type: 'register', listen_addr: ':4000', public_key: a.publicKey }),
    ).toMatchObject({ node_id: 1 });

    const hb = await ask({ type: 'heartbeat', node_id: 1, signature: a.signB64('heartbeat:1') });
    expect(hb.type).toBe('heartbeat_ok');
    expect(Object.keys(hb)).toEqual(['time', 'type']);
    expect(Math.abs(hb.time - Date.now() / 1000)).toBeLessThan(60);

    const lk = await ask({ type: 'lookup', node_id: 2 });
    expect(lk).toMatchObject({
      type: 'lookup_ok',
      node_id: 2,
      public_key: b.publicKey,
      public: false,
      hostname: 'bee',
      networks: [0],
    });
    expect(lk.real_addr).toBeUndefined();

    const denied = await ask({
      type: 'resolve',
      node_id: 2,
      requester_id: 1,
      signature: a.signB64('resolve:1:2'),
    });
    expect(denied.type).toBe('error');
    expect(denied.error).toMatch(/private/);
    await ask({
      type: 'set_visibility',
      node_id: 2,
      public: true,
      // A bare set_visibility signature is refused (replayable); the admin token leaves node 2's
      // other bare signatures usable.
      admin_token: ADMIN,
    });
    const ok = await ask({
      type: 'resolve',
      node_id: 2,
      requester_id: 1,
      signature: a.signB64('resolve:1:2'),
    });
    // The endpoint is the connection's source IP with the port from listen_addr.
    expect(ok).toMatchObject({ type: 'resolve_ok', node_id: 2, real_addr: '127.0.0.1:5555' });
  });

  it('binary mode: preamble, heartbeat/lookup/resolve frames and JSON passthrough', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const sock = await h.raw(server);
    const a = identity();
    sock.write(PREAMBLE);
    const passthrough = async (msg: unknown) => {
      sock.write(binaryFrame(0x00, Buffer.from(JSON.stringify(msg))));
      const body = await sock.readUnit();
      expect(body[0]).toBe(0x00);
      return JSON.parse(body.subarray(1).toString('utf8'));
    };
    const reg = await passthrough({
      type: 'register',
      listen_addr: '0.0.0.0:7000',
      public_key: a.publicKey,
      hostname: 'alpha',
    });
    expect(reg).toMatchObject({ type: 'register_ok', node_id: 1 });
    await passthrough({
      type: 'set_visibility',
      node_id: 1,
      public: true,
      admin_token: ADMIN,
    });

    // Heartbeat: [4B node][64B sig] → [8B unix][1B flags]
    sock.write(binaryFrame(0x01, Buffer.concat([u32(1), a.sign('heartbeat:1')])));
    const hb = await sock.readUnit();
    expect(hb[0]).toBe(0x81);
    expect(hb.length).toBe(1 + 9);
    expect(Math.abs(Number(hb.readBigUInt64BE(1)) - Date.now() / 1000)).toBeLessThan(60);
    expect(hb[9] & 1).toBe(0);

    // Lookup: [4B node] → documented layout.
    sock.write(binaryFrame(0x02, u32(1)));
    const lk = await sock.readUnit();
    expect(lk[0]).toBe(0x82);
    let off = 1;
    expect(lk.readUInt32BE(off)).toBe(1);
    off += 4;
    expect(lk[off]).toBe(0x01); // public
    off += 1;
    expect(lk.readUInt32BE(off)).toBe(0); // reserved
    off += 4;
    expect(lk.readUInt16BE(off)).toBe(1); // one network
    expect(lk.readUInt16BE(off + 2)).toBe(0); // backbone
    off += 4;
    expect(lk[off]).toBe(32);
    expect(Buffer.from(lk.subarray(off + 1, off + 33)).toString('base64')).toBe(a.publicKey);
    off += 33;
    expect(lk.subarray(off + 1, off + 1 + lk[off]).toString()).toBe('alpha');
    off += 1 + lk[off];
    expect(lk[off]).toBe(0); // no tags
    off += 1;
    const addrLen = lk.readUInt16BE(off);
    expect(lk.subarray(off + 2, off + 2 + addrLen).toString()).toBe('127.0.0.1:7000');
    off += 2 + addrLen;
    expect(lk[off]).toBe(0); // no external id
    expect(off + 1).toBe(lk.length);

    // Resolve: [4B target][4B requester][64B sig] → [4B node][2B len][addr][2B lan][4B age]
    sock.write(binaryFrame(0x03, Buffer.concat([u32(1), u32(1), a.sign('resolve:1:1')])));
    const rs = await sock.readUnit();
    expect(rs[0]).toBe(0x83);
    expect(rs.readUInt32BE(1)).toBe(1);
    const len = rs.readUInt16BE(5);
    expect(rs.subarray(7, 7 + len).toString()).toBe('127.0.0.1:7000');
    expect(rs.readUInt16BE(7 + len)).toBe(0);
    expect(rs.readUInt32BE(9 + len)).toBe(0); // key registered today

    // Errors come back as [0xFF][2B len][text].
    sock.write(binaryFrame(0x02, u32(99)));
    const err = await sock.readUnit();
    expect(err[0]).toBe(0xff);
    expect(err.subarray(3, 3 + err.readUInt16BE(1)).toString()).toBe('node 99 not found');

    sock.write(binaryFrame(0x01, Buffer.concat([u32(1), Buffer.alloc(64)])));
    const badSig = await sock.readUnit();
    expect(badSig[0]).toBe(0xff);
    expect(badSig.subarray(3).toString()).toMatch(/signature/);

    // Binary resolve checks resolve:<requester>:<target> too: a signature over the swapped ids fails.
    sock.write(binaryFrame(0x03, Buffer.concat([u32(1), u32(1), a.sign('resolve:1:2')])));
    const badResolve = await sock.readUnit();
    expect(badResolve[0]).toBe(0xff);
    expect(badResolve.subarray(3).toString()).toMatch(/signature verification failed/);
    // And a heartbeat signed with the right key over the wrong node id.
    sock.write(binaryFrame(0x01, Buffer.concat([u32(1), a.sign('heartbeat:2')])));
    expect((await sock.readUnit())[0]).toBe(0xff);
    // The connection is still usable afterwards.
    sock.write(binaryFrame(0x01, Buffer.concat([u32(1), a.sign('heartbeat:1')])));
    expect((await sock.readUnit())[0]).toBe(0x81);
  });
});
