import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DATA_PLANE_INSTALL_COMMAND,
  dataPlaneUnavailableReason,
  missingDataPlanePackages,
} from '../../support/control-plane/data-plane/availability.js';

// Issue 18, "Also": a newcomer without the data-plane packages gets the tier
// skipped with one line naming the install command. Only the detection runs
// here: it answers before any network namespace is made.
describe('the data-plane tier on a machine without its packages', () => {
  let bin: string;
  beforeEach(async () => {
    bin = await mkdtemp(join(tmpdir(), 'gfdp-path-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await rm(bin, { recursive: true, force: true });
  });
  const executable = async (name: string) => {
    await writeFile(join(bin, name), '#!/bin/sh\n');
    await chmod(join(bin, name), 0o755);
  };

  it('looks the commands up on PATH and names the package of each one missing', async () => {
    await executable('nginx');
    await executable('wg');
    await writeFile(join(bin, 'busybox'), 'not executable');

    expect(missingDataPlanePackages(bin, () => false)).toEqual([
      'busybox',
      'wireguard-go',
      'libnginx-mod-stream',
      'nodejs',
    ]);
    await executable('busybox');
    await executable('wireguard-go');
    expect(missingDataPlanePackages(`/nonexistent:${bin}`, () => true)).toEqual([]);
  });

  it('skips with one line that names the install command, whatever else is missing', async () => {
    vi.stubEnv('PATH', bin);

    const reason = await dataPlaneUnavailableReason();

    expect(reason).toMatch(
      new RegExp(
        '^nginx, busybox, wireguard-go, wireguard-tools(, libnginx-mod-stream)?(, nodejs)? not installed; ' +
          'install with `apt-get install nginx libnginx-mod-stream busybox wireguard-go wireguard-tools nodejs`',
      ),
    );
    expect(reason).not.toMatch(/\n/);
  });

  it('names the install command to a newcomer who is not root as well', async () => {
    vi.stubEnv('PATH', bin);
    vi.spyOn(process, 'getuid').mockReturnValue(1000);

    expect(await dataPlaneUnavailableReason()).toMatch(
      /install with `apt-get install nginx libnginx-mod-stream busybox wireguard-go wireguard-tools nodejs` and run the tests as root$/,
    );
  });

  it('installs what CI installs', async () => {
    const ci = await readFile(join(import.meta.dirname, '../../../.ci/run'), 'utf8');
    const packages = /^DATA_PLANE_PACKAGES=\(([^)]*)\)$/m.exec(ci)?.[1]?.split(' ');
    expect(DATA_PLANE_INSTALL_COMMAND).toBe(`apt-get install ${packages?.join(' ')}`);
  });
});
