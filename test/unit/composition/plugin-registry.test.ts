import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { loadPlugins, tunnelRoutes } from '../../../src/composition/plugin-registry.js';
import { ConfigurationError } from '../../../src/environment.js';
import { type OperatorPlugin } from '../../../src/plugins/plugin.js';
import { TOKENS } from '../../../src/tokens.js';

const problemsOf = async (promise: Promise<unknown>): Promise<readonly string[]> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

const proxyPlugin: OperatorPlugin = {
  name: 'envoy-proxy',
  provides: [TOKENS.CarrierInstaller],
  createModule: () => new ContainerModule(() => undefined),
};

describe('loadPlugins', () => {
  it('loads the built-in plugins by name', async () => {
    expect((await loadPlugins(['stowaway', 'carrier'])).map((plugin) => plugin.name)).toEqual(['stowaway', 'carrier']);
  });

  it('loads a plugin published as its own package, exporting `plugin`', async () => {
    const plugins = await loadPlugins(['stowaway', '@acme/gefyra-envoy'], async (name) => {
      expect(name).toBe('@acme/gefyra-envoy');
      return { plugin: proxyPlugin };
    });
    expect(plugins.map((plugin) => plugin.name)).toEqual(['stowaway', 'envoy-proxy']);
  });

  it('says which ports nobody provides', async () => {
    expect(await problemsOf(loadPlugins(['stowaway']))).toEqual([
      'no plugin in GEFYRA_PLUGINS provides CarrierInstaller',
    ]);
  });

  it('loads the built-in ones when none are named', async () => {
    expect((await loadPlugins([])).map((plugin) => plugin.name)).toEqual(['stowaway', 'carrier']);
  });

  it('takes a second carrier next to the built-in one', async () => {
    const plugins = await loadPlugins(['stowaway', 'carrier', 'other'], async () => ({ plugin: proxyPlugin }));
    expect(plugins.map((plugin) => plugin.name)).toEqual(['stowaway', 'carrier', 'envoy-proxy']);
  });

  it('loads a tunnel that routes nothing (Stowaway 2.x): InterceptRequests are then not served', async () => {
    const plugins = await loadPlugins(['stowaway2', 'carrier']);
    expect(plugins.map((plugin) => plugin.name)).toEqual(['stowaway2', 'carrier']);
    expect(tunnelRoutes(plugins)).toBe(false);
    expect(tunnelRoutes(await loadPlugins(['stowaway', 'carrier']))).toBe(true);
  });

  it('refuses a tunnel that routes with only part of the routing ports', async () => {
    const halfRouting: OperatorPlugin = {
      name: 'half',
      provides: [TOKENS.TunnelProvider, TOKENS.TunnelRouter],
      createModule: () => new ContainerModule(() => undefined),
    };
    expect(await problemsOf(loadPlugins(['half', 'carrier'], async () => ({ plugin: halfRouting })))).toEqual([
      'the tunnel provides TunnelRouter but not RouteStore, TunnelHeartbeat: a tunnel routes with all of them or none',
    ]);
  });

  it('refuses two plugins for one tunnel port', async () => {
    const secondTunnel: OperatorPlugin = {
      name: 'wg-tunnel',
      provides: [TOKENS.TunnelRouter, TOKENS.CarrierInstaller],
      createModule: () => new ContainerModule(() => undefined),
    };
    expect(
      await problemsOf(loadPlugins(['stowaway', 'carrier', 'other'], async () => ({ plugin: secondTunnel }))),
    ).toEqual(['TunnelRouter is provided by more than one plugin: stowaway, wg-tunnel']);
  });

  it('explains a plugin that cannot be loaded or is not a plugin', async () => {
    const problems = await problemsOf(
      loadPlugins(['stowaway', 'carrier', 'missing-package', 'not-a-plugin'], async (name) => {
        if (name === 'missing-package') throw new Error("Cannot find package 'missing-package'");
        return { something: 1 };
      }),
    );
    expect(problems).toEqual([
      'plugin "missing-package" could not be loaded (Cannot find package \'missing-package\'); built-in plugins: stowaway, stowaway2, carrier, carrier2',
      'plugin "not-a-plugin" does not export `plugin` with name, provides and createModule',
    ]);
  });
});
