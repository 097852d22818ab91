import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCommand } from './host-command.js';

/** What a newcomer runs to get the tier's packages (the same list as .ci/run). */
export const DATA_PLANE_INSTALL_COMMAND =
  'apt-get install nginx libnginx-mod-stream busybox wireguard-go wireguard-tools nodejs';

/** The commands the tier runs by name, and the Debian package of each. */
const NEEDED_COMMANDS: Readonly<Record<string, string>> = {
  nginx: 'nginx',
  busybox: 'busybox',
  'wireguard-go': 'wireguard-go',
  wg: 'wireguard-tools',
};
const NEEDED_FILES: Readonly<Record<string, string>> = {
  '/usr/lib/nginx/modules/ngx_stream_module.so': 'libnginx-mod-stream',
  // carrier2's stand-in runs on the node in the host's /usr, the only part of the host a container sees.
  '/usr/bin/node': 'nodejs',
};

/** The packages of the tier not installed here: commands looked up on `searchPath`, files where Debian puts them. */
export function missingDataPlanePackages(
  searchPath = process.env['PATH'] ?? '',
  exists: (file: string) => boolean = existsSync,
): string[] {
  const directories = searchPath.split(delimiter).filter((directory) => directory !== '');
  const missingCommands = Object.entries(NEEDED_COMMANDS)
    .filter(([command]) => !directories.some((directory) => isExecutable(join(directory, command))))
    .map(([, found]) => found);
  const missingFiles = Object.entries(NEEDED_FILES)
    .filter(([file]) => !exists(file))
    .map(([, found]) => found);
  return [...missingCommands, ...missingFiles];
}

/**
 * Why the data-plane tier cannot run on this machine, or undefined when it
 * can: it needs Debian's nginx (with the stream module), busybox and
 * WireGuard's user-space tools, root (network namespaces, mounts, chroot)
 * and the tun device for wireguard-go. Missing packages come first, with
 * the command that installs them: that is what a newcomer lacks.
 */
export async function dataPlaneUnavailableReason(): Promise<string | undefined> {
  const root = process.getuid?.() === 0;
  const missing = missingDataPlanePackages();
  if (missing.length > 0) {
    return `${missing.join(', ')} not installed; install with \`${DATA_PLANE_INSTALL_COMMAND}\`${root ? '' : ' and run the tests as root'}`;
  }
  if (!root) return 'not running as root, so network namespaces cannot be made';
  if (!existsSync('/dev/net/tun')) return 'no tun device (/dev/net/tun) for wireguard-go';
  const probe = `gfdp-probe-${process.pid}`;
  const added = await runCommand('ip', ['netns', 'add', probe]).catch((error: unknown) => ({
    exitCode: 1,
    stderr: String(error),
  }));
  if (added.exitCode !== 0) return `network namespaces cannot be made here (ip netns add: ${added.stderr.trim()})`;
  await runCommand('ip', ['netns', 'del', probe]);
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
