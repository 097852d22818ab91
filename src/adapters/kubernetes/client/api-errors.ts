import { DomainError } from '../../../domain/errors.js';

/**
 * The one place that turns Kubernetes API failures (HTTP status codes with a
 * `Status` body, transport errors) into DomainErrors. Messages name what was
 * attempted and where, so that an operator log line says what to fix; they
 * never carry request bodies, headers or tokens, and Secret validation
 * messages have their echoed values removed.
 */
export interface RequestAction {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete. */
  readonly verb: string;
  /** Plural resource, qualified by group for non-core kinds: `pods`, `interceptrequests.gefyra.dev`. */
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** The fields of a `Status` body we read; everything optional, bodies are untrusted. */
interface StatusBody {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly retryAfterSeconds?: number;
    readonly causes?: readonly { readonly field?: string; readonly message?: string; readonly reason?: string }[];
  };
}

function describeAction(action: RequestAction): string {
  const resource = action.subresource === undefined ? action.resource : `${action.resource}/${action.subresource}`;
  const name = action.name === undefined ? '' : ` "${action.name}"`;
  const where = action.namespace === undefined ? '' : ` in namespace ${action.namespace}`;
  return `${resource}${name}${where}`;
}

/** A non-2xx response from the API server. `body` is the raw response text. */
export function statusError(code: number, body: string, action: RequestAction, server: string): DomainError {
  const status = parseStatus(body);
  const serverMessage = redact(status.message ?? (body.trim().slice(0, 300) || `HTTP ${code}`), action);
  const details = {
    statusCode: code,
    verb: action.verb,
    resource: action.resource,
    ...(action.subresource === undefined ? {} : { subresource: action.subresource }),
    ...(action.namespace === undefined ? {} : { namespace: action.namespace }),
    ...(action.name === undefined ? {} : { name: action.name }),
    // Not `reason`: the domain reads `details.reason` as its own stable reason (boot problems).
    ...(status.reason === undefined ? {} : { statusReason: status.reason }),
  };
  const what = describeAction(action);
  switch (code) {
    case 400:
      return new DomainError('Invalid', `the API server rejected ${action.verb} ${what}: ${serverMessage}`, {
        details,
      });
    case 401:
      // Retryable: projected ServiceAccount tokens rotate, and client-node re-reads them.
      return new DomainError(
        'Forbidden',
        `the API server at ${server} did not accept the operator's credentials ` +
          `(401 Unauthorized) for ${action.verb} ${what}: ` +
          `the token or client certificate is missing, expired or revoked`,
        { details, retryable: true },
      );
    case 403:
      return new DomainError('Forbidden', forbiddenMessage(action, serverMessage), { details });
    case 404:
      return new DomainError('NotFound', serverMessage, { details });
    case 409:
      if (status.reason === 'AlreadyExists') return new DomainError('AlreadyExists', serverMessage, { details });
      return new DomainError(
        'Conflict',
        `${what} was changed concurrently; retry with a fresh read (${serverMessage})`,
        { details },
      );
    case 410:
      return new DomainError(
        'Conflict',
        `the resource version used to ${action.verb} ${what} has expired: ${serverMessage}`,
        { details },
      );
    case 422:
      return new DomainError('Invalid', invalidMessage(status, serverMessage, action), { details });
    case 431:
      // Retrying sends the same request: a name or selector too long to fit the request line and headers.
      return new DomainError(
        'Invalid',
        `the API server refused to ${action.verb} ${what} because the request's URL or headers are too large ` +
          `(431 Request Header Fields Too Large): ` +
          `a name or selector in it is too long`,
        { details, retryable: false },
      );
    case 429:
      return new DomainError(
        'Unavailable',
        `the API server at ${server} is throttling requests (429) to ${action.verb} ${what}: ${serverMessage}`,
        {
          details: {
            ...details,
            ...(status.details?.retryAfterSeconds === undefined
              ? {}
              : { retryAfterSeconds: status.details.retryAfterSeconds }),
          },
        },
      );
    case 504:
      return new DomainError(
        'Timeout',
        `the API server at ${server} timed out trying to ${action.verb} ${what}: ${serverMessage}`,
        { details },
      );
    default:
      if (code >= 500) {
        return new DomainError(
          'Unavailable',
          `the API server at ${server} failed to ${action.verb} ${what} (${code}): ${serverMessage}`,
          { details },
        );
      }
      return new DomainError(
        'Internal',
        `unexpected answer ${code} from the API server at ${server} to ${action.verb} ${what}: ${serverMessage}`,
        {
          details,
          retryable: false,
        },
      );
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A failure before any HTTP answer: refused or reset connections, DNS,
 * timeouts, TLS. Aborts become Aborted (or Timeout when the signal's reason
 * is a TimeoutError). The original error is not kept as `cause`: client
 * errors can hold the request with its Authorization header.
 */
export function transportError(
  error: unknown,
  action: RequestAction,
  server: string,
  signal?: AbortSignal,
): DomainError {
  if (signal?.aborted === true) return abortError(signal);
  const code = errorCode(error);
  const reason = errorText(error);
  const details = { verb: action.verb, resource: action.resource, ...(code === undefined ? {} : { code }) };
  if (code !== undefined && TLS_CODES.has(code)) {
    return new DomainError(
      'Unavailable',
      `the TLS certificate of the API server at ${server} was not accepted (${code}): check the cluster's certificate-authority in the kubeconfig`,
      { details, retryable: false },
    );
  }
  return new DomainError(
    'Unavailable',
    `cannot reach the Kubernetes API server at ${server} to ${action.verb} ${describeAction(action)}: ${reason}`,
    {
      details,
    },
  );
}

/** The DomainError for an aborted signal: Timeout when it was a timeout signal, Aborted otherwise. */
export function abortError(signal: AbortSignal): DomainError {
  const reason: unknown = signal.reason;
  if (reason instanceof DomainError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new DomainError('Timeout', `operation timed out: ${reason.message}`);
  return new DomainError('Aborted', 'operation aborted');
}

function forbiddenMessage(action: RequestAction, serverMessage: string): string {
  // RBAC denials read `User "x" cannot <verb> resource "<r>" ...`; other 403s
  // (a terminating namespace, an admission plugin) are not about permissions.
  if (!/ cannot [a-z]+ resource /.test(serverMessage))
    return `${action.verb} ${describeAction(action)} is forbidden: ${serverMessage}`;
  return rbacDeniedMessage(action, serverMessage);
}

/** "the operator may not patch pods in namespace shop: ...": what to grant, and where. */
export function rbacDeniedMessage(action: RequestAction, serverMessage: string): string {
  const resource = action.subresource === undefined ? action.resource : `${action.resource}/${action.subresource}`;
  const scope = action.namespace === undefined ? 'at cluster scope' : `in namespace ${action.namespace}`;
  return (
    `the operator may not ${action.verb} ${resource} ${scope}: ${serverMessage}; ` +
    `grant it in the operator's RBAC (a Role or ClusterRole bound to its ServiceAccount)`
  );
}

function invalidMessage(status: StatusBody, serverMessage: string, action: RequestAction): string {
  if (status.message !== undefined) return serverMessage;
  const causes = (status.details?.causes ?? []).map(
    (cause) => `${cause.field ?? '?'}: ${cause.message ?? cause.reason ?? 'invalid'}`,
  );
  return redact(`${describeAction(action)} is invalid: ${causes.join('; ') || 'no details given'}`, action);
}

/** Validation messages echo values (`Invalid value: "..."`); for Secrets those may be secret. */
function redact(message: string, action: RequestAction): string {
  if (action.resource !== 'secrets') return message;
  return message.replace(/Invalid value: "(?:[^"\\]|\\.)*"/g, 'Invalid value: <redacted>');
}

function parseStatus(body: string): StatusBody {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : {};
  } catch {
    return {};
  }
}

/** The errno-style code of an error or of its cause (undici wraps them: `fetch failed` → cause.code). */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string') return current.code;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (!parts.includes(current.message)) parts.push(current.message);
    current = current.cause;
  }
  return parts.length === 0 ? String(error) : parts.join(': ');
}
