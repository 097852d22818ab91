import { describe, expect, it } from 'vitest';
import { runReset } from '../../../src/cli/reset-command.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';

const controlPlane = useControlPlane();
const namespace = useTestNamespace('reset2');

describe('gefyra-operator reset in the Gefyra 2.x contract', () => {
  it('refuses with what to do instead: that configuration serves no InterceptRequests to reset', async () => {
    const io = { stdout: '', stderr: '', out: (text: string) => void (io.stdout += `${text}\n`), err: (text: string) => void (io.stderr += `${text}\n`) };
    const code = await runReset({
      environment: { GEFYRA_CLIENT_CONTRACT: '2' },
      kubeconfig: controlPlane.kubeconfigPath,
      namespace: namespace.name,
      keepOperator: true,
      confirmed: true,
      io,
    });
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/serves none \(the Gefyra 2\.x contract\): remove it with the Gefyra 2\.5 client/);
    expect(io.stdout).toBe('');
  });
});
