// Requests from inside a network namespace (run with `ip netns exec <ns> node
// --import tsx http-requests.ts <plan>`): a new connection per request, each
// answer one JSON line on stdout. The plan: `{"target":"ip:port","users":
// ["alice","bob",""]}` sends those requests (`""`: without the header) with a
// few in flight at once and ends; `{"target":..,"stream":"alice"}` sends one
// request after the other until stdin closes.
import { request } from 'node:http';

export interface RequestPlan {
  readonly target: string;
  /** The header as a developer's client would send it, its name in its usual case. */
  readonly header: string;
  readonly users?: readonly string[];
  readonly stream?: string;
  readonly inFlight?: number;
}

/** One request's fate: the answer's status and body, or the error that ended it. */
export interface RequestOutcome {
  readonly user: string;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

async function send(plan: RequestPlan, user: string): Promise<RequestOutcome> {
  const [host, port] = plan.target.split(':');
  return await new Promise((resolve) => {
    const sent = request(
      {
        host,
        port: Number(port),
        path: '/',
        agent: false,
        timeout: 10_000,
        headers: user === '' ? {} : { [plan.header]: user },
      },
      (answer) => {
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (body += chunk));
        answer.on('end', () => resolve({ user, status: answer.statusCode ?? 0, body: body.trim() }));
        answer.on('error', (error) => resolve({ user, error: error.message }));
      },
    );
    sent.on('timeout', () => sent.destroy(new Error('timed out')));
    sent.on('error', (error) => resolve({ user, error: error.message }));
    sent.end();
  });
}

const print = (outcome: RequestOutcome) => process.stdout.write(`${JSON.stringify(outcome)}\n`);

async function main(plan: RequestPlan): Promise<void> {
  if (plan.stream !== undefined) {
    let open = true;
    process.stdin.on('end', () => (open = false)).resume();
    while (open) print(await send(plan, plan.stream));
    return;
  }
  const queue = [...(plan.users ?? [])];
  const worker = async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) print(await send(plan, user));
  };
  await Promise.all(Array.from({ length: plan.inFlight ?? 4 }, worker));
}

await main(JSON.parse(process.argv[2] ?? '{}') as RequestPlan);
