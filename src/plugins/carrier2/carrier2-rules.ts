import type { RequestRules, Match } from '../../domain/routes/request-rules.js';

/** One rule as carrier2's configuration spells it. */
export interface Carrier2Rule {
  readonly match: readonly (
    | { readonly matchHeader: { readonly name: string; readonly value: string; readonly type: string } }
    | { readonly matchPath: { readonly path: string; readonly type: string } }
  )[];
}

/**
 * The rules as written into carrier2's configuration. carrier2 compares a
 * header rule's name with the name it received, which HTTP/1 parsing has
 * lowercased: names are written lowercased, and a name given as a regex is
 * made case-insensitive, so that a rule matches whatever case it was
 * written in (rule-matching.ts).
 */
export function carrier2Rules(rules: RequestRules): Carrier2Rule[] {
  return rules.map((rule) => ({ match: rule.map(carrier2Match) }));
}

function carrier2Match(match: Match): Carrier2Rule['match'][number] {
  if (match.on === 'path') return { matchPath: { path: match.path, type: match.type } };
  const name = match.type === 'regex' ? `(?i)${match.name}` : match.name.toLowerCase();
  return { matchHeader: { name, value: match.value, type: match.type } };
}
