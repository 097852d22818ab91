import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerInstance } from './container-instance.js';
import type { ServicePort } from './service-watch.js';

/**
 * The node's user-space Service proxy for one protocol: nginx's stream module
 * listening on the cluster IPs (or node ports) and forwarding to endpoints,
 * as kube-proxy's old `userspace` mode did. TCP and UDP get one each, because
 * a reload ends the old workers (after one second) and with them every UDP
 * session: kube-proxy keeps a flow when other Services change, so the
 * WireGuard node port must not be reloaded for each new proxy Service.
 */
export class NodeServiceProxy {
  readonly #instance: ContainerInstance;
  readonly #protocol: ServicePort['protocol'];
  #applied = '';

  private constructor(instance: ContainerInstance, protocol: ServicePort['protocol']) {
    this.#instance = instance;
    this.#protocol = protocol;
  }

  static async start(netns: string, workDir: string, protocol: ServicePort['protocol']): Promise<NodeServiceProxy> {
    const name = `node-service-proxy-${protocol.toLowerCase()}`;
    const instance = await ContainerInstance.start({
      root: join(workDir, name),
      netns,
      image: {
        files: [{ path: '/etc/nginx/nginx.conf', content: proxyConfig([]) }],
        entrypoint: ['nginx', '-g', 'daemon off;'],
        startedWhen: '/run/nginx.pid',
      },
      env: {},
      hosts: '127.0.0.1 localhost\n',
      logPath: join(workDir, `${name}.log`),
    });
    return new NodeServiceProxy(instance, protocol);
  }

  /** Forwards exactly these ports (those of other protocols are ignored); reloads only on a change. */
  async apply(ports: readonly ServicePort[]): Promise<void> {
    const config = proxyConfig(ports.filter((port) => port.protocol === this.#protocol));
    if (config === this.#applied) return;
    await writeFile(join(this.#instance.root, 'etc/nginx/nginx.conf'), config);
    const reloaded = await this.#instance.exec(['nginx', '-s', 'reload']);
    if (reloaded.exitCode !== 0)
      throw new Error(`the node's ${this.#protocol} Service proxy did not reload: ${reloaded.stderr.trim()}`);
    this.#applied = config;
  }

  async stop(): Promise<void> {
    await this.#instance.stop();
  }
}

/** One stream server per Service port that has endpoints (one without answers nothing, as kube-proxy rejects it). */
function proxyConfig(ports: readonly ServicePort[]): string {
  const servers = ports
    .filter((port) => port.backends.length > 0)
    .map((port, index) => {
      const upstream = `service_${index}`;
      const udp = port.protocol === 'UDP';
      return [
        `    upstream ${upstream} {${port.backends.map((backend) => ` server ${backend};`).join('')} }`,
        `    server { listen ${port.listen}${udp ? ' udp' : ''}; proxy_pass ${upstream};${udp ? ' proxy_timeout 10m;' : ''} }`,
      ].join('\n');
    });
  return [
    'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
    'user root;',
    'worker_processes 1;',
    // A session to an endpoint that went away moves to the new one soon after the reload.
    'worker_shutdown_timeout 1s;',
    'pid /run/nginx.pid;',
    'error_log stderr;',
    'events { worker_connections 1024; }',
    'stream {',
    ...servers,
    '}',
    '',
  ].join('\n');
}
