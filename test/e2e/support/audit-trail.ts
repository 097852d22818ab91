import { open, stat } from 'node:fs/promises';

/** One finished request, as the API server's audit log records it. */
export interface AuditEntry {
  readonly user: string;
  readonly verb: string;
  /** `deployments`, `pods/exec`, ... */
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly code: number | undefined;
}

interface AuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: {
    readonly resource?: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
  };
  readonly responseStatus?: { readonly code?: number };
}

/** Where the audit log ends now: entries after this mark are what happens next. */
export async function auditMark(auditLogPath: string): Promise<number> {
  return (await stat(auditLogPath)).size;
}

/**
 * The requests completed since `mark`: who did what to which object. A test
 * tells the operator's own work apart from what the cluster's controllers do
 * (the namespace controller deletes a namespace's contents on its own).
 */
export async function auditEntriesSince(auditLogPath: string, mark: number): Promise<AuditEntry[]> {
  const handle = await open(auditLogPath, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - mark));
    await handle.read(buffer, 0, buffer.length, mark);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as AuditEvent];
        } catch {
          return []; // the last line may be half written
        }
      })
      .filter((event) => event.stage === 'ResponseComplete')
      .map((event) => ({
        user: event.user?.username ?? '',
        verb: event.verb ?? '',
        resource: event.objectRef?.subresource
          ? `${event.objectRef.resource}/${event.objectRef.subresource}`
          : (event.objectRef?.resource ?? ''),
        namespace: event.objectRef?.namespace,
        name: event.objectRef?.name,
        code: event.responseStatus?.code,
      }));
  } finally {
    await handle.close();
  }
}
