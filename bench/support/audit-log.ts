import { open } from 'node:fs/promises';

/** One request of the audit log, as the benchmarks count it. */
export interface AuditedRequest {
  readonly user: string;
  readonly verb: string;
  /** `pods`, `pods/exec`, `interceptrequests/status`, ... */
  readonly resource: string;
}

interface AuditEvent {
  readonly auditID?: string;
  readonly stage?: string;
  readonly verb?: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string };
  readonly requestURI?: string;
}

/**
 * Reads the API server's audit log (JSON lines, level Metadata) from where
 * the last read stopped, and returns each request once: a request has one
 * audit ID across its stages, and a watch counts once however long it runs.
 * Counting on the server side sees every request, whatever the client does.
 */
export class AuditLog {
  readonly #path: string;
  #offset = 0;
  #partial = '';
  readonly #seen = new Set<string>();

  constructor(path: string) {
    this.#path = path;
  }

  /** Skips everything logged so far. */
  async mark(): Promise<void> {
    await this.read();
  }

  /** The requests logged since the last read. */
  async read(): Promise<AuditedRequest[]> {
    const handle = await open(this.#path, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= this.#offset) return [];
      const buffer = Buffer.alloc(size - this.#offset);
      await handle.read(buffer, 0, buffer.length, this.#offset);
      this.#offset = size;
      const text = this.#partial + buffer.toString('utf8');
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      const requests: AuditedRequest[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as AuditEvent;
        if (!event.auditID || this.#seen.has(event.auditID)) continue;
        this.#seen.add(event.auditID);
        const resource = event.objectRef?.resource ?? event.requestURI ?? '?';
        requests.push({
          user: event.user?.username ?? '?',
          verb: event.verb ?? '?',
          resource: event.objectRef?.subresource ? `${resource}/${event.objectRef.subresource}` : resource,
        });
      }
      return requests;
    } finally {
      await handle.close();
    }
  }
}

/** Requests of one user, counted by `verb resource`. */
export function countByVerbAndResource(requests: readonly AuditedRequest[], user: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) {
    if (request.user !== user) continue;
    const key = `${request.verb} ${request.resource}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export const total = (counts: Readonly<Record<string, number>>): number =>
  Object.values(counts).reduce((sum, count) => sum + count, 0);
