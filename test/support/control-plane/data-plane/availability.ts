import { existsSync } from 'node:fs';
import { runCommand } from './host-command.js';

const NEEDED_FILES: Readonly<Record<string, string>> = {
  '/usr/sbin/nginx': 'nginx',
  '/usr/lib/nginx/modules/ngx_stream_module.so': 'libnginx-mod-stream',
  '/usr/bin/wireguard-go': 'wireguard-go',
  '/usr/bin/wg': 'wireguard-tools',
  '/bin/busybox': 'busybox',
  '/dev/net/tun': 'the tun device (/dev/net/tun)',
};

/**
 * Why the data-plane tier cannot run on this machine, or undefined when it
 * can: it needs root (network namespaces, mounts, chroot), the tun device for
 * wireguard-go, and Debian's nginx (with the stream module), busybox and
 * WireGuard tools.
 */
export async function dataPlaneUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root, so network namespaces cannot be made';
  const missing = Object.entries(NEEDED_FILES).filter(([path]) => !existsSync(path)).map(([, what]) => what);
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (apt-get install --no-install-recommends nginx libnginx-mod-stream busybox wireguard-go wireguard-tools)`;
  }
  const probe = `gfdp-probe-${process.pid}`;
  const added = await runCommand('ip', ['netns', 'add', probe]).catch((error: unknown) => ({ exitCode: 1, stderr: String(error) }));
  if (added.exitCode !== 0) return `network namespaces cannot be made here (ip netns add: ${added.stderr.trim()})`;
  await runCommand('ip', ['netns', 'del', probe]);
  return undefined;
}
