import type { ResolutionContext } from 'inversify';
import type { Token } from '../ports/tokens.js';

/** `context.get` with the port type a token carries, so call sites need no casts. */
export const resolve = <T>(context: Pick<ResolutionContext, 'get'>, token: Token<T>): T => context.get<T>(token);
