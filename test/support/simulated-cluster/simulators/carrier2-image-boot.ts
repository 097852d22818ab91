/**
 * How a container of carrier2 2.5.4's image starts (carrier2/Dockerfile,
 * etc/inittab): the files it ships and what its `busybox init` runs. One
 * source for the simulator and the data plane's image of carrier2, so both
 * boot as the real image does. Stated here, not taken from the operator's
 * code: the operator's push must meet the image, not a copy of itself.
 */
const CONFIG = '/tmp/config.yaml';
const LOG = '/tmp/carrier.log';
const PID = '/tmp/carrier2.pid';

/** `/tmp/config.yaml` as the image ships it: server settings, no proxy, no probe (idle until the first push). */
export const CARRIER2_IMAGE_CONFIG = [
  'version: 1',
  'threads: 4',
  `pid_file: ${PID}`,
  `error_log: ${LOG}`,
  'upgrade_sock: /tmp/carrier2.sock',
  'upstream_keepalive_pool_size: 100',
  '',
].join('\n');

export const CARRIER2_IMAGE_BOOT = {
  config: CONFIG,
  /** The files of a new container instance, by path: the shipped config and the log init follows. */
  files: { [CONFIG]: CARRIER2_IMAGE_CONFIG, [LOG]: '' } as Readonly<Record<string, string>>,
  /** carrier2's arguments on inittab's `::once:` line: a daemon on the shipped config. */
  carrier2Args: ['-c', CONFIG, '-d'] as readonly string[],
  /** inittab's `::respawn:tail -F` follows it into the container's output. */
  log: LOG,
  /** Written by carrier2 once it serves. */
  pidFile: PID,
} as const;
