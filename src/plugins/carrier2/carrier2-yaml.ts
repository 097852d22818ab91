import { stringify } from 'yaml';
import { DomainError } from '../../domain/errors.js';
import type { CarrierConfiguration, CarrierRoute } from '../../ports/carrier-installer.port.js';
import { carrier2Config, type ConfiguredBridge, type ProxiedPort } from './carrier2-config.js';

/**
 * carrier2's configuration file for a CarrierConfiguration: every port that
 * has a route or a fallback is proxied, each selective route's owner is a
 * bridge (its routes on several ports are one bridge with an endpoint per
 * port), and the probe ports, the configuration's and the container's own
 * (`ownProbePorts`), are answered with 200 (`probes.httpGet`), except on a
 * proxied port: carrier2 cannot listen on one port twice, and the proxy
 * answers a probe there itself (through the shadow).
 */
export function carrier2Yaml(configuration: CarrierConfiguration, ownProbePorts: readonly number[] = []): string {
  const fallback = configuration.fallback ?? {};
  const portNumbers = new Set([
    ...configuration.routes.map((route) => route.containerPort),
    ...Object.keys(fallback).map(Number),
  ]);
  const ports: ProxiedPort[] = [...portNumbers]
    .sort((a, b) => a - b)
    .map((port) => ({ port, clusterUpstream: fallback[port] ?? [] }));
  const probes = new Set([...configuration.probePorts, ...ownProbePorts].filter((port) => !portNumbers.has(port)));
  const config = carrier2Config({
    ports,
    probePorts: { httpGet: [...probes].sort((a, b) => a - b), httpsGet: [] },
    bridges: bridgesOf(configuration.routes),
  });
  return stringify(config);
}

function bridgesOf(routes: readonly CarrierRoute[]): ConfiguredBridge[] {
  const bridges = new Map<string, ConfiguredBridge>();
  for (const route of routes) {
    const { selective } = route;
    // carrier2 sends a request to a bridge only when its rules hit: a route for every request is not a carrier2 route.
    if (selective === undefined) {
      throw new DomainError(
        'Invalid',
        `carrier2 routes only by rules: the route of port ${route.containerPort} to ${route.proxyHost}:${route.proxyPort} has none`,
        { retryable: false },
      );
    }
    const known = bridges.get(selective.name);
    const endpoints = { ...known?.endpoints, [String(route.containerPort)]: `${route.proxyHost}:${route.proxyPort}` };
    bridges.set(selective.name, {
      name: selective.name,
      createdAt: selective.since,
      rules: selective.rules,
      endpoints,
    });
  }
  return [...bridges.values()];
}
