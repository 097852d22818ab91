import type { ResolutionContext } from 'inversify';
import type { Token } from '../tokens.js';

/** `context.get` with the port type a token carries, so call sites need no casts. */
export const resolve = <T>(context: Pick<ResolutionContext, 'get'>, token: Token<T>): T => context.get<T>(token);

/** Every binding of a token that several plugins may bind (the carriers), in the order they were loaded. */
export const resolveAll = <T>(context: Pick<ResolutionContext, 'getAll'>, token: Token<T>): T[] =>
  context.getAll<T>(token);
