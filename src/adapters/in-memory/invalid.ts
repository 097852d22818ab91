import { DomainError } from '../../domain/errors.js';

/** A 422 from the API server: the request can never succeed as written. */
export const invalid = (what: string, field: string, message: string): DomainError =>
  new DomainError('Invalid', `${what} is invalid: ${field}: ${message}`, { details: { field } });
