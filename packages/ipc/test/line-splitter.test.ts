import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/framing/line-splitter.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops blank and CR endings', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.from('{"a":'))).toEqual([]);
    expect(s.push(Buffer.from('1}\r\n\n{"b":2}\n{"c"'))).toEqual([
      { kind: 'line', line: '{"a":1}' },
      { kind: 'line', line: '{"b":2}' },
    ]);
    expect(s.push(Buffer.from(':3}\n'))).toEqual([{ kind: 'line', line: '{"c":3}' }]);
  });

  it('reports an over-long line once, skips it and keeps splitting', () => {
    const s = new LineSplitter(8);
    const events = [
      ...s.push(Buffer.from('x'.repeat(6))),
      ...s.push(Buffer.from('y'.repeat(20))),
      ...s.push(Buffer.from('z\nok\n')),
    ];
    expect(events).toEqual([
      { kind: 'overflow', bytes: 27 },
      { kind: 'line', line: 'ok' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const s = new LineSplitter(100);
    const bytes = Buffer.from('"é€"\n');
    expect([...s.push(bytes.subarray(0, 2)), ...s.push(bytes.subarray(2))]).toEqual([
      { kind: 'line', line: '"é€"' },
    ]);
  });
});
