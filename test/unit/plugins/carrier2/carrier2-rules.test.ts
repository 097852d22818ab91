import { describe, expect, it } from 'vitest';
import type { RequestRules } from '../../../../src/domain/routes/request-rules.js';
import { carrier2Rules } from '../../../../src/plugins/carrier2/carrier2-rules.js';

type WrittenRules = ReturnType<typeof carrier2Rules>;

/** A regex as Rust's `regex` crate reads it: a leading `(?i)` makes it case-insensitive. */
const rustRegex = (pattern: string): RegExp =>
  pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);

/**
 * carrier2 2.5.4's matching, on the rules as written into its configuration:
 * it compares each rule's name with the lowercased names HTTP/1 parsing gives it.
 */
function carrier2Hits(written: WrittenRules, pathAndQuery: string, headers: Record<string, string>): boolean {
  const received = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value] as const);
  return written.some((rule) =>
    rule.match.every((match) => {
      if ('matchPath' in match) {
        const { path, type } = match.matchPath;
        if (type === 'exact') return pathAndQuery === path;
        return type === 'prefix' ? pathAndQuery.startsWith(path) : rustRegex(path).test(pathAndQuery);
      }
      const { name, value, type } = match.matchHeader;
      return received.some(([receivedName, receivedValue]) => {
        if (type === 'regex') return rustRegex(name).test(receivedName) && rustRegex(value).test(receivedValue);
        if (receivedName !== name) return false;
        return type === 'exact' ? receivedValue === value : receivedValue.startsWith(value);
      });
    }),
  );
}

describe('carrier2Rules', () => {
  const rules: RequestRules = [
    [
      { on: 'header', name: 'X-Gefyra-User', value: 'Alice', type: 'exact' },
      { on: 'path', path: '/API', type: 'prefix' },
    ],
    [{ on: 'header', name: '^X-Team', value: 'core', type: 'regex' }],
  ];

  it('writes names lowercased (a regex made case-insensitive) and keeps values and paths as written', () => {
    expect(carrier2Rules(rules)).toEqual([
      {
        match: [
          { matchHeader: { name: 'x-gefyra-user', value: 'Alice', type: 'exact' } },
          { matchPath: { path: '/API', type: 'prefix' } },
        ],
      },
      { match: [{ matchHeader: { name: '(?i)^X-Team', value: 'core', type: 'regex' } }] },
    ]);
  });

  it('so that carrier2, comparing lowercased names, hits what the rules mean', () => {
    const written = carrier2Rules(rules);
    expect(carrier2Hits(written, '/API/orders', { 'X-Gefyra-User': 'Alice' })).toBe(true);
    expect(carrier2Hits(written, '/', { 'X-TEAM': 'core' })).toBe(true);
    expect(carrier2Hits(written, '/API/orders', { 'X-Gefyra-User': 'alice' })).toBe(false);
    // Written as the client gave them, carrier2 2.5.4 never hits the first rule.
    const asGiven: WrittenRules = [
      { match: [{ matchHeader: { name: 'X-Gefyra-User', value: 'Alice', type: 'exact' } }] },
    ];
    expect(carrier2Hits(asGiven, '/', { 'X-Gefyra-User': 'Alice' })).toBe(false);
  });
});
