import { z } from 'zod';

/**
 * OpenAPI v3 schema for a CRD, derived from a zod schema. Kubernetes wants a
 * *structural* schema: only types, properties, items, enums, descriptions,
 * defaults and required lists survive; JSON-Schema-only keywords ($schema,
 * additionalProperties beside properties, integer bounds of JavaScript) go.
 */
export type OpenApiSchema = { [keyword: string]: unknown };

const KEPT = new Set(['type', 'description', 'enum', 'default', 'required', 'format']);

export function openApiSchemaOf(schema: z.ZodType): OpenApiSchema {
  return structural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as OpenApiSchema);
}

function structural(node: OpenApiSchema): OpenApiSchema {
  const result: OpenApiSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (KEPT.has(keyword)) result[keyword] = value;
  }
  if (node['properties'] && typeof node['properties'] === 'object') {
    result['properties'] = Object.fromEntries(
      Object.entries(node['properties'] as Record<string, OpenApiSchema>).map(([name, child]) => [
        name,
        structural(child),
      ]),
    );
  }
  if (node['items'] && typeof node['items'] === 'object') result['items'] = structural(node['items'] as OpenApiSchema);
  if (Array.isArray(result['required']) && result['required'].length === 0) delete result['required'];
  return result;
}
