import { setTimeout as delay } from 'node:timers/promises';
import { isDomainError } from '../domain/errors.js';
import { loadConfig } from '../config.js';
import { environmentWithDefaults, type Environment } from '../environment.js';
import { composeForKubernetes } from '../composition/kubernetes-composition.js';
import { resolve } from '../plugins/resolve.js';
import { SERVICES } from '../tokens.js';
import { BUILT_IN_CONTRACTS } from '../plugins/built-in.js';
import type { CliOutput } from './main.js';

/** The kinds whose installations the built-in plugins' own resets remove, for the message where neither they nor InterceptRequests are served. */
const kindsResetByPlugins = BUILT_IN_CONTRACTS.filter((plugin) => plugin.reset !== undefined).flatMap(
  (plugin) => plugin.serves ?? [],
);

/** `gefyra-operator reset`: the explicit reset, run with the caller's own credentials. */
export async function runReset(options: {
  environment: Environment;
  kubeconfig: string | undefined;
  namespace: string | undefined;
  keepOperator: boolean;
  confirmed: boolean;
  io: CliOutput;
}): Promise<number> {
  const namespace = options.namespace ?? loadConfig(options.environment).namespace;
  const scope = options.keepOperator
    ? `every intercept and Gefyra component in namespace ${namespace}`
    : `every intercept, every Gefyra component and the operator itself (namespace ${namespace}, its CRD and RBAC)`;
  if (!options.confirmed) {
    options.io.err(`This removes ${scope}.\nRun again with --yes to do it.`);
    return 2;
  }
  const { container, served, plugins, dispose } = await composeForKubernetes({
    cache: false,
    environment: environmentWithDefaults(options.environment, { GEFYRA_LOG_LEVEL: 'warn' }),
    kubeconfig: options.kubeconfig,
    namespace,
  });
  // A plugin that removes what it serves does the reset; else the core's, of InterceptRequests.
  const resetting = plugins.find((plugin) => plugin.reset !== undefined);
  if (resetting?.reset) {
    const reset = resetting.reset.bind(resetting);
    try {
      await untilDone((signal) => reset(container, { removeOperator: !options.keepOperator }, signal));
    } finally {
      await dispose();
    }
    options.io.out(`removed ${scope}`);
    return 0;
  }
  if (!served.interceptRequests) {
    await dispose();
    // The reset ends InterceptRequests and removes their tunnel; an operator configured without them has neither.
    options.io.err(
      `reset removes an installation that serves ${['InterceptRequests', ...kindsResetByPlugins].join(' or ')}; this configuration serves neither`,
    );
    return 2;
  }
  try {
    const reset = resolve(container, SERVICES.ResetService);
    await untilDone((signal) =>
      reset.reset('requested with `gefyra-operator reset`', { removeOperator: !options.keepOperator }, signal),
    );
  } finally {
    await dispose();
  }
  options.io.out(`removed ${scope}`);
  return 0;
}

/**
 * A running operator ends the same intercepts or finalizes the same clients
 * at the same time: a conflict, or something still ending, passes; tried
 * again until the time is up.
 */
async function untilDone(step: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const signal = AbortSignal.timeout(300_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await step(signal);
      return;
    } catch (error) {
      if (!isDomainError(error) || !error.retryable || signal.aborted) throw error;
      await delay(Math.min(5000, 250 * 2 ** attempt), undefined, { signal });
    }
  }
}
