import { z } from 'zod';

/** Invalid configuration: one message per bad value, reported together. */
export class ConfigurationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** Parses environment variables with a zod schema, turning every issue into one line of a ConfigurationError. */
export function parseEnvironment<Schema extends z.ZodType>(
  schema: Schema,
  environment: Readonly<Record<string, string | undefined>>,
): z.infer<Schema> {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = name ? present[name] : undefined;
      return value === undefined ? issue.message : `${issue.message} (got "${value}")`;
    }),
  );
}

/** A whole number of seconds with a default, for settings read from the environment. */
export const seconds = (name: string, fallback: number, minimum = 1) =>
  z.coerce
    .number({ error: `${name} must be a number of seconds` })
    .int({ error: `${name} must be a whole number of seconds` })
    .min(minimum, { error: `${name} must be at least ${minimum}` })
    .default(fallback);
