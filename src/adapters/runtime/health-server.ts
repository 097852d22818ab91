import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * /healthz (the process runs its loops), /readyz (the init phase succeeded
 * and this replica leads, or stands by healthily) and /metrics (Prometheus).
 */
export interface HealthChecks {
  live(): boolean;
  ready(): boolean;
  /** Why /readyz fails when the reason is worth more than "not ready" (missing permissions). */
  notReadyBecause?(): string | undefined;
  /** Lines /readyz adds to its body whether ready or not: what an administrator should know (an open gap). */
  notices?(): readonly string[];
  metrics(): string;
}

export class HealthServer {
  readonly #server: Server;

  constructor(checks: HealthChecks) {
    this.#server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/readyz') {
        const ok = path === '/healthz' ? checks.live() : checks.ready();
        const why = path === '/readyz' && !ok ? checks.notReadyBecause?.() : undefined;
        const notices =
          path === '/readyz' ? (checks.notices?.() ?? []).map((notice) => `warning: ${notice}\n`).join('') : '';
        response
          .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
          .end(`${ok ? 'ok' : (why ?? 'not ready')}\n${notices}`);
      } else if (path === '/metrics') {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(checks.metrics());
      } else {
        response.writeHead(404).end();
      }
    });
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
