/**
 * The operator's one error hierarchy. Every failure that crosses a port is a
 * `DomainError`: a stable machine-readable `kind`, whether retrying can help,
 * and a message a user can act on. Adapters translate their own failures (HTTP
 * status codes, exec exit codes) into these, so the domain never sees transport
 * details. Messages and details must never carry secret values.
 */
export type ErrorKind =
  | 'NotFound'
  | 'Conflict'
  | 'AlreadyExists'
  | 'Forbidden'
  | 'Invalid'
  | 'Unavailable'
  | 'Timeout'
  | 'ExecFailed'
  | 'NotReady'
  | 'Exhausted'
  | 'Aborted'
  | 'Internal';

export interface DomainErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'Conflict',
  'Unavailable',
  'Timeout',
  'NotReady',
]);

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(kind: ErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `${kind}Error`;
    this.kind = kind;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
    this.details = options.details ?? {};
  }
}

export const notFound = (what: string, options?: DomainErrorOptions): DomainError =>
  new DomainError('NotFound', `${what} not found`, options);

export const conflict = (what: string, options?: DomainErrorOptions): DomainError =>
  new DomainError('Conflict', `${what} was changed concurrently; retrying with a fresh read`, options);

export function isDomainError(error: unknown, kind?: ErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}

/** Wraps anything thrown into a DomainError, keeping DomainErrors as they are. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new DomainError('Aborted', 'operation aborted', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DomainError('Internal', message, { cause: error, retryable: true });
}

/** Throws if the signal is aborted, so long sequences stop between steps. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DomainError('Aborted', 'operation aborted', { cause: signal.reason });
}
