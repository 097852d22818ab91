import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ImageDefinition, ImageFile } from './container-instance.js';
import { carrier2Image } from '../../../dataplane/support/carrier2-stand-in/carrier2-image.js';

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), 'images');
const NGINX_IN_FOREGROUND = ['nginx', '-g', 'daemon off;'];

function imageFile(image: string, name: string, path: string, executable = false): ImageFile {
  return { path, content: readFileSync(join(IMAGES, image, name), 'utf8'), executable };
}

/** Carrier's stand-in: nginx with the stream module, and its three scripts in its working directory `/`. */
const carrier: ImageDefinition = {
  files: [
    imageFile('carrier', 'nginx.conf', '/etc/nginx/nginx.conf'),
    imageFile('carrier', 'setroute.sh', '/setroute.sh'),
    imageFile('carrier', 'setprobe.sh', '/setprobe.sh'),
    imageFile('carrier', 'syncdirs.sh', '/syncdirs.sh'),
  ],
  entrypoint: NGINX_IN_FOREGROUND,
  startedWhen: '/run/nginx.pid',
};

/** Stowaway's stand-in: WireGuard server, nginx for the proxy routes, generate-proxyroutes.sh in `/`. */
const stowaway: ImageDefinition = {
  files: [
    imageFile('stowaway', 'nginx.conf', '/etc/nginx/nginx.conf'),
    imageFile('stowaway', 'generate-proxyroutes.sh', '/generate-proxyroutes.sh', true),
    imageFile('stowaway', 'entrypoint.sh', '/entrypoint.sh', true),
  ],
  entrypoint: ['/bin/bash', '/entrypoint.sh'],
};

/**
 * Stowaway 2.x's stand-in: the WireGuard server the 2.5 image's init brings
 * up from `/config` for PEERS "0" (no peer yet); peers come and go through
 * the operator's scripts, run by exec in the running container; nginx serves
 * the proxy routes of the mounted ConfigMap (generate-proxyroutes.sh).
 */
const stowaway2: ImageDefinition = {
  files: [
    imageFile('stowaway2', 'nginx.conf', '/etc/nginx/nginx.conf'),
    imageFile('stowaway2', 'generate-proxyroutes.sh', '/generate-proxyroutes.sh', true),
    imageFile('stowaway2', 'entrypoint.sh', '/entrypoint.sh', true),
  ],
  entrypoint: ['/bin/bash', '/entrypoint.sh'],
  startedWhen: '/run/wireguard/ready',
};

/** The body every workload answers with: says which pod, container and port answered, and that it is the original. */
export function originalBody(pod: string, container: string, port: number): string {
  return `original ${pod}/${container}:${port}`;
}

/**
 * Any other image (`nginx:1.25`, `shop/web:1.0`) is a workload: nginx
 * answering every TCP port the container declares (80 if none) with a body
 * that names it, and `/healthz` with 200.
 */
function workload(pod: V1Pod, container: V1Container): ImageDefinition {
  const ports = (container.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort);
  const servers = (ports.length === 0 ? [80] : ports).map(
    (port) =>
      `    server { listen ${port}; location / { return 200 "${originalBody(pod.metadata?.name ?? '', container.name, port)}\\n"; } }`,
  );
  const conf = [
    'user root;',
    'worker_processes 1;',
    'pid /run/nginx.pid;',
    'error_log stderr;',
    'events { worker_connections 256; }',
    'http {',
    '    access_log off;',
    ...servers,
    '}',
    '',
  ].join('\n');
  return {
    files: [{ path: '/etc/nginx/nginx.conf', content: conf }],
    entrypoint: NGINX_IN_FOREGROUND,
    startedWhen: '/run/nginx.pid',
  };
}

/** What runs for a container's image. */
export function imageDefinition(image: string, pod: V1Pod, container: V1Container): ImageDefinition {
  const repository = image.split('@')[0]?.replace(/:[^/:]*$/, '') ?? image;
  if (repository.endsWith('/carrier')) return carrier;
  if (repository.endsWith('/carrier2')) return carrier2Image();
  if (repository.endsWith('/stowaway')) return /:2\.[^/:]*$/.test(image) ? stowaway2 : stowaway;
  return workload(pod, container);
}
