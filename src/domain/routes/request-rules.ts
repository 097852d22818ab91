/**
 * Which requests a selective carrier sends to a route (carrier2's rules,
 * contract §4 "Matching"): the rules are OR'd, the matches of one rule
 * AND'd; a match compares the path (with its query string) or a request
 * header, `exact`, by `prefix` or by an unanchored `regex`.
 */
export const MATCH_TYPES = ['exact', 'prefix', 'regex'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

export interface HeaderMatch {
  readonly on: 'header';
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

export interface PathMatch {
  readonly on: 'path';
  readonly path: string;
  readonly type: MatchType;
}

export type Match = HeaderMatch | PathMatch;

/** Hits when every match hits; an empty rule hits every request. */
export type Rule = readonly Match[];

/** Hit when any rule hits. */
export type RequestRules = readonly Rule[];
