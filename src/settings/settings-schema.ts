import { z } from 'zod';

/** The client generations whose operator Deployments set or honour a variable. */
export type ContractName = '0.13' | '2';

export const BOTH_CONTRACTS: readonly ContractName[] = ['0.13', '2'];

/** What the README says about a variable: generated from here (src/settings/settings-table.ts). */
export interface VariableDocs {
  /** The default as a reader of the README should see it (`release`, `empty (all)`, ...). */
  readonly default: string;
  readonly meaning: string;
  readonly contracts: readonly ContractName[];
}

/** One environment variable: its only parser and its documentation. */
export interface Variable<Parser extends z.ZodType = z.ZodType> extends VariableDocs {
  readonly parser: Parser;
}

export const variable = <Parser extends z.ZodType>(parser: Parser, docs: VariableDocs): Variable<Parser> => ({
  parser,
  ...docs,
});

type Declarations = Record<string, Variable>;
type ShapeOf<D extends Declarations> = { [Name in keyof D]: D[Name]['parser'] };

/** The variables one owner (the core, a plugin) reads, each declared here and nowhere else. */
export interface SettingsSchema<D extends Declarations = Declarations> {
  /** Who reads them: `core`, a plugin's name, ... (the README's "read by"). */
  readonly owner: string;
  readonly variables: D;
  readonly object: z.ZodObject<ShapeOf<D>>;
}

/** What parsing a schema gives: each variable's parsed value, by name. */
export type SettingsOf<Schema extends SettingsSchema> = z.output<Schema['object']>;

/** Which schema declares each variable, over every schema this process has defined. */
const declaredBy = new Map<string, string>();

/** The owner of a declared variable, or undefined for one no schema declares. */
export const ownerOf = (name: string): string | undefined => declaredBy.get(name);

/**
 * Declares an owner's variables. A variable has one schema: declaring a name
 * a schema already declares throws, so a second parser with other rules
 * cannot come into being next to the first.
 */
export function defineSettings<D extends Declarations>(owner: string, variables: D): SettingsSchema<D> {
  for (const name of Object.keys(variables)) {
    const other = declaredBy.get(name);
    if (other !== undefined)
      throw new Error(
        `${name} is declared by the settings of ${other} and again by ${owner}: one variable, one schema (share its parsed value instead)`,
      );
  }
  for (const name of Object.keys(variables)) declaredBy.set(name, owner);
  const shape = Object.fromEntries(
    Object.entries(variables).map(([name, declared]) => [name, declared.parser]),
  ) as ShapeOf<D>;
  return { owner, variables, object: z.object(shape) };
}
