import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionServer } from '../../../src/adapters/webhook/admission-server.js';
import { issueWebhookTls } from '../../../src/adapters/webhook/webhook-certificate.js';
import { silentLogger } from '../../../src/adapters/system/pino-logger.js';
import { buildDist } from '../../support/build-dist.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');

/**
 * What the Gefyra 2.5 client's liveness probe of the webhook pod runs,
 * `python gefyra/healthcheck.py` in the image's WORKDIR, run here the way the
 * image has it: image/python as `python`, the working directory holding
 * gefyra/healthcheck.py (image/), Node.js on PATH. It reads its port with
 * the webhook's settings schema from the build (dist/), as in the image.
 */
describe("the webhook pod's liveness probe", () => {
  let server: AdmissionServer | undefined;
  beforeAll(async () => {
    await buildDist();
  }, 120_000);
  afterEach(async () => await server?.close());

  const probeWith = async (port: string) =>
    await run('sh', [join(root, 'image', 'python'), 'gefyra/healthcheck.py'], {
      cwd: join(root, 'image'),
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, GEFYRA_APP_DIR: root, GEFYRA_WEBHOOK_PORT: port },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  const probe = async (port: number) => (await probeWith(String(port))).code;

  it('passes while the webhook answers, posting the health check it reports, and fails once it is gone', async () => {
    let checks = 0;
    server = new AdmissionServer({
      tls: await issueWebhookTls('gefyra-admission.gefyra.svc', new Date(), 86_400_000),
      handlers: {
        '/client-parameters': async () => ({ allowed: false, message: 'the rule must not run for a health check' }),
      },
      onHealthCheck: async () => {
        checks += 1;
      },
      logger: silentLogger,
    });
    const port = await server.listen(0, '127.0.0.1');
    expect(await probe(port)).toBe(0);
    expect(checks).toBe(1);
    await server.close();
    server = undefined;
    expect(await probe(port)).toBe(1);
  });

  it("reads GEFYRA_WEBHOOK_PORT as the webhook does, and fails with the schema's message on a bad one", async () => {
    expect(await probeWith('ninety')).toEqual({
      code: 1,
      stderr: expect.stringContaining('GEFYRA_WEBHOOK_PORT must be a port number (got "ninety")'),
    });
  });

  it('is the only thing the python stand-in runs', async () => {
    const failure = await run('sh', [join(root, 'image', 'python'), '-c', 'print(1)']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 127, stderr: expect.stringContaining('this image has no Python') });
  });
});
