import { describe, expect, it } from 'vitest';
import type { RequestRules, Match } from '../../../../../../src/domain/routes/request-rules.js';
import { rulesHit } from '../../../../../../src/plugins/gefyra2/domain/bridge-rules/rule-matching.js';
import { overlapOf } from '../../../../../../src/plugins/gefyra2/domain/bridge-rules/rule-overlap.js';

const path = (type: Match['type'], value: string): Match => ({ on: 'path', path: value, type });
const header = (type: Match['type'], name: string, value: string): Match => ({ on: 'header', name, value, type });

describe('overlapOf(earlier, later)', () => {
  it.each<[string, RequestRules, RequestRules]>([
    ['the same rules', [[header('exact', 'x-user', 'alice')]], [[header('exact', 'x-user', 'alice')]]],
    [
      'the same rules, the name in another case',
      [[header('exact', 'x-user', 'alice')]],
      [[header('exact', 'X-User', 'alice')]],
    ],
    ['a narrower path under a prefix', [[path('prefix', '/api')]], [[path('exact', '/api/orders')]]],
    ['a longer prefix under a prefix', [[path('prefix', '/api')]], [[path('prefix', '/api/v2')]]],
    [
      'one more condition than the earlier',
      [[header('exact', 'x-user', 'alice')]],
      [[header('exact', 'x-user', 'alice'), path('prefix', '/api')]],
    ],
    [
      'an exact value the earlier prefix covers',
      [[header('prefix', 'x-user', 'al')]],
      [[header('exact', 'x-user', 'alice')]],
    ],
    ['an exact path the earlier regex hits', [[path('regex', '^/api/[0-9]+$')]], [[path('exact', '/api/42')]]],
    ['a catch-all rule before it', [[]], [[path('prefix', '/web')]]],
    [
      'every one of its rules covered',
      [[path('prefix', '/a')], [path('prefix', '/b')]],
      [[path('prefix', '/a/1')], [path('exact', '/b')]],
    ],
  ])('shadowed: %s (the later bridge would receive nothing)', (_, earlier, later) => {
    expect(overlapOf(earlier, later)).toEqual({ kind: 'shadowed' });
  });

  it.each<[string, RequestRules, RequestRules]>([
    ['a prefix above the earlier path', [[path('exact', '/api/orders')]], [[path('prefix', '/api')]]],
    ['a header rule and a path rule', [[header('exact', 'x-user', 'alice')]], [[path('prefix', '/api')]]],
    [
      'one of its rules covered, another not',
      [[path('prefix', '/a')]],
      [[path('prefix', '/a/1')], [path('prefix', '/c')]],
    ],
    [
      'a regex that the earlier value satisfies',
      [[header('exact', 'x-user', 'alice')]],
      [[header('regex', 'x-user', '^ali')]],
    ],
  ])('partial: %s, with a request that hits both', (_, earlier, later) => {
    const overlap = overlapOf(earlier, later);
    expect(overlap.kind).toBe('partial');
    if (overlap.kind !== 'partial') return;
    expect(rulesHit(earlier, overlap.example)).toBe(true);
    expect(rulesHit(later, overlap.example)).toBe(true);
  });

  it.each<[string, RequestRules, RequestRules]>([
    ['two developers by header', [[header('exact', 'x-user', 'alice')]], [[header('exact', 'x-user', 'bob')]]],
    ['different paths', [[path('prefix', '/api')]], [[path('prefix', '/web')]]],
    ['an exact path outside the earlier regex', [[path('regex', '^/api/[0-9]+$')]], [[path('exact', '/api/x')]]],
    [
      'same path, different users',
      [[header('exact', 'x-user', 'alice'), path('prefix', '/api')]],
      [[header('exact', 'x-user', 'bob'), path('prefix', '/api')]],
    ],
  ])('none: %s', (_, earlier, later) => {
    expect(overlapOf(earlier, later)).toEqual({ kind: 'none' });
  });

  it('is not symmetric: a wider later bridge only overlaps, a narrower one is shadowed', () => {
    const wide: RequestRules = [[path('prefix', '/api')]];
    const narrow: RequestRules = [[path('prefix', '/api/v2')]];
    expect(overlapOf(wide, narrow).kind).toBe('shadowed');
    expect(overlapOf(narrow, wide).kind).toBe('partial');
  });
});
