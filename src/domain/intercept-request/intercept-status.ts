import { z } from 'zod';

/**
 * What the operator writes to an InterceptRequest's status subresource. The
 * phase is rebuilt from the world on every reconcile; the few fields that the
 * world cannot tell (which carrier container was configured, which tunnel
 * revision carries the routes) are bookkeeping that lets a restarted operator
 * resume instead of repeating work.
 */
export const INTERCEPT_PHASES = [
  'Pending',
  'Routing',
  'StartingCarrier',
  'Established',
  'Failed',
  'Restoring',
] as const;

export type InterceptPhase = (typeof INTERCEPT_PHASES)[number];

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});

export type Condition = z.infer<typeof conditionSchema>;

const routeStatusSchema = z.object({
  containerPort: z.number().int(),
  destinationIP: z.string(),
  destinationPort: z.number().int(),
  proxyPort: z.number().int(),
});

export const interceptStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  phase: z.enum(INTERCEPT_PHASES).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  /** Routes the tunnel was told to serve for this request. */
  routes: z.array(routeStatusSchema).optional(),
  /** Tunnel revision (see TunnelRouter) that loaded those routes; a tunnel restart loses them. */
  tunnelRevision: z.string().optional(),
  originalImage: z.string().optional(),
  /** What the carrier was configured with, including its containerID: a container restart loses the configuration. */
  carrierFingerprint: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /**
   * The step that keeps failing with a retryable error, and how many passes in
   * a row it failed: retries back off, and this says what they are waiting for.
   * Gone once the step succeeds.
   */
  failingStep: z.object({ step: z.string(), attempts: z.number().int() }).optional(),
  /** Fingerprint of the request's fields when it failed: the failure stands until they change. */
  failedSpec: z.string().optional(),
  conditions: z.array(conditionSchema).optional(),
});

export type InterceptStatus = z.infer<typeof interceptStatusSchema>;

/** Reads a status written by any operator version; anything unreadable counts as absent. */
export function readInterceptStatus(raw: unknown): InterceptStatus {
  const parsed = interceptStatusSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}
