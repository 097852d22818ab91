import { isRecord } from '../../../../domain/json-reading.js';
import { MATCH_TYPES, type Match, type MatchType, type RequestRules } from '../../../../domain/routes/request-rules.js';

/**
 * A GefyraBridge's routing rules (contract §2, §4 "Matching") as carrier2
 * reads them from `providerParameter.rules`.
 */
export type ParsedRules =
  { readonly ok: true; readonly rules: RequestRules } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads `providerParameter.rules` strictly: what carrier2 2.5.4 would panic
 * on (a `matchPath` without `type`, an unknown type, a regex it cannot
 * compile) is refused here, before it reaches a pod, with the rule it is in.
 */
export function parseBridgeRules(providerParameter: unknown): ParsedRules {
  const wire = isRecord(providerParameter) ? providerParameter['rules'] : undefined;
  if (!Array.isArray(wire) || wire.length === 0) {
    return {
      ok: false,
      problems: ['providerParameter.rules must list at least one rule (a bridge without rules receives nothing)'],
    };
  }
  const problems: string[] = [];
  const rules = wire.map((rule, ruleIndex) => {
    const where = `rules[${ruleIndex}]`;
    const matches = isRecord(rule) ? rule['match'] : undefined;
    if (!Array.isArray(matches)) {
      problems.push(`${where}: needs a 'match' list`);
      return [];
    }
    return matches.flatMap((match, matchIndex) => {
      const parsed = parseMatch(match, `${where}.match[${matchIndex}]`);
      if (typeof parsed === 'string') {
        problems.push(parsed);
        return [];
      }
      return [parsed];
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

function parseMatch(match: unknown, where: string): Match | string {
  const keys = isRecord(match) ? Object.keys(match) : [];
  if (!isRecord(match) || keys.length !== 1 || !['matchHeader', 'matchPath'].includes(keys[0]!)) {
    return `${where}: must be exactly one of {matchHeader: {name, value, type}} or {matchPath: {path, type}}`;
  }
  const body = match[keys[0]!];
  if (!isRecord(body)) return `${where}.${keys[0]}: must be an object`;
  if (keys[0] === 'matchHeader') {
    const { name, value } = body;
    // carrier2 defaults a header match's type to exact.
    const type = body['type'] ?? 'exact';
    if (typeof name !== 'string' || name === '') return `${where}.matchHeader.name: must be a non-empty string`;
    if (typeof value !== 'string') return `${where}.matchHeader.value: must be a string`;
    if (!isMatchType(type)) return `${where}.matchHeader.type: must be one of ${MATCH_TYPES.join(', ')}`;
    const regexProblem = type === 'regex' ? (regexProblemOf(name) ?? regexProblemOf(value)) : undefined;
    if (regexProblem !== undefined) return `${where}.matchHeader: ${regexProblem}`;
    return { on: 'header', name, value, type };
  }
  const { path, type } = body;
  if (typeof path !== 'string') return `${where}.matchPath.path: must be a string`;
  // carrier2 requires a path match's type: without one its configuration does not load.
  if (!isMatchType(type)) return `${where}.matchPath.type: must be one of ${MATCH_TYPES.join(', ')}`;
  const regexProblem = type === 'regex' ? regexProblemOf(path) : undefined;
  if (regexProblem !== undefined) return `${where}.matchPath: ${regexProblem}`;
  return { on: 'path', path, type };
}

/**
 * Why carrier2 (Rust's `regex` crate) could not compile a pattern: a syntax
 * error, or lookaround and backreferences, which that crate does not have
 * (carrier2 compiles rules per request and panics on one it cannot).
 */
function regexProblemOf(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern))
    return `regex ${JSON.stringify(pattern)} uses lookaround, which carrier2 does not support`;
  if (/\\[1-9]|\\k</.test(pattern)) {
    return `regex ${JSON.stringify(pattern)} uses a backreference, which carrier2 does not support`;
  }
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return `regex ${JSON.stringify(pattern)} does not compile (${error instanceof Error ? error.message : String(error)})`;
  }
}

const isMatchType = (value: unknown): value is MatchType => MATCH_TYPES.includes(value as MatchType);
