import { PassThrough } from 'node:stream';
import { Exec, type KubeConfig } from '@kubernetes/client-node';

export interface ContainerRef {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** Runs `command` in a container through the API server (the kubelet's exec); its stdout, or an error with its stderr. */
export async function execIn(kubeConfig: KubeConfig, target: ContainerRef, command: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    void new Exec(kubeConfig)
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (status) =>
        status.status === 'Success' ? resolve() : reject(new Error(`exec failed: ${JSON.stringify(status)} ${err}`)),
      )
      .catch(reject);
  });
  return out;
}
