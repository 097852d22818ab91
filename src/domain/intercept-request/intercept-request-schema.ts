import { z } from 'zod';

/**
 * The InterceptRequest exactly as the Gefyra 0.13 client writes it: the fields
 * sit at the top level of the object, not under `spec`.
 *
 * Two layers share this file on purpose. `interceptRequestWireFields` gives
 * only the JSON types; the CRD's OpenAPI schema is generated from it (see
 * src/crd), so that the API server accepts anything of the right shape and the
 * operator, not an admission error the client cannot show, explains what is
 * wrong. `interceptSpecSchema` adds the rules a request must satisfy to be
 * carried out, each with a message a user can act on.
 */
export const interceptRequestWireFields = z.object({
  destinationIP: z.string().describe('IP of the local container inside the Gefyra tunnel'),
  targetPod: z.string().describe('Pod to intercept'),
  targetNamespace: z.string().describe('Namespace of the pod'),
  targetContainer: z.string().describe('Container of the pod to replace with Carrier'),
  portMappings: z
    .array(z.string())
    .describe(
      '"<containerPort>:<destinationPort>": the carrier listens on the first in the pod, traffic goes to the second',
    ),
  syncDownDirectories: z.array(z.string()).optional().describe('Directories to sync down to the local container'),
  handleProbes: z.boolean().optional().describe("Let Carrier answer the container's HTTP probes"),
  established: z.boolean().optional().describe('Set by the operator once traffic flows'),
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_MAPPING = /^(\d+):(\d+)$/;

const dnsLabel = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, { error: `${what} is required` })
    .max(63, { error: `${what} must be at most 63 characters` })
    .regex(DNS_LABEL, { error: `${what} must be a DNS label (lower-case letters, digits and '-')` });

/** Each mapping costs a proxy port and a Service in the operator's namespace, shared by every developer. */
export const MAX_PORT_MAPPINGS = 16;

const isPort = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= 65535;

export interface PortMapping {
  /** Port the carrier listens on inside the target pod (the container's serving port). */
  readonly containerPort: number;
  /** Port on the local container that receives the traffic. */
  readonly destinationPort: number;
}

const portMapping = z.string({ error: 'each port mapping must be a string' }).transform((raw, context): PortMapping => {
  const match = PORT_MAPPING.exec(raw.trim());
  if (!match) {
    context.addIssue({ code: 'custom', message: `"${raw}" is not of the form <containerPort>:<destinationPort>` });
    return z.NEVER;
  }
  const containerPort = Number(match[1]);
  const destinationPort = Number(match[2]);
  for (const port of [containerPort, destinationPort]) {
    if (!isPort(port)) {
      context.addIssue({ code: 'custom', message: `"${raw}": port ${port} is outside 1-65535` });
      return z.NEVER;
    }
  }
  return { containerPort, destinationPort };
});

export const interceptSpecSchema = z.object({
  destinationIP: z.union([z.ipv4(), z.ipv6()], {
    error: (issue) =>
      issue.input === undefined
        ? 'destinationIP is required'
        : `destinationIP "${String(issue.input)}" is not an IPv4 or IPv6 address`,
  }),
  targetPod: z
    .string({ error: 'targetPod is required' })
    .min(1, { error: 'targetPod is required' })
    .max(253, { error: 'targetPod must be at most 253 characters' })
    .regex(DNS_SUBDOMAIN, { error: 'targetPod must be a valid pod name' }),
  targetNamespace: dnsLabel('targetNamespace'),
  targetContainer: dnsLabel('targetContainer'),
  portMappings: z
    .array(portMapping, { error: 'portMappings is required' })
    .min(1, { error: 'portMappings must name at least one "<containerPort>:<destinationPort>"' })
    .max(MAX_PORT_MAPPINGS, {
      error: `portMappings may name at most ${MAX_PORT_MAPPINGS} ports (each takes a proxy port and a Service shared by every developer)`,
    })
    .superRefine((mappings, context) => {
      const seen = new Set<number>();
      for (const { containerPort } of mappings) {
        if (seen.has(containerPort)) {
          context.addIssue({ code: 'custom', message: `container port ${containerPort} is mapped more than once` });
        }
        seen.add(containerPort);
      }
    }),
  syncDownDirectories: z
    .array(
      z
        .string()
        .regex(/^\/[^\s;&|`$]*$/, { error: 'sync directories must be absolute paths without shell characters' }),
    )
    .default([]),
  handleProbes: z.boolean({ error: 'handleProbes must be true or false' }).default(true),
});

export type InterceptSpec = z.infer<typeof interceptSpecSchema>;
