import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from './host-command.js';

const ENTER = join(dirname(fileURLToPath(import.meta.url)), 'enter-container.sh');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Copied from the host into every container's /etc: users, name lookup, the linker's cache. */
const HOST_ETC_FILES = ['passwd', 'group', 'nsswitch.conf', 'ld.so.cache'];

/** A file of an image, by its path inside the container. */
export interface ImageFile {
  readonly path: string;
  readonly content: string;
  readonly executable?: boolean;
}

/** What the data plane runs for an image: its files and its main process. */
export interface ImageDefinition {
  readonly files: readonly ImageFile[];
  readonly entrypoint: readonly string[];
  /** The image's own environment (a Dockerfile's ENV); the container's env is laid over it. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A file the main process writes once it serves (nginx's pid file): the
   * instance counts as started only then. The real images start in a few
   * milliseconds, well before the operator's first exec arrives; here, on a
   * busy machine, the chroot and namespace set-up can take longer, and that
   * race would be the harness's, not the operator's.
   */
  readonly startedWhen?: string;
}

export interface ContainerSpec {
  /** The container's root directory on the host (created afresh). */
  readonly root: string;
  readonly netns: string;
  readonly image: ImageDefinition;
  readonly env: Readonly<Record<string, string>>;
  /** The container's /etc/hosts. */
  readonly hosts: string;
  /** Where the main process's output goes (a file on the host). */
  readonly logPath: string;
  /** Called when the main process ends by itself (not through `stop`). */
  readonly onExit?: () => void;
}

/**
 * One instance of a container: a fresh root directory built from its image,
 * its main process (in a process group of its own, in the pod's network
 * namespace, chrooted into the root), and exec of further commands in the
 * same view. A restart is a new instance: nothing of the old root survives,
 * as with a real container's writable layer.
 */
export class ContainerInstance {
  readonly root: string;
  readonly netns: string;
  readonly #env: Readonly<Record<string, string>>;
  readonly #main: ChildProcess;
  #exited = false;
  #stopping = false;

  private constructor(spec: ContainerSpec, main: ChildProcess) {
    this.root = spec.root;
    this.netns = spec.netns;
    this.#env = { ...spec.image.env, ...spec.env };
    this.#main = main;
    main.once('exit', () => {
      this.#exited = true;
      if (!this.#stopping) spec.onExit?.();
    });
  }

  static async start(spec: ContainerSpec): Promise<ContainerInstance> {
    await buildRoot(spec.root, spec.image, spec.hosts);
    const log = openSync(spec.logPath, 'a');
    const main = spawn('ip', ['netns', 'exec', spec.netns, '/bin/sh', ENTER, spec.root, ...spec.image.entrypoint], {
      env: { PATH, HOME: '/root', ...spec.image.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    main.on('error', () => undefined);
    const instance = new ContainerInstance(spec, main);
    if (spec.image.startedWhen !== undefined) await instance.#waitFor(spec.image.startedWhen);
    return instance;
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** Runs a command in the container (its root, its network, its environment), like a kubelet's exec. */
  async exec(command: readonly string[], stdin: Buffer = Buffer.alloc(0)): Promise<CommandResult> {
    return await runCommand('ip', ['netns', 'exec', this.netns, '/bin/sh', ENTER, this.root, ...command], {
      env: { PATH, HOME: '/root', ...this.#env },
      input: stdin,
    });
  }

  async #waitFor(path: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(this.root, path))) {
      if (this.#exited || Date.now() > deadline)
        throw new Error(`container in ${this.root} did not write ${path} (exited: ${this.#exited})`);
      await delay(10);
    }
  }

  /** Kills every process of the container (the main process's whole group) and removes its root. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const pid = this.#main.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!this.#exited) await new Promise((resolve) => this.#main.once('exit', resolve));
    await rm(this.root, { recursive: true, force: true });
  }
}

async function buildRoot(root: string, image: ImageDefinition, hosts: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
  for (const dir of [
    'usr',
    'dev',
    'proc',
    'sys',
    'etc/alternatives',
    'tmp',
    'run',
    'root',
    'var/lib/nginx',
    'var/log/nginx',
  ]) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  // Debian's merged /usr: the usual top-level directories are links into it.
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${dir}`, join(root, dir));
  await symlink('../run', join(root, 'var/run'));
  for (const file of HOST_ETC_FILES) await copyFile(join('/etc', file), join(root, 'etc', file));
  await writeFile(join(root, 'etc/hosts'), hosts);
  for (const file of image.files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.executable === true ? 0o755 : 0o644 });
  }
}
