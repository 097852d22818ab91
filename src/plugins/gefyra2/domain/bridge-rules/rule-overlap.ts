import type { RequestRules, HeaderMatch, Match, PathMatch, Rule } from '../../../../domain/routes/request-rules.js';
import { ruleHits, sameHeaderName, type RoutedRequest } from './rule-matching.js';

/**
 * How a later bridge's rules meet an earlier bridge's on one mount, where
 * the earlier one is tried first:
 * - `shadowed`: every request the later rules hit, the earlier ones hit too,
 *   so the later bridge would never receive a request;
 * - `partial`: some requests hit both (one is given), and go to the earlier;
 * - `none`: no request was found that hits both. Rules compared by regex are
 *   only related where a concrete path or header of the other rule decides it,
 *   so two regexes that happen to overlap read as `none`.
 * A request is taken to carry each header once.
 */
export type Overlap =
  | { readonly kind: 'shadowed' }
  | { readonly kind: 'partial'; readonly example: RoutedRequest }
  | { readonly kind: 'none' };

export function overlapOf(earlier: RequestRules, later: RequestRules): Overlap {
  if (later.every((laterRule) => earlier.some((earlierRule) => ruleImplies(laterRule, earlierRule)))) {
    return { kind: 'shadowed' };
  }
  for (const earlierRule of earlier) {
    for (const laterRule of later) {
      const example = candidateRequests([...earlierRule, ...laterRule]).find(
        (request) => ruleHits(earlierRule, request) && ruleHits(laterRule, request),
      );
      if (example !== undefined) return { kind: 'partial', example };
    }
  }
  return { kind: 'none' };
}

/** Whether every request `rule` hits is hit by `wider` too: each of wider's matches follows from one of rule's. */
function ruleImplies(rule: Rule, wider: Rule): boolean {
  return wider.every((needed) => rule.some((given) => matchImplies(given, needed)));
}

function matchImplies(given: Match, needed: Match): boolean {
  if (given.on === 'path' && needed.on === 'path') return pathImplies(given, needed);
  if (given.on === 'header' && needed.on === 'header') return headerImplies(given, needed);
  return false;
}

function pathImplies(given: PathMatch, needed: PathMatch): boolean {
  switch (needed.type) {
    case 'exact':
      return given.type === 'exact' && given.path === needed.path;
    case 'prefix':
      return given.type !== 'regex' && given.path.startsWith(needed.path);
    case 'regex':
      return given.type === 'exact' ? new RegExp(needed.path).test(given.path) : samePattern(given, needed);
  }
}

function headerImplies(given: HeaderMatch, needed: HeaderMatch): boolean {
  switch (needed.type) {
    case 'exact':
      return given.type === 'exact' && sameHeaderName(given.name, needed.name) && given.value === needed.value;
    case 'prefix':
      return given.type !== 'regex' && sameHeaderName(given.name, needed.name) && given.value.startsWith(needed.value);
    case 'regex':
      return given.type === 'exact'
        ? new RegExp(needed.name, 'i').test(given.name) && new RegExp(needed.value).test(given.value)
        : given.type === 'regex' && given.name === needed.name && given.value === needed.value;
  }
}

const samePattern = (given: PathMatch, needed: PathMatch): boolean =>
  given.type === 'regex' && given.path === needed.path;

/** At most this many requests are tried per pair of rules; rules are a handful of matches. */
const MAX_CANDIDATES = 256;

/**
 * Requests built from the concrete strings the matches name (exact values and
 * prefixes): one path, and one value for each header name.
 */
function candidateRequests(matches: readonly Match[]): RoutedRequest[] {
  const paths = unique(matches.flatMap((match) => (match.on === 'path' && match.type !== 'regex' ? [match.path] : [])));
  const valuesByName = new Map<string, string[]>();
  for (const match of matches) {
    if (match.on !== 'header' || match.type === 'regex') continue;
    const name = match.name.toLowerCase();
    valuesByName.set(name, unique([...(valuesByName.get(name) ?? []), match.value]));
  }
  let requests: RoutedRequest[] = (paths.length > 0 ? paths : ['/']).map((pathAndQuery) => ({
    pathAndQuery,
    headers: [],
  }));
  for (const [name, values] of valuesByName) {
    requests = requests
      .flatMap((request) =>
        values.map((value) => ({ ...request, headers: [...request.headers, [name, value] as const] })),
      )
      .slice(0, MAX_CANDIDATES);
  }
  return requests;
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];
