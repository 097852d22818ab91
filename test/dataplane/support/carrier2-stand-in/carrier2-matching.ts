/**
 * carrier2 2.5.4's request matching (`carrier2/src/lib.rs`, `main.rs`
 * `upstream_peer`), reproduced as it is, not as the operator means it:
 * header names are compared with `==` against the names pingora hands over,
 * which HTTP/1 parsing has lowercased; a regex name is matched against that
 * lowercased name. A rule written `X-Gefyra-User` with `exact` therefore never
 * hits, as in 2.5.4. Regexes are compiled when a request reaches them (a bad
 * one panics that request's task, not the start), and a header value that is
 * not visible ASCII panics as `to_str().unwrap()` does.
 */
export type Carrier2MatchType = 'exact' | 'prefix' | 'regex';

export interface Carrier2PathMatch {
  readonly kind: 'matchPath';
  readonly path: string;
  readonly type: Carrier2MatchType;
}

export interface Carrier2HeaderMatch {
  readonly kind: 'matchHeader';
  readonly name: string;
  readonly value: string;
  readonly type: Carrier2MatchType;
}

export type Carrier2Match = Carrier2PathMatch | Carrier2HeaderMatch;

/** `rules`: OR over the rules, AND over each rule's `match` list. */
export type Carrier2Rules = readonly (readonly Carrier2Match[])[];

/** A request as pingora's `RequestHeader` shows it to carrier2: the path with its query, header names lowercased. */
export interface Carrier2Request {
  readonly pathAndQuery: string;
  readonly headers: readonly (readonly [lowercasedName: string, value: string])[];
}

/** What carrier2 does where Rust's `unwrap()` fails while matching: the request's task panics. */
export class Carrier2RequestPanic extends Error {}

/** `MatchOrCondition::is_hit`: any rule hits (an empty list never does). */
export function carrier2RulesHit(rules: Carrier2Rules, request: Carrier2Request): boolean {
  return rules.some((rule) => rule.every((match) => matchHits(match, request)));
}

function matchHits(match: Carrier2Match, request: Carrier2Request): boolean {
  if (match.kind === 'matchPath') return pathHits(match, request.pathAndQuery);
  // `header_hit || is_hit(name, value.to_str().unwrap())`: once hit, later values are not even read.
  let hit = false;
  for (const [name, value] of request.headers) hit = hit || headerHits(match, name, visibleAscii(value));
  return hit;
}

function pathHits(match: Carrier2PathMatch, pathAndQuery: string): boolean {
  switch (match.type) {
    case 'prefix':
      return pathAndQuery.startsWith(match.path);
    case 'regex':
      return rustRegex(match.path).test(pathAndQuery);
    case 'exact':
      return match.path === pathAndQuery;
  }
}

function headerHits(match: Carrier2HeaderMatch, name: string, value: string): boolean {
  switch (match.type) {
    case 'prefix':
      return match.name === name && value.startsWith(match.value);
    case 'regex':
      return rustRegex(match.name).test(name) && rustRegex(match.value).test(value);
    case 'exact':
      return match.name === name && match.value === value;
  }
}

/** `HeaderValue::to_str`: only visible ASCII and tabs. */
function visibleAscii(value: string): string {
  if (!/^[\t\x20-\x7e]*$/.test(value))
    throw new Carrier2RequestPanic(
      `called \`Result::unwrap()\` on an \`Err\` value: ToStrError (header value ${value})`,
    );
  return value;
}

/**
 * `Regex::new(..).unwrap()` of Rust's regex crate as a JavaScript RegExp:
 * unanchored like `is_match`; leading inline flags (`(?i)`, which the
 * operator writes before header names) become the RegExp's flags. Syntax the
 * translation cannot carry (inline flags further in, `x`) is refused, so that
 * a test never silently matches differently from carrier2.
 */
export function rustRegex(pattern: string): RegExp {
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  const flags = leading?.[1] ?? '';
  const body = leading === null ? pattern : pattern.slice(leading[0].length);
  if (flags.includes('U') || /\(\?[a-zA-Z-]+[:)]/.test(body))
    throw new Error(`the carrier2 stand-in cannot translate the regex ${pattern} (inline flags inside it)`);
  try {
    return new RegExp(body, [...new Set(flags)].join(''));
  } catch (error) {
    throw new Carrier2RequestPanic(`called \`Result::unwrap()\` on an \`Err\` value: Syntax(${String(error)})`);
  }
}
