import { renderYaml } from '../install/deploy-files.js';
import { DEFAULT_OPERATOR_IMAGE } from '../install/install-manifests.js';
import { BUILT_IN_CONTRACTS, FALLBACK_CONTRACT } from '../plugins/built-in.js';
import type { CliOutput } from './main.js';

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

export function runManifests(options: {
  namespace?: string | undefined;
  image?: string | undefined;
  pullPolicy?: string | undefined;
  /** The client contract whose install is printed (its `value`); default the fallback (0.13: deploy/). */
  contract?: string | undefined;
  io: CliOutput;
}): number {
  const value = options.contract ?? FALLBACK_CONTRACT.contract.value;
  const contract = BUILT_IN_CONTRACTS.find((plugin) => plugin.contract.value === value)?.contract;
  if (contract === undefined) {
    options.io.err(
      `--contract must be ${BUILT_IN_CONTRACTS.map((plugin) => plugin.contract.value).join(' or ')} (got "${value}")`,
    );
    return 2;
  }
  const pullPolicy = options.pullPolicy ?? 'IfNotPresent';
  if (!(PULL_POLICIES as readonly string[]).includes(pullPolicy)) {
    options.io.err(`--pull-policy must be one of ${PULL_POLICIES.join(', ')} (got "${pullPolicy}")`);
    return 2;
  }
  const namespace = options.namespace ?? 'gefyra';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    options.io.err(`--namespace must be a valid namespace name (got "${namespace}")`);
    return 2;
  }
  options.io.out(
    renderYaml(
      contract.manifests({
        namespace,
        image: options.image ?? DEFAULT_OPERATOR_IMAGE,
        imagePullPolicy: pullPolicy as (typeof PULL_POLICIES)[number],
      }),
    ),
  );
  return 0;
}
