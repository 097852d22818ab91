import querystring from 'node:querystring';
import type { ContainerRef } from '../../../domain/cluster/pod.js';
import { DomainError } from '../../../domain/errors.js';

/**
 * kube-apiserver serves HTTP/1.1 with Go's net/http and `MaxHeaderBytes: 1 << 20`
 * (the kubelet too): a request line and headers longer than that (Go reads
 * 4096 bytes of slack) are answered 431 Request Header Fields Too Large, and
 * the same request is refused again. An exec's command travels in that
 * request line, one percent-encoded `command=` query parameter per argument.
 */
export const API_SERVER_MAX_HEADER_BYTES = 1 << 20;

/** The path and query of the exec request, exactly as client-node's `Exec` writes it. */
export function execRequestPath(target: ContainerRef, command: readonly string[]): string {
  const query = querystring.stringify({
    stdout: true,
    stderr: true,
    stdin: false,
    tty: false,
    command: [...command],
    container: target.container,
  });
  return `/api/v1/namespaces/${target.namespace}/pods/${target.name}/exec?${query}`;
}

/**
 * Whether the exec fits, judged strictly: its URL alone within 1 MiB (the
 * real limit leaves another 4096 bytes for the URL and the headers).
 */
export function execRequestFits(target: ContainerRef, command: readonly string[]): boolean {
  return Buffer.byteLength(execRequestPath(target, command)) <= API_SERVER_MAX_HEADER_BYTES;
}

/** What messages call an exec: only the command's program, as arguments may carry keys. */
export function describeExec(target: ContainerRef, command: readonly string[]): string {
  return `${command[0] ?? '(empty command)'} in container ${target.container} of pod ${target.namespace}/${target.name}`;
}

/** The refusal of an exec whose request is too large: it names the size, the limit, and says a retry cannot help. */
export function execRequestTooLarge(target: ContainerRef, command: readonly string[]): DomainError {
  const what = describeExec(target, command);
  const bytes = Buffer.byteLength(execRequestPath(target, command));
  return new DomainError(
    'Invalid',
    `exec of ${what} was refused with 431 Request Header Fields Too Large: its ${command.length} arguments make a request URL of ${bytes} bytes, ` +
      `and the API server reads at most ${API_SERVER_MAX_HEADER_BYTES} bytes (1 MiB, plus 4096 of slack) of request line and headers`,
    {
      retryable: false,
      details: {
        reason: 'RequestTooLarge',
        statusCode: 431,
        requestBytes: bytes,
        limitBytes: API_SERVER_MAX_HEADER_BYTES,
      },
    },
  );
}
