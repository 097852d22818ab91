import type { OperatorProcess } from '../../test/e2e/support/operator-process.js';

/** A sample of the operator's /metrics page, parsed. */
export async function scrape(operator: OperatorProcess): Promise<Map<string, number>> {
  // A generous timeout: a busy operator answering late is a figure, not an error.
  const body = await (
    await fetch(`http://127.0.0.1:${operator.healthPort}/metrics`, { signal: AbortSignal.timeout(60_000) })
  ).text();
  const values = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

export const sumOf = (metrics: Map<string, number>, prefix: string): number =>
  [...metrics].filter(([name]) => name.startsWith(prefix)).reduce((sum, [, value]) => sum + value, 0);

/**
 * Waits until the operator has nothing queued, scheduled or running, twice in
 * a row: the work an action caused is over, so the audit log holds all of it.
 * (The operator's HTTP page is polled; its requests are not API requests.)
 */
export async function operatorIdle(operator: OperatorProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error('the operator did not become idle');
    const depth = (await scrape(operator)).get('gefyra_operator_queue_depth') ?? Number.NaN;
    quiet = depth === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
