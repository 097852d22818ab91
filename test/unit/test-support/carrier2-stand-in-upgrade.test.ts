// The carrier2 stand-in's hand-over (`-u`) on loopback: a configuration pushed
// again and again while requests keep coming must lose none of them, as
// pingora's upgrade loses none. The data-plane tier's "one developer leaves"
// test relies on it; here it runs without network namespaces.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../support/control-plane/polling.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '../../dataplane/support/carrier2-stand-in/carrier2.ts');

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listening(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `carrier2 <args>` as the push's shell runs it, to its end (`-d` returns once the instance serves). */
async function carrier2(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', STAND_IN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, output };
}

/** A request on a new connection: the answer's body, or what ended it. */
async function get(port: number): Promise<string> {
  return await new Promise((resolve) => {
    const sent = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5_000 }, (answer) => {
      let body = '';
      answer.on('data', (chunk: Buffer) => (body += chunk.toString()));
      answer.on('end', () => resolve(body));
      answer.on('error', (error) => resolve(`error (${error.message})`));
    });
    sent.on('timeout', () => sent.destroy(new Error('timed out')));
    sent.on('error', (error) => resolve(`error (${error.message})`));
    sent.end();
  });
}

describe("the carrier2 stand-in's upgrade", () => {
  let dir = '';
  let upstream: Server | undefined;
  let pidFile = '';

  afterEach(async () => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
    upstream?.close();
    upstream?.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers every request while its configuration is pushed again and again (no connection left unanswered)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'carrier2-stand-in-'));
    pidFile = join(dir, 'carrier2.pid');
    upstream = createServer((_request, response) => response.end('upstream'));
    const upstreamPort = await listening(upstream);
    const port = await freePort();
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      [
        'version: 1',
        `pid_file: ${pidFile}`,
        `error_log: ${join(dir, 'carrier.log')}`,
        `upgrade_sock: ${join(dir, 'carrier2.sock')}`,
        'proxy:',
        `  - port: ${port}`,
        `    clusterUpstream: ["127.0.0.1:${upstreamPort}"]`,
        '',
      ].join('\n'),
    );
    const started = await carrier2(['-c', config, '-d']);
    expect(started.code, started.output).toBe(0);
    await pollUntil('the stand-in serving', async () => ((await get(port)) === 'upstream' ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });

    let pushing = true;
    const answers: string[] = [];
    const client = async () => {
      while (pushing) answers.push(await get(port));
    };
    const clients = Array.from({ length: 4 }, client);
    const upgrades = 8;
    for (let push = 0; push < upgrades; push++) {
      process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGQUIT');
      const upgraded = await carrier2(['-c', config, '-u', '-d']);
      expect(upgraded.code, upgraded.output).toBe(0);
    }
    pushing = false;
    await Promise.all(clients);

    const tally: Record<string, number> = {};
    for (const answer of answers) tally[answer] = (tally[answer] ?? 0) + 1;
    console.log(`${answers.length} requests across ${upgrades} upgrades:`, tally);
    expect(Object.keys(tally)).toEqual(['upstream']);
  }, 600_000);
});
