import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import type { ContainerHost, HostedPod } from '../node/container-host.js';
import type { ContainerModel } from '../../simulated-cluster/container-model.js';
import type { ExecHandler } from '../node/exec-request.js';
import { projectConfigMap } from './configmap-projection.js';
import { imageDefinition } from './container-images.js';
import { ContainerInstance } from './container-instance.js';
import { FABRIC, type NetworkFabric } from './network-fabric.js';

const LOCALHOST = '127.0.0.1 localhost\n';

interface RunningContainer {
  readonly containerID: string;
  readonly instance: ContainerInstance;
  readonly spec: V1Container;
}

interface PodSandbox {
  readonly netns: string;
  readonly podIP: string;
  pod: V1Pod;
  readonly containers: Map<string, RunningContainer>;
}

export interface DataPlaneHostOptions {
  readonly fabric: NetworkFabric;
  /** Container roots and logs go here. */
  readonly workDir: string;
  /** Reads ConfigMaps for volumes (the node's credentials). */
  readonly kubeConfig: KubeConfig;
  /** How often mounted ConfigMaps are refreshed without a pod update. A kubelet takes up to about a minute; default 5 s. */
  readonly configMapRefreshMs?: number;
}

/**
 * The simulated node's container runtime in the data-plane mode: every pod
 * gets a network namespace on the fabric with its IP; every container the node
 * reports running is a ContainerInstance of its image; a container the node
 * restarted (new container ID) is a fresh instance, the old one's processes
 * killed; a pod that leaves the node takes its namespace with it. ConfigMap
 * volumes are projected into the containers' roots on every pod update and
 * periodically, as a kubelet does. Exec runs the real command in the
 * container. Host-network pods run nothing.
 */
export class DataPlaneHost implements ContainerHost {
  readonly #options: DataPlaneHostOptions;
  readonly #core: CoreV1Api;
  readonly #pods = new Map<string, PodSandbox>();
  readonly #pending = new Map<string, Promise<void>>();
  readonly #refresh: NodeJS.Timeout;
  #hosts = LOCALHOST;
  #containerCount = 0;

  constructor(options: DataPlaneHostOptions) {
    this.#options = options;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#refresh = setInterval(() => void this.#refreshConfigMaps(), options.configMapRefreshMs ?? 5_000);
    this.#refresh.unref();
  }

  async sync(hosted: HostedPod): Promise<void> {
    if (hosted.pod.spec?.hostNetwork === true) return;
    await this.#serialized(hosted.key, async () => await this.#sync(hosted));
  }

  async forget(key: string): Promise<void> {
    await this.#serialized(key, async () => await this.#teardown(key));
  }

  /** Runs exec commands for real in the containers this host runs; other pods' commands pass to the next handler. */
  readonly execHandler: ExecHandler = async (request) => {
    const running = this.#pods.get(`${request.namespace}/${request.pod}`)?.containers.get(request.container);
    if (running === undefined) return undefined;
    return await running.instance.exec(request.command, request.stdin);
  };

  /** The network namespace of a pod this host runs. */
  netnsOf(namespace: string, pod: string): string | undefined {
    return this.#pods.get(`${namespace}/${pod}`)?.netns;
  }

