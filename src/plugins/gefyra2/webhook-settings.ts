import { z } from 'zod';
import { parseEnvironment, portNumber, type Environment } from '../../environment.js';
import { defineSettings, variable } from '../../settings/settings-schema.js';
import { DEFAULT_CERTIFICATE_LIFETIME_SECONDS, type WebhookPlace } from '../../adapters/webhook/webhook-runner.js';

/** Where Gefyra 2's webhook serves: the client names the Service `gefyra-admission` and the ValidatingWebhookConfiguration `gefyra.dev`. */
export type WebhookSettings = WebhookPlace;

const GEFYRA2 = ['2'] as const;

/** The admission webhook's variables: read by `run` with OP_MODE=webhook and by the liveness check (bin/webhook-healthcheck.js). */
export const webhookSettings = defineSettings('webhook', {
  GEFYRA_WEBHOOK_PORT: variable(portNumber('GEFYRA_WEBHOOK_PORT', 9443, 0), {
    default: '`9443`',
    meaning: 'where the webhook listens (HTTPS)',
    contracts: GEFYRA2,
  }),
  GEFYRA_WEBHOOK_SERVICE: variable(z.string().min(1).default('gefyra-admission'), {
    default: '`gefyra-admission`',
    meaning: 'the Service its certificate is made out to (`<service>.<namespace>.svc`)',
    contracts: GEFYRA2,
  }),
  GEFYRA_WEBHOOK_TLS_SECRET: variable(z.string().min(1).default('gefyra-admission-tls'), {
    default: '`gefyra-admission-tls`',
    meaning: 'the Secret its CA and certificate are kept in across restarts',
    contracts: GEFYRA2,
  }),
  GEFYRA_WEBHOOK_CONFIGURATION: variable(z.string().min(1).default('gefyra.dev'), {
    default: '`gefyra.dev`',
    meaning: 'the ValidatingWebhookConfiguration whose `caBundle` it patches',
    contracts: GEFYRA2,
  }),
  // 30 s at least: the rotation ticks every 24th of it.
  GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME: variable(
    z.coerce
      .number({ error: 'GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME must be a number' })
      .int({ error: 'GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME must be a whole number' })
      .min(30, { error: 'GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME must be at least 30' })
      .default(DEFAULT_CERTIFICATE_LIFETIME_SECONDS),
    {
      default: '`71280000` s (825 days)',
      meaning:
        'how long each serving certificate and its CA are valid; renewed while running from half of it on, old and new CA trusted together across the switch',
      contracts: GEFYRA2,
    },
  ),
});

export function loadWebhookSettings(environment: Environment): WebhookSettings {
  const parsed = parseEnvironment(webhookSettings, environment);
  return {
    port: parsed.GEFYRA_WEBHOOK_PORT,
    service: parsed.GEFYRA_WEBHOOK_SERVICE,
    tlsSecret: parsed.GEFYRA_WEBHOOK_TLS_SECRET,
    configuration: parsed.GEFYRA_WEBHOOK_CONFIGURATION,
    certificateLifetimeSeconds: parsed.GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME,
  };
}
