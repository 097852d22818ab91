import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { findContainer, findContainerStatus, type ContainerRef, type Pod } from '../../../domain/cluster/pod.js';
import { DomainError } from '../../../domain/errors.js';
import type { ExecApi, ExecResult, PodApi } from '../../../ports/cluster-api.port.js';
import { describeExec, execRequestTooLarge } from '../shapes/exec-request.js';
import { abortError, rbacDeniedMessage, statusError, transportError, type RequestAction } from './api-errors.js';

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

/** The socket client-node hands back; only closing it matters here. */
interface ExecSocket {
  close(): void;
  terminate(): void;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * ExecApi through client-node's `Exec` (WebSocket via the API server to the
 * kubelet). A non-zero exit is a result; failing to run the command at all is
 * a DomainError. When the upgrade is refused, the API server's answer is only
 * a status code, so the pod is read to say why (gone, no such container, not
 * running). Messages name only the command's program: arguments may carry keys.
 */
export class KubernetesExec implements ExecApi {
  readonly #kubeConfig: KubeConfig;
  readonly #pods: Pick<PodApi, 'findPod'>;
  readonly #timeoutMs: number;

  constructor(kubeConfig: KubeConfig, pods: Pick<PodApi, 'findPod'>, timeoutMs = DEFAULT_EXEC_TIMEOUT_MS) {
    this.#kubeConfig = kubeConfig;
    this.#pods = pods;
    this.#timeoutMs = timeoutMs;
  }

  async exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    if (signal.aborted) throw abortError(signal);
    const stdout = new Collector();
    const stderr = new Collector();
    const what = describeExec(target, command);
    return await new Promise<ExecResult>((resolve, reject) => {
      let socket: ExecSocket | undefined;
      let settled = false;
      // Abandoning a running command drops the connection at once; a close
      // handshake could wait for a peer that is busy or gone.
      let abandoned = false;
      const finish = (settle: () => void, abandon = false): void => {
        if (settled) return;
        settled = true;
        abandoned = abandon;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (abandon) socket?.terminate();
        else socket?.close();
        settle();
      };
      const onAbort = (): void => finish(() => reject(abortError(signal)), true);
      const timer = setTimeout(
        () =>
          finish(
            () => reject(new DomainError('Timeout', `exec of ${what} did not finish within ${this.#timeoutMs} ms`)),
            true,
          ),
        this.#timeoutMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });

      const onStatus = (status: V1Status): void =>
        finish(() => {
          try {
            resolve({ exitCode: exitCodeOf(status, what), stdout: stdout.text(), stderr: stderr.text() });
          } catch (error) {
            reject(error);
          }
        });
      new Exec(this.#kubeConfig)
        .exec(target.namespace, target.name, target.container, [...command], stdout, stderr, null, false, onStatus)
        .then(
          (opened) => {
            socket = opened;
            if (abandoned) opened.terminate();
            else if (settled) opened.close();
            opened.on('close', () =>
              finish(() =>
                reject(
                  new DomainError(
                    'Unavailable',
                    `the exec connection for ${what} closed before the command reported its exit status`,
                  ),
                ),
              ),
            );
          },
          (error: unknown) => {
            if (settled) return;
            this.#explainRefusal(error, target, command, what, signal).then(
              (explained) => finish(() => reject(explained)),
              (explained: unknown) => finish(() => reject(explained)),
            );
          },
        );
    });
  }

  /** Why the WebSocket upgrade failed, as precisely as the pod can tell. */
  async #explainRefusal(
    error: unknown,
    target: ContainerRef,
    command: readonly string[],
    what: string,
    signal: AbortSignal,
  ): Promise<DomainError> {
    const server = this.#kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
    const action: RequestAction = {
      verb: 'create',
      resource: 'pods',
      subresource: 'exec',
      namespace: target.namespace,
      name: target.name,
    };
    // The ErrorEvent holds the upgrade request with its Authorization header:
    // only its message and code travel on.
    const { message, code } = describeSocketError(error);
    const httpStatus = /Unexpected server response: (\d+)/.exec(message)?.[1];
    if (httpStatus === undefined)
      return transportError(
        Object.assign(new Error(message), code === undefined ? {} : { code }),
        action,
        server,
        signal,
      );
    const status = Number(httpStatus);
    if (status === 403) return new DomainError('Forbidden', rbacDeniedMessage(action, `exec of ${what} refused (403)`));
    if (status === 401) return statusError(status, '', action, server);
    // Refused before anything ran, by the size of the request itself: the pod has nothing to do with it.
    if (status === 431) return execRequestTooLarge(target, command);
    const pod = await this.#pods.findPod(target, signal);
    return (
      podProblem(pod, target) ?? statusError(status, `exec of ${what} refused with HTTP ${status}`, action, server)
    );
  }
}

/** A reason the container cannot run commands, or undefined when the pod looks fine. */
function podProblem(pod: Pod | undefined, target: ContainerRef): DomainError | undefined {
  const where = `pod ${target.namespace}/${target.name}`;
  if (pod === undefined) return new DomainError('NotFound', `${where} not found`);
  if (findContainer(pod, target.container) === undefined) {
    const names = pod.containers.map((container) => container.name).join(', ');
    return new DomainError('NotFound', `container ${target.container} not found in ${where} (it has: ${names})`);
  }
  const state = findContainerStatus(pod, target.container)?.current;
  if (state === undefined)
    return new DomainError(
      'NotReady',
      `container ${target.container} of ${where} has not started yet (pod ${pod.phase})`,
    );
  if (state.state === 'waiting') {
    return new DomainError(
      'NotReady',
      `container ${target.container} of ${where} is not running: waiting (${state.reason}${state.message ? `: ${state.message}` : ''})`,
    );
  }
  if (state.state === 'terminated') {
    return new DomainError(
      'NotReady',
      `container ${target.container} of ${where} is not running: terminated (${state.reason}, exit code ${state.exitCode})`,
    );
  }
  return undefined;
}

/** 0 on Success; the code of NonZeroExitCode; any other failure could not run the command. */
function exitCodeOf(status: V1Status, what: string): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((entry) => entry.reason === 'ExitCode');
    const code = Number.parseInt(cause?.message ?? '', 10);
    if (Number.isInteger(code)) return code;
  }
  throw new DomainError(
    'ExecFailed',
    `exec of ${what} failed: ${status.message ?? status.reason ?? 'no reason given'}`,
    {
      details: { ...(status.reason === undefined ? {} : { reason: status.reason }) },
    },
  );
}

function describeSocketError(error: unknown): { message: string; code?: string } {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const inner = 'error' in error ? error.error : error;
  const message = 'message' in error && typeof error.message === 'string' ? error.message : String(inner);
  const code =
    typeof inner === 'object' && inner !== null && 'code' in inner && typeof inner.code === 'string'
      ? inner.code
      : undefined;
  return code === undefined ? { message } : { message, code };
}

/** Collects what a stream receives; decoded once at the end so multi-byte characters split across frames survive. */
class Collector extends Writable {
  readonly #chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#chunks.push(Buffer.from(chunk));
    callback();
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}