  namespaces(): string[] {
    return [...this.#pods.values()].map((sandbox) => sandbox.netns);
  }

  /** The running instance of a container, for tests that look inside (its config files). */
  instanceOf(namespace: string, pod: string, container: string): ContainerInstance | undefined {
    return this.#pods.get(`${namespace}/${pod}`)?.containers.get(container)?.instance;
  }

  /** What every container's /etc/hosts holds from now on (the Services' names). */
  async setHosts(serviceHosts: string): Promise<void> {
    this.#hosts = `${LOCALHOST}${serviceHosts}`;
    for (const sandbox of this.#pods.values()) {
      for (const running of sandbox.containers.values()) {
        // A container being stopped loses its root meanwhile; it needs no names any more.
        await writeAtomically(join(running.instance.root, 'etc/hosts'), this.#hosts).catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'ENOENT') throw error;
        });
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#refresh);
    for (const key of [...this.#pods.keys()]) await this.forget(key);
  }

  async #sync(hosted: HostedPod): Promise<void> {
    let sandbox = this.#pods.get(hosted.key);
    if (sandbox !== undefined && sandbox.podIP !== hosted.podIP) {
      await this.#teardown(hosted.key);
      sandbox = undefined;
    }
    if (sandbox === undefined) {
      sandbox = {
        netns: await this.#options.fabric.attachPod(hosted.podIP),
        podIP: hosted.podIP,
        pod: hosted.pod,
        containers: new Map(),
      };
      this.#pods.set(hosted.key, sandbox);
    }
    sandbox.pod = hosted.pod;
    for (const model of hosted.containers) await this.#syncContainer(sandbox, model, hosted);
    await this.#projectConfigMaps(sandbox);
  }

  async #teardown(key: string): Promise<void> {
    const sandbox = this.#pods.get(key);
    if (sandbox === undefined) return;
    this.#pods.delete(key);
    for (const running of sandbox.containers.values()) await running.instance.stop();
    await this.#options.fabric.detach(sandbox.netns);
  }

  async #syncContainer(sandbox: PodSandbox, model: ContainerModel, hosted: HostedPod): Promise<void> {
    const current = sandbox.containers.get(model.name);
    const wanted = model.state.kind === 'running' ? model.containerID : undefined;
    if (current?.containerID === wanted) return;
    if (current !== undefined) {
      sandbox.containers.delete(model.name);
      await current.instance.stop();
    }
    if (wanted === undefined) return;
    const spec = sandbox.pod.spec?.containers.find((c) => c.name === model.name);
    if (spec === undefined) return;
    const id = this.#containerCount++;
    const instance = await ContainerInstance.start({
      root: join(this.#options.workDir, `c${id}-${model.name}`),
      netns: sandbox.netns,
      image: imageDefinition(model.image, sandbox.pod, spec),
      env: environmentOf(spec),
      hosts: this.#hosts,
      logPath: join(this.#options.workDir, `c${id}-${model.name}.log`),
      // `nginx -s stop` in Carrier ends its main process: the node restarts the container with a clean config.
      onExit: () => hosted.containerExited(model.name),
    });
    sandbox.containers.set(model.name, { containerID: wanted, instance, spec });
    // Services may have changed while it started: setHosts did not know this instance yet.
    await writeAtomically(join(instance.root, 'etc/hosts'), this.#hosts);
  }

  async #projectConfigMaps(sandbox: PodSandbox): Promise<void> {
    const namespace = sandbox.pod.metadata?.namespace ?? '';
    for (const running of sandbox.containers.values()) {
      for (const mount of running.spec.volumeMounts ?? []) {
        const volume = sandbox.pod.spec?.volumes?.find((v) => v.name === mount.name);
        const name = volume?.configMap?.name;
        if (name === undefined) continue;
        const data = await this.#core.readNamespacedConfigMap({ namespace, name }).then(
          (configMap) => configMap.data ?? {},
          () => ({}),
        );
        await projectConfigMap(join(running.instance.root, mount.mountPath), data);
      }
    }
  }

  async #refreshConfigMaps(): Promise<void> {
    for (const [key, sandbox] of this.#pods) {
      await this.#serialized(key, async () => await this.#projectConfigMaps(sandbox)).catch(() => undefined);
    }
  }

  /** One change at a time per pod (sync, forget, refresh), in the order they were asked. */
  async #serialized(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.#pending.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.#pending.set(key, next);
    try {
      await next;
    } finally {
      if (this.#pending.get(key) === next) this.#pending.delete(key);
    }
  }
}

/**
 * The container's environment: its literal `env` values, plus SERVERURL for
 * Stowaway's stand-in, which the real image finds out by itself (the node's
 * public address).
 */
function environmentOf(container: V1Container): Record<string, string> {
  const env: Record<string, string> = { SERVERURL: FABRIC.nodeAddress };
  for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
  return env;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  await writeFile(`${path}.next`, content);
  await rename(`${path}.next`, path);
}
