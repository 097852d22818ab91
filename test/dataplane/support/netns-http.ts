import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../support/control-plane/data-plane/host-command.js';
import type { RequestOutcome, RequestPlan } from './http-requests.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'http-requests.ts');
const node = (netns: string, plan: RequestPlan) => [
  'netns',
  'exec',
  netns,
  process.execPath,
  '--import',
  'tsx',
  SCRIPT,
  JSON.stringify(plan),
];

function outcomesOf(text: string): RequestOutcome[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RequestOutcome);
}

/** Sends the plan's requests from inside a network namespace (a pod's) and returns every outcome. */
export async function requestsFrom(netns: string, plan: RequestPlan): Promise<RequestOutcome[]> {
  const result = await runCommand('ip', node(netns, plan), { timeoutMs: 180_000 });
  if (result.exitCode !== 0) throw new Error(`requests from ${netns} exited ${result.exitCode}: ${result.stderr}`);
  return outcomesOf(result.stdout);
}

/** A stream of requests from inside a network namespace, one after the other until `stop`. */
export interface RequestStream {
  /** The outcomes so far. */
  readonly outcomes: readonly RequestOutcome[];
  /** Lets the request in flight finish, and returns every outcome. */
  stop(): Promise<RequestOutcome[]>;
}

export function streamFrom(netns: string, plan: RequestPlan): RequestStream {
  const outcomes: RequestOutcome[] = [];
  const child = spawn('ip', node(netns, plan), { stdio: ['pipe', 'pipe', 'pipe'] });
  let pending = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    outcomes.push(...outcomesOf(lines.join('\n')));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const ended = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    outcomes,
    stop: async () => {
      child.stdin.end();
      const code = await ended;
      if (code !== 0) throw new Error(`the request stream from ${netns} exited ${code}: ${errors}`);
      return [...outcomes, ...outcomesOf(pending)];
    },
  };
}
