import { describe, expect, it } from 'vitest';
import { ExprError, compileExpr, goDurationSeconds, parseExpr } from '../src/index.js';
import type { ExprValue } from '../src/index.js';

const run = (src: string, vars: Record<string, ExprValue> = {}, now = 1_700_000_000_000): boolean =>
  compileExpr(src).evaluate(new Map(Object.entries(vars)), now);

describe('expression subset', () => {
  it('evaluates literals, comparisons, logic and precedence as Go expr does', () => {
    expect(run('true')).toBe(true);
    expect(run('1 + 2 * 3 == 7')).toBe(true);
    expect(run('(1 + 2) * 3 == 9')).toBe(true);
    expect(run('10 / 4 == 2.5')).toBe(true);
    expect(run('7 % 3 == 1')).toBe(true);
    expect(run('-2 * 3 == -6')).toBe(true);
    expect(run('not false and true')).toBe(true);
    expect(run('!true || 1 < 2')).toBe(true);
    expect(run('false or false')).toBe(false);
    expect(run('"abc" < "abd"')).toBe(true);
    expect(run('port > 1000 ? size < 10 : false', { port: 2000, size: 5 })).toBe(true);
    expect(run('0x10 == 16 && 1_000 == 1000 && 1e3 == 1000')).toBe(true);
  });

  it('supports in / not in, string operators and arrays', () => {
    expect(run('port in [80, 443, 8080]', { port: 443 })).toBe(true);
    expect(run('port not in [80, 443]', { port: 22 })).toBe(true);
    expect(run('"web" in peer_tags', { peer_tags: ['db', 'web'] })).toBe(true);
    expect(
      run('name contains "ob" and name startsWith "b" and name endsWith "b"', { name: 'bob' }),
    ).toBe(true);
    expect(run('[1, 2] == [1, 2] and [1] != [2]')).toBe(true);
    expect(run('\'single\' == "single" && "a\\n" == \'a\\n\'')).toBe(true);
  });

  it('has_tag, duration, since, len, lower, upper', () => {
    expect(run('has_tag(peer_tags, "gpu")', { peer_tags: ['gpu'] })).toBe(true);
    expect(run('has_tag(peer_tags, "gpu")', {})).toBe(false);
    expect(run('duration("1h30m") == 5400 and duration("500ms") == 0.5')).toBe(true);
    expect(run('since(1699999990) == 10')).toBe(true);
    expect(run('peer_age_s > duration("1m")', { peer_age_s: 61 })).toBe(true);
    expect(
      run('len(peer_tags) == 2 and len("abc") == 3 and len(nothing) == 0', {
        peer_tags: ['a', 'b'],
      }),
    ).toBe(true);
    expect(run('lower("AbC") == "abc" and upper("x") == "X"')).toBe(true);
    expect(goDurationSeconds('-1.5s')).toBe(-1.5);
    expect(goDurationSeconds('1d')).toBeUndefined();
  });

  it('treats unknown variables as zero values (nil)', () => {
    expect(run('unknown == nil')).toBe(true);
    expect(run('unknown + 1 == 1')).toBe(true);
    expect(run('unknown_list contains ""')).toBe(true);
    expect(run('not unknown_bool')).toBe(true);
    expect(run('"x" in unknown_list')).toBe(false);
    // Object prototype names are plain unknown variables, never properties.
    expect(run('constructor == nil and __proto__ == nil and toString == nil')).toBe(true);
  });

  it('raises typed errors at evaluation for type mismatches', () => {
    expect(() => run('port + "x" > 1', { port: 1 })).toThrow(ExprError);
    expect(() => run('1 / 0 == 1')).toThrow(/division by zero/);
    expect(() => run('port', { port: 1 })).toThrow(/must return a bool/);
    expect(() => run('"a" in "abc"')).toThrow(/needs an array/);
    expect(() => run('duration("forever") > 1')).toThrow(/invalid duration/);
  });

  it('rejects unsupported constructs at load time with their position', () => {
    const cases: [string, RegExp][] = [
      ['peer.tags == nil', /member access/],
      ['1..10 == nil', /ranges/],
      ['map(peer_tags, # + 1) == nil', /closures \(#\)/],
      ['map(peer_tags, true) == nil', /map\(\) builtin/],
      ['all(peer_tags, {# == "a"})', /closures \({\)/],
      ['peer_tags | len() > 0', /pipes/],
      ['name matches "a+"', /matches operator/],
      ['x ?? 1', /nil coalescing/],
      ['2 ** 8 > 1', /exponentiation/],
      ['let x = 1; x', /declarations|assignment/],
      ['exec("rm -rf /")', /unknown function exec\(\)/],
      ['has_tag(peer_tags)', /takes 2 argument/],
      ['1 +', /unexpected end/],
      ['(1 == 1', /expected "\)"/],
      ['"open', /unterminated string/],
      ['42', /must be a bool/],
      ['', /empty expression/],
      ['a @ b', /unexpected character/],
    ];
    for (const [src, message] of cases) {
      expect(() => compileExpr(src), src).toThrow(message);
    }
  });

  it('stops an evaluation that exceeds its step budget', () => {
    const big = Array.from({ length: 1_100_000 }, (_, i) => i);
    expect(() => run('"x" in big', { big })).toThrow(/budget/);
  });

  it('bounds expression size and nesting (no unbounded allocation)', () => {
    expect(() => parseExpr('x'.repeat(5000))).toThrow(/longer than 4096/);
    expect(() => parseExpr(`${'('.repeat(100)}true${')'.repeat(100)}`)).toThrow(/nested deeper/);
    expect(() => parseExpr(Array.from({ length: 700 }, () => '1').join(' + ') + ' > 0')).toThrow(
      /too large/,
    );
  });
});
