// The operator's command line as a process of its own, started by the e2e
// tests and the benchmarks with `node --import tsx` (so it runs the sources,
// with no build step, and can be killed with SIGKILL like a crashed pod).
import { main } from '../../../src/cli/main.js';

// The test process holds the other end of stdin. Should it die without
// stopping us (killed, crashed), the pipe closes: end as abruptly as it did,
// rather than run on against the next test's cluster. Unref'd, so the pipe
// never keeps a finished command alive.
if (process.env['GEFYRA_E2E_EXIT_WITH_PARENT'] === '1') {
  process.stdin.on('close', () => process.kill(process.pid, 'SIGKILL'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGKILL'));
  process.stdin.resume();
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}

process.exitCode = await main(process.argv.slice(2), process.env);
