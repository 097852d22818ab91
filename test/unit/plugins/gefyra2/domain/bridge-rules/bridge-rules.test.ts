import { describe, expect, it } from 'vitest';
import { parseBridgeRules } from '../../../../../../src/plugins/gefyra2/domain/bridge-rules/bridge-rules.js';

// What `gefyra bridge create --match-header x-gefyra:alice --match-path-prefix /api` sends (client-reads.md):
// one rule whose `match` list flattens every CLI rule, each with its type.
const fromTheClient = {
  rules: [
    {
      match: [
        { matchHeader: { name: 'x-gefyra', value: 'alice', type: 'exact' } },
        { matchPath: { path: '/api', type: 'prefix' } },
      ],
    },
  ],
};

describe('parseBridgeRules', () => {
  it('reads the rules the 2.5 client writes', () => {
    expect(parseBridgeRules(fromTheClient)).toEqual({
      ok: true,
      rules: [
        [
          { on: 'header', name: 'x-gefyra', value: 'alice', type: 'exact' },
          { on: 'path', path: '/api', type: 'prefix' },
        ],
      ],
    });
  });

  it('defaults a header match to exact, as carrier2 does', () => {
    const parsed = parseBridgeRules({ rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'bob' } }] }] });
    expect(parsed).toEqual({ ok: true, rules: [[{ on: 'header', name: 'x-user', value: 'bob', type: 'exact' }]] });
  });

  it.each([
    [{}, 'at least one rule'],
    [{ rules: [] }, 'at least one rule'],
    [{ rules: [{}] }, "rules[0]: needs a 'match' list"],
    [{ rules: [{ match: [{ matchPath: { path: '/a' } }] }] }, 'rules[0].match[0].matchPath.type: must be one of'],
    [{ rules: [{ match: [{ matchPath: { path: '/a', type: 'glob' } }] }] }, 'must be one of exact, prefix, regex'],
    [{ rules: [{ match: [{ matchHeader: { value: 'x' } }] }] }, 'matchHeader.name: must be a non-empty string'],
    [{ rules: [{ match: [{ matchHeader: { name: 'x' } }] }] }, 'matchHeader.value: must be a string'],
    [{ rules: [{ match: [{ matchQuery: { q: 'x' } }] }] }, 'must be exactly one of'],
    [
      { rules: [{ match: [{ matchHeader: { name: 'a', value: 'b' }, matchPath: { path: '/', type: 'exact' } }] }] },
      'must be exactly one of',
    ],
    [{ rules: [{ match: [{ matchPath: { path: '/(a', type: 'regex' } }] }] }, 'does not compile'],
    [{ rules: [{ match: [{ matchPath: { path: '/(?!admin)', type: 'regex' } }] }] }, 'lookaround'],
    [{ rules: [{ match: [{ matchHeader: { name: 'x', value: '(a)\\1', type: 'regex' } }] }] }, 'backreference'],
  ])('refuses what carrier2 would not load or would panic on: %j', (providerParameter, problem) => {
    const parsed = parseBridgeRules(providerParameter);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems.join('\n')).toContain(problem);
  });

  it('reports every bad match at once, each with where it is', () => {
    const parsed = parseBridgeRules({
      rules: [{ match: [{ matchPath: { path: '/a' } }] }, { match: [{ matchHeader: { name: '', value: 'v' } }] }],
    });
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'rules[0].match[0].matchPath.type: must be one of exact, prefix, regex',
      'rules[1].match[0].matchHeader.name: must be a non-empty string',
    ]);
  });
});
