import type { RequestRules, HeaderMatch, Match, PathMatch, Rule } from '../../../../domain/routes/request-rules.js';

/** What a rule looks at: the path with its query string, and the headers as they arrived (names in any case). */
export interface RoutedRequest {
  readonly pathAndQuery: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
}

/**
 * carrier2's matching (contract §4), with one deliberate difference: header
 * names compare case-insensitively, as HTTP defines them. carrier2 2.5.4
 * compares a rule's name with the lowercased name it received, so a rule
 * written `X-Gefyra-User` never matched; the operator writes names so that
 * carrier2 matches them this way too (carrier2Rules).
 */
export function rulesHit(rules: RequestRules, request: RoutedRequest): boolean {
  return rules.some((rule) => ruleHits(rule, request));
}

export function ruleHits(rule: Rule, request: RoutedRequest): boolean {
  return rule.every((match) => matchHits(match, request));
}

/** The first of the bridges, in the order given, whose rules hit; undefined: the cluster upstream answers. */
export function routeOf<Bridge extends { readonly rules: RequestRules }>(
  bridges: readonly Bridge[],
  request: RoutedRequest,
): Bridge | undefined {
  return bridges.find((bridge) => rulesHit(bridge.rules, request));
}

export function matchHits(match: Match, request: RoutedRequest): boolean {
  return match.on === 'path'
    ? pathHits(match, request.pathAndQuery)
    : request.headers.some(([name, value]) => headerHits(match, name, value));
}

function pathHits(match: PathMatch, pathAndQuery: string): boolean {
  switch (match.type) {
    case 'exact':
      return pathAndQuery === match.path;
    case 'prefix':
      return pathAndQuery.startsWith(match.path);
    case 'regex':
      return new RegExp(match.path).test(pathAndQuery);
  }
}

/** A header rule's type applies to the value; the name compares exactly (ignoring case) unless the rule is a regex. */
function headerHits(match: HeaderMatch, name: string, value: string): boolean {
  switch (match.type) {
    case 'exact':
      return sameHeaderName(match.name, name) && value === match.value;
    case 'prefix':
      return sameHeaderName(match.name, name) && value.startsWith(match.value);
    case 'regex':
      return new RegExp(match.name, 'i').test(name) && new RegExp(match.value).test(value);
  }
}

export const sameHeaderName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
