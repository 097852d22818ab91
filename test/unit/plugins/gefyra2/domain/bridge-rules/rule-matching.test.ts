import { describe, expect, it } from 'vitest';
import type { RequestRules, Match } from '../../../../../../src/domain/routes/request-rules.js';
import {
  matchHits,
  routeOf,
  rulesHit,
  type RoutedRequest,
} from '../../../../../../src/plugins/gefyra2/domain/bridge-rules/rule-matching.js';

const request = (pathAndQuery: string, headers: Record<string, string> = {}): RoutedRequest => ({
  pathAndQuery,
  headers: Object.entries(headers),
});
const path = (type: Match['type'], value: string): Match => ({ on: 'path', path: value, type });
const header = (type: Match['type'], name: string, value: string): Match => ({ on: 'header', name, value, type });

describe('path matches compare the path with its query string (contract §4 "Matching")', () => {
  it.each([
    [path('exact', '/orders'), '/orders', true],
    [path('exact', '/orders'), '/orders/1', false],
    [path('exact', '/orders'), '/orders?page=2', false],
    [path('prefix', '/orders'), '/orders?page=2', true],
    [path('prefix', '/orders'), '/ordersx', true],
    [path('prefix', '/orders'), '/other', false],
    [path('regex', '^/[a-z]{2,}/alice'), '/api/alice', true],
    [path('regex', '^/[a-z]{2,}/alice'), '/a/alice', false],
    // Unanchored: a regex may look at the query string.
    [path('regex', 'user=alice'), '/search?user=alice', true],
    [path('regex', 'user=alice'), '/search?user=bob', false],
  ])('%j on %s: %s', (match, pathAndQuery, hits) => {
    expect(matchHits(match, request(pathAndQuery))).toBe(hits);
  });
});

describe('header matches try every header', () => {
  it.each([
    [header('exact', 'x-gefyra', 'alice'), { 'x-gefyra': 'alice' }, true],
    [header('exact', 'x-gefyra', 'alice'), { 'x-gefyra': 'alice2' }, false],
    [header('exact', 'x-gefyra', 'alice'), { 'x-other': 'alice' }, false],
    [header('prefix', 'x-gefyra', 'alice'), { 'x-gefyra': 'alice-2' }, true],
    [header('prefix', 'x-gefyra', 'alice'), { 'x-gefyra-2': 'alice' }, false],
    [header('regex', 'x-gefyra-[a-z0-9]*', 'alice[1-9]{0,2}$'), { 'x-gefyra-from': 'alice12' }, true],
    [header('regex', 'x-gefyra-[a-z0-9]*', 'alice[1-9]{0,2}$'), { 'x-gefyra-from': 'alice123' }, false],
    [header('exact', 'x-gefyra', 'alice'), { accept: '*/*', 'x-gefyra': 'alice' }, true],
  ])('%j on %j: %s', (match, headers, hits) => {
    expect(matchHits(match, request('/', headers))).toBe(hits);
  });

  it('compares header names ignoring case, unlike carrier2 2.5.4 which never matched `X-Gefyra-User`', () => {
    expect(matchHits(header('exact', 'X-Gefyra-User', 'alice'), request('/', { 'x-gefyra-user': 'alice' }))).toBe(true);
    expect(matchHits(header('prefix', 'x-gefyra-user', 'al'), request('/', { 'X-GEFYRA-USER': 'alice' }))).toBe(true);
    expect(matchHits(header('regex', '^X-Gefyra', 'alice'), request('/', { 'x-gefyra-user': 'alice' }))).toBe(true);
    // Values keep their case.
    expect(matchHits(header('exact', 'x-gefyra-user', 'Alice'), request('/', { 'x-gefyra-user': 'alice' }))).toBe(
      false,
    );
  });
});

describe('rules: OR of rules, AND of the matches in one', () => {
  const rules: RequestRules = [
    [header('exact', 'x-gefyra', 'jon'), path('exact', '/mine')],
    [path('prefix', '/always')],
  ];

  it.each([
    [request('/mine', { 'x-gefyra': 'jon' }), true],
    [request('/mine'), false],
    [request('/other', { 'x-gefyra': 'jon' }), false],
    [request('/always/here'), true],
    [request('/never', { 'x-gefyra': 'balu' }), false],
  ])('%j: %s', (routed, hits) => {
    expect(rulesHit(rules, routed)).toBe(hits);
  });

  it('an empty rule hits every request; no rules hit none', () => {
    expect(rulesHit([[]], request('/anything'))).toBe(true);
    expect(rulesHit([], request('/anything'))).toBe(false);
  });
});

describe('routeOf', () => {
  const alice = { name: 'alice', rules: [[header('exact', 'x-user', 'alice')]] };
  const everyoneOnApi = { name: 'api', rules: [[path('prefix', '/api')]] };

  it('gives a request to the first bridge whose rules hit, in the order given', () => {
    expect(routeOf([alice, everyoneOnApi], request('/api', { 'x-user': 'alice' }))?.name).toBe('alice');
    expect(routeOf([everyoneOnApi, alice], request('/api', { 'x-user': 'alice' }))?.name).toBe('api');
    expect(routeOf([alice, everyoneOnApi], request('/api'))?.name).toBe('api');
  });

  it('leaves a request no bridge wants to the cluster upstream', () => {
    expect(routeOf([alice, everyoneOnApi], request('/web'))).toBeUndefined();
  });
});
