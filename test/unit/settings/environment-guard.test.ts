import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createOperatorContainer } from '../../../src/composition/container.js';
import { coreSettings, loadConfig } from '../../../src/config.js';
import {
  environmentWith,
  environmentWithDefaults,
  guardEnvironment,
  parseEnvironment,
  variablesSet,
} from '../../../src/environment.js';
import { carrierPlugin } from '../../../src/plugins/carrier/carrier.plugin.js';
import type { OperatorPlugin } from '../../../src/plugins/plugin.js';
import { TOKENS } from '../../../src/tokens.js';

const capture = () => {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += `${text}\n`),
    err: (text: string) => void (io.stderr += `${text}\n`),
  };
  return io;
};

describe('the guarded environment', () => {
  const environment = guardEnvironment({ GEFYRA_NAMESPACE: 'team-a', GEFYRA_LOG_LEVEL: 'debug' });

  it('is read by a schema', () => {
    expect(parseEnvironment(coreSettings, environment).GEFYRA_NAMESPACE).toBe('team-a');
    expect(loadConfig(environment).logLevel).toBe('debug');
  });

  it('throws on any other read, naming the variable and the schema that declares it', () => {
    expect(() => environment['GEFYRA_NAMESPACE']).toThrow(
      /GEFYRA_NAMESPACE was read from the environment outside its settings schema \(declared by core\)/,
    );
    expect(() => environment['SOMETHING_NEW']).toThrow(
      /SOMETHING_NEW was read from the environment outside its settings schema \(no schema declares it\)/,
    );
    expect(() => 'GEFYRA_NAMESPACE' in environment).toThrow(/outside its settings schema/);
    expect(() => ({ ...environment })).toThrow(/listed outside a settings schema/);
    expect(() => Object.keys(environment)).toThrow(/listed outside a settings schema/);
  });

  it('can be awaited and guarded again without reading a variable', async () => {
    expect(await Promise.resolve(environment)).toBe(environment);
    expect(guardEnvironment(environment)).toBe(environment);
  });

  it('takes overrides and defaults without anyone reading it', () => {
    expect(loadConfig(environmentWith(environment, { GEFYRA_NAMESPACE: 'team-b' })).namespace).toBe('team-b');
    expect(
      loadConfig(environmentWithDefaults(environment, { GEFYRA_LOG_LEVEL: 'warn', GEFYRA_NAMESPACE: 'x' })),
    ).toMatchObject({ logLevel: 'debug', namespace: 'team-a' });
    expect(
      loadConfig(environmentWithDefaults(guardEnvironment({ GEFYRA_LOG_LEVEL: '' }), { GEFYRA_LOG_LEVEL: 'warn' }))
        .logLevel,
    ).toBe('warn');
    expect(() => environmentWith(environment, {})['GEFYRA_NAMESPACE']).toThrow(/outside its settings schema/);
  });

  it('tells which declared variables are set, and refuses names no schema declares', () => {
    expect(variablesSet(environment, ['GEFYRA_NAMESPACE', 'GEFYRA_PLUGINS'])).toEqual(['GEFYRA_NAMESPACE']);
    expect(() => variablesSet(environment, ['GEFYRA_NOT_DECLARED'])).toThrow(
      /no settings schema declares GEFYRA_NOT_DECLARED/,
    );
  });
});

describe('what the composition hands on', () => {
  const composeWith = (plugin: OperatorPlugin) =>
    createOperatorContainer({
      config: loadConfig({}),
      environment: { GEFYRA_CARRIER_IMAGE: 'registry.example/carrier' },
      plugins: [plugin],
      platform: new ContainerModule(() => undefined),
    });

  it('lets a plugin read its variables through its schema', async () => {
    const container = await composeWith(carrierPlugin);
    expect(container.isBound(TOKENS.CarrierInstaller)).toBe(true);
  });

  it('refuses a plugin that reads a variable directly', async () => {
    const secondReader: OperatorPlugin = {
      name: 'second-reader',
      provides: [],
      createModule: ({ environment }) => {
        const image = environment['GEFYRA_CARRIER_IMAGE'];
        return new ContainerModule(({ bind }) => void bind('image').toConstantValue(image));
      },
    };
    await expect(composeWith(secondReader)).rejects.toThrow(
      /GEFYRA_CARRIER_IMAGE was read from the environment outside its settings schema \(declared by carrier\)/,
    );
  });

  it("gives the command line's commands only the guarded environment: reset names the namespace the core schema reads", async () => {
    const io = capture();
    expect(await main(['reset'], { GEFYRA_NAMESPACE: 'team-gefyra' }, io)).toBe(2);
    expect(io.stderr).toMatch(
      /This removes every intercept, every Gefyra component and the operator itself \(namespace team-gefyra/,
    );
  });
});
