import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  carrier2PushCommand,
  carrier2PushOutcome,
  carrier2PushScript,
} from '../../../../src/plugins/carrier2/carrier2-push.js';

const config =
  'version: 1\nproxy:\n  - port: 8080\n    clusterUpstream: [web-app-gefyra-svc.shop.svc.cluster.local:8080]\n';

// carrier2's image runs the push with busybox's sh; any POSIX sh reads the script alike.
const BUSYBOX = hasBusybox();

function hasBusybox(): boolean {
  try {
    execFileSync('busybox', ['true']);
    return true;
  } catch {
    return false;
  }
}

describe('carrier2PushScript', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Runs the push's command, /tmp mapped to a scratch dir and a `carrier2` that logs how it was started. */
  function run(configYaml: string, carrier2Running: boolean): { config: string; log: string; output: string } {
    dir = mkdtempSync(join(tmpdir(), 'carrier2-push-'));
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(
      join(bin, 'carrier2'),
      `#!/bin/sh\necho "carrier2 $*" >> ${dir}/carrier.log\necho "Bootstrap starting" >> ${dir}/carrier.log\n`,
    );
    chmodSync(join(bin, 'carrier2'), 0o755);
    writeFileSync(join(dir, 'carrier.log'), "thread 'main' panicked at an earlier push\n");
    if (carrier2Running) {
      const sleeper = execFileSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!']).toString().trim();
      writeFileSync(join(dir, 'carrier2.pid'), sleeper);
    }
    const command = BUSYBOX ? carrier2PushCommand(configYaml) : ['sh', '-c', carrier2PushScript(configYaml)];
    const [shell, ...args] = command.map((part) => part.replaceAll('/tmp/', `${dir}/`));
    const output = execFileSync(shell!, args, {
      env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` },
    }).toString();
    return {
      config: readFileSync(join(dir, 'config.yaml'), 'utf8'),
      log: readFileSync(join(dir, 'carrier.log'), 'utf8'),
      output,
    };
  }

  it('writes the configuration exactly and upgrades a running carrier2 (-u)', () => {
    const { config: written, output } = run(config, true);
    expect(written).toBe(config);
    expect(output).toContain('carrier2 -c');
    expect(output).toContain('-u -d');
    expect(carrier2PushOutcome(output)).toEqual({ ok: true });
  });

  it('starts carrier2 plain when none runs, and the log tells of this push alone', () => {
    const { output } = run(config, false);
    expect(output).not.toContain('-u');
    expect(output).not.toContain('panicked');
    expect(carrier2PushOutcome(output)).toEqual({ ok: true });
  });

  it('cannot be cut short by a line of the configuration that looks like its end marker', () => {
    const tricky = 'version: 1\nGEFYRA_CARRIER2_CONFIG\nthreads: 4\n';
    const { config: written } = run(tricky, false);
    expect(written).toBe(tricky);
  });
});

describe('carrier2PushOutcome', () => {
  it('is ok when carrier2 bootstrapped and did not panic', () => {
    expect(carrier2PushOutcome('INFO Bootstrap starting\nINFO Configure 1 proxy\n')).toEqual({ ok: true });
  });

  it('is not ok when carrier2 bootstrapped and then failed: an upgrade with nobody left to hand over', () => {
    const output =
      '2026-12-07T10:00:00Z INFO pingora_core::server: Bootstrap starting\n' +
      '2026-12-07T10:00:00Z ERROR pingora_core::server: Bootstrap failed on error: ENOENT, exiting.\n';
    expect(carrier2PushOutcome(output)).toEqual({
      ok: false,
      reason: 'carrier2 did not start with the configuration: Bootstrap failed on error: ENOENT, exiting.',
    });
  });

  it('names the panic of a configuration carrier2 cannot load', () => {
    const outcome = carrier2PushOutcome(
      "Bootstrap starting\nthread 'main' panicked at src/main.rs:250:61:\ncalled `Option::unwrap()` on a `None` value\n",
    );
    expect(outcome).toEqual({
      ok: false,
      reason:
        "carrier2 refused the configuration: thread 'main' panicked at src/main.rs:250:61:\ncalled `Option::unwrap()` on a `None` value",
    });
  });

  it('fails when carrier2 never started', () => {
    expect(carrier2PushOutcome('sh: carrier2: not found\n')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Bootstrap starting'),
    });
  });
});
