import { describe, expect, it } from 'vitest';
import { PortAllocator } from '../src/ports/index.js';
import { TransportError } from '../src/transport/index.js';

describe('PortAllocator', () => {
  it('hands out ephemeral ports round-robin from 49152', () => {
    const ports = new PortAllocator();
    expect([ports.allocate(), ports.allocate(), ports.allocate()]).toEqual([49152, 49153, 49154]);
    ports.release(49152);
    // Round-robin keeps going instead of reusing the port just freed.
    expect(ports.allocate()).toBe(49155);
  });

  it('skips ports in use and wraps around at the end of the range', () => {
    const ports = new PortAllocator({ min: 60000, max: 60002 });
    ports.bind(60001);
    expect(ports.allocate()).toBe(60000);
    expect(ports.allocate()).toBe(60002);
    ports.release(60000);
    expect(ports.allocate()).toBe(60000);
  });

  it('reports exhaustion with a stable code', () => {
    const ports = new PortAllocator({ min: 60000, max: 60001 });
    ports.allocate();
    ports.allocate();
    let err: unknown;
    try {
      ports.allocate();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('PORTS_EXHAUSTED');
  });

  it('counts users so a port frees only when the last one leaves', () => {
    const ports = new PortAllocator();
    ports.retain(1000);
    ports.retain(1000);
    ports.release(1000);
    expect(ports.inUse(1000)).toBe(true);
    ports.release(1000);
    expect(ports.inUse(1000)).toBe(false);
  });

  it('binds listening ports once and rejects port 0 and out-of-range ports', () => {
    const ports = new PortAllocator();
    ports.bind(7);
    expect(() => ports.bind(7)).toThrow(expect.objectContaining({ code: 'PORT_IN_USE' }));
    expect(() => ports.bind(0)).toThrow(expect.objectContaining({ code: 'INVALID_PORT' }));
    expect(() => ports.bind(65536)).toThrow(expect.objectContaining({ code: 'INVALID_PORT' }));
    expect(ports.listeningPorts()).toEqual([7]);
    ports.unbind(7);
    expect(ports.isListening(7)).toBe(false);
  });
});
