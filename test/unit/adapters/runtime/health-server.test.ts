import { afterEach, describe, expect, it } from 'vitest';
import { HealthServer, type HealthChecks } from '../../../../src/adapters/runtime/health-server.js';

describe('the health server', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const serve = async (checks: Partial<HealthChecks>) => {
    server = new HealthServer({ live: () => true, ready: () => true, metrics: () => '', ...checks });
    const port = await server.listen(0, '127.0.0.1');
    return async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
  };

  it("adds its notices to /readyz's body, ready or not, and leaves /healthz alone", async () => {
    let ready = true;
    const get = await serve({
      ready: () => ready,
      notReadyBecause: () => 'missing rights',
      notices: () => ['requesters are not stamped'],
    });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok\nwarning: requesters are not stamped\n' });
    ready = false;
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: 'missing rights\nwarning: requesters are not stamped\n',
    });
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
  });

  it('answers ok alone without notices', async () => {
    const get = await serve({});
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok\n' });
  });
});
