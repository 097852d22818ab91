import type { ServicePort } from './service-proxy.js';

/**
 * The node's user-space Service proxy as an nginx configuration: one stream
 * server per Service port that has endpoints (one without answers nothing,
 * as kube-proxy rejects it). Old workers are given one second after a reload,
 * so that a UDP session (the WireGuard node port) moves to a new endpoint soon
 * after the old one went away.
 */
export function serviceProxyConfig(ports: readonly ServicePort[]): string {
  const servers = ports
    .filter((port) => port.backends.length > 0)
    .map((port, index) => {
      const upstream = `service_${index}`;
      const udp = port.protocol === 'UDP';
      return [
        `    upstream ${upstream} {${port.backends.map((backend) => ` server ${backend};`).join('')} }`,
        `    server { listen ${port.listen}${udp ? ' udp' : ''}; proxy_pass ${upstream};${udp ? ' proxy_timeout 60s;' : ''} }`,
      ].join('\n');
    });
  return [
    'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
    'user root;',
    'worker_processes 1;',
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
