import { z } from 'zod';
import { ownerOf, type SettingsOf, type SettingsSchema } from './settings/settings-schema.js';

/** The operator's environment variables, as the process got them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Invalid configuration: one message per bad value, reported together. */
export class ConfigurationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** The values behind each guarded environment: only parseEnvironment and the helpers below read them. */
const guarded = new WeakMap<object, Environment>();

const valuesOf = (environment: Environment): Environment => guarded.get(environment) ?? environment;

function refuseRead(key: string | symbol): undefined {
  // Symbols and `then` are asked by inspection and by await, never by a reader of a variable.
  if (typeof key === 'symbol' || key === 'then') return undefined;
  throw new Error(
    `${key} was read from the environment outside its settings schema${ownerOf(key) ? ` (declared by ${ownerOf(key)})` : ' (no schema declares it)'}: ` +
      'declare each variable in one schema (src/settings/settings-catalogue.ts lists them) and pass its parsed value',
  );
}

/**
 * The environment as the composition hands it on: reading a variable from it
 * directly throws, so every variable is read by its schema (parseEnvironment)
 * and nowhere else. Guarding twice returns the same guard.
 */
export function guardEnvironment(environment: Environment): Environment {
  if (guarded.has(environment)) return environment;
  const proxy = new Proxy(
    {},
    {
      get: (_target, key) => refuseRead(key),
      has: (_target, key) => refuseRead(key) ?? false,
      getOwnPropertyDescriptor: (_target, key) => refuseRead(key),
      ownKeys: () => {
        throw new Error('the environment was listed outside a settings schema: read variables with parseEnvironment');
      },
    },
  ) as Environment;
  guarded.set(proxy, Object.freeze({ ...environment }));
  return proxy;
}

/** The environment with some variables replaced (an option that stands for a variable, e.g. `reset --namespace`). */
export const environmentWith = (environment: Environment, overrides: Environment): Environment =>
  guardEnvironment({ ...valuesOf(environment), ...overrides });

/** The environment with defaults for variables it leaves unset (e.g. the one-shot reset logs less). */
export const environmentWithDefaults = (environment: Environment, defaults: Environment): Environment =>
  guardEnvironment({
    ...defaults,
    ...Object.fromEntries(
      Object.entries(valuesOf(environment)).filter(([, value]) => value !== undefined && value !== ''),
    ),
  });

/**
 * Which of the named variables are set, without their values: how the 2.5
 * client's Deployment is recognised. Each name must be declared by a schema.
 */
export function variablesSet(environment: Environment, names: readonly string[]): string[] {
  const undeclared = names.filter((name) => ownerOf(name) === undefined);
  if (undeclared.length > 0) throw new Error(`no settings schema declares ${undeclared.join(', ')}`);
  const values = valuesOf(environment);
  return names.filter((name) => (values[name] ?? '') !== '');
}

/** Parses an owner's variables with its schema, turning every issue into one line of a ConfigurationError. */
export function parseEnvironment<Schema extends SettingsSchema>(
  schema: Schema,
  environment: Environment,
): SettingsOf<Schema> {
  const result = tryParse(schema, environment);
  if ('problems' in result) throw new ConfigurationError(result.problems);
  return result.data;
}

/** Two schemas one reader needs (a plugin's own and one it shares), every bad value of both reported at once. */
export function parseEnvironments<A extends SettingsSchema, B extends SettingsSchema>(
  schemas: readonly [A, B],
  environment: Environment,
): SettingsOf<A> & SettingsOf<B> {
  const [first, second] = [tryParse(schemas[0], environment), tryParse(schemas[1], environment)];
  const problems = [...('problems' in first ? first.problems : []), ...('problems' in second ? second.problems : [])];
  if ('problems' in first || 'problems' in second) throw new ConfigurationError(problems);
  return { ...first.data, ...second.data };
}

function tryParse<Schema extends SettingsSchema>(
  schema: Schema,
  environment: Environment,
): { data: SettingsOf<Schema> } | { problems: string[] } {
  const values = valuesOf(environment);
  const present = Object.fromEntries(
    Object.keys(schema.variables).flatMap((name) => {
      const value = values[name];
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  const parsed = schema.object.safeParse(present);
  if (parsed.success) return { data: parsed.data as SettingsOf<Schema> };
  return {
    problems: parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = name ? present[name] : undefined;
      return value === undefined ? issue.message : `${issue.message} (got "${value}")`;
    }),
  };
}

/** A whole number of seconds with a default, for settings read from the environment. */
export const seconds = (name: string, fallback: number, minimum = 1) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int({ error: `${name} must be a whole number of seconds` })
    .min(minimum, { error: `${name} must be at least ${minimum}` })
    .default(fallback);

/** A port number with a default (0: any free port, where a listener allows it). */
export const portNumber = (name: string, fallback: number, minimum: 0 | 1 = 1) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int({ error: `${name} must be a whole number` })
    .min(minimum, { error: `${name} must be between ${minimum} and 65535` })
    .max(65535, { error: `${name} must be between ${minimum} and 65535` })
    .default(fallback);

const TRUE = ['y', 'yes', 't', 'true', 'on', '1'];
const FALSE = ['n', 'no', 'f', 'false', 'off', '0'];

/** A switch, spelled as Gefyra's operator reads its own (python-decouple's booleans, any case: the 2.5 client writes "True"/"False"). */
export const flag = (name: string, fallback: boolean) =>
  z
    .string()
    .refine((raw) => [...TRUE, ...FALSE].includes(raw.trim().toLowerCase()), { error: `${name} must be true or false` })
    .transform((raw) => TRUE.includes(raw.trim().toLowerCase()))
    .default(fallback);
