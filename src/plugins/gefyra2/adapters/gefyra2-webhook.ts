import { startWebhook, type RunningWebhook, type WebhookOptions } from '../../../adapters/webhook/webhook-runner.js';
import { admissionHandlers, NO_POLICY_SETTINGS, type AdmissionPolicy } from './admission-handlers.js';

/** What the 2.5 client waits for besides `Gefyra-Ready` (contract §1). */
export const WEBHOOK_READY_REASON = 'Gefyra-Webhook-Ready';
/** The webhook's Deployment and account, as deploy/gefyra2 and the 2.5 client name them. */
export const WEBHOOK_DEPLOYMENT = 'gefyra-operator-webhook';

/**
 * `OP_MODE=webhook`: the webhook runner with the three validating paths of
 * Gefyra 2 (`/client-parameters`, `/mount-parameters`, `/bridge-parameters`)
 * on the client's ValidatingWebhookConfiguration, announcing
 * `Gefyra-Webhook-Ready` the first time the API server's health check
 * reaches it.
 */
export async function startGefyra2Webhook(
  options: Omit<WebhookOptions, 'handlers' | 'readiness' | 'configurationKind'> & {
    /** Default: no GEFYRA_DESTINATION_SUBNETS. */
    readonly policy?: AdmissionPolicy;
  },
): Promise<RunningWebhook> {
  const { policy, ...rest } = options;
  return await startWebhook({
    ...rest,
    handlers: admissionHandlers(options.objects, policy ?? NO_POLICY_SETTINGS),
    readiness: {
      reason: WEBHOOK_READY_REASON,
      message: 'The Gefyra admission webhook answers',
      deployment: WEBHOOK_DEPLOYMENT,
      label: 'webhook-ready',
    },
  });
}
