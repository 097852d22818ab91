import { renderYaml } from '../install/deploy-files.js';
import {
  DEFAULT_OPERATOR_IMAGE,
  installManifests,
  requesterWebhookManifests,
  type InstallOptions,
} from '../install/install-manifests.js';
import { gefyra2InstallManifests } from '../plugins/gefyra2/install/gefyra2-manifests.js';
import type { CliOutput } from './main.js';

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

export function runManifests(options: {
  namespace?: string | undefined;
  image?: string | undefined;
  pullPolicy?: string | undefined;
  /** `0.13` (default): the operator and its requester webhook (deploy/); `2`: with the Gefyra 2 CRDs and the webhook (deploy/gefyra2). */
  contract?: string | undefined;
  io: CliOutput;
}): number {
  const contract = options.contract ?? '0.13';
  if (contract !== '0.13' && contract !== '2') {
    options.io.err(`--contract must be 0.13 or 2 (got "${contract}")`);
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
      (contract === '2' ? gefyra2InstallManifests : withRequesterWebhook)({
        namespace,
        image: options.image ?? DEFAULT_OPERATOR_IMAGE,
        imagePullPolicy: pullPolicy as (typeof PULL_POLICIES)[number],
      }),
    ),
  );
  return 0;
}

/** What deploy/ holds: the operator, and the webhook that stamps requesters (without it the required review refuses every request). */
const withRequesterWebhook = (options: InstallOptions) => [
  ...installManifests(options),
  ...requesterWebhookManifests(options.namespace, options.name),
];
