import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../../src/environment.js';
import { settingsCatalogue } from '../../../src/settings/settings-catalogue.js';
import { defineSettings, ownerOf, variable } from '../../../src/settings/settings-schema.js';

/** A default the README shows as one literal (`64`, `600` s, `-1` (no limit)), not a rule or another variable. */
const LITERAL_DEFAULT = /^`([^`]+)`(?: s)?(?: \([^)]*\))?$/;

describe('the settings schemas', () => {
  const schemas = settingsCatalogue();
  const declared = schemas.flatMap((schema) =>
    Object.keys(schema.variables).map((name) => ({ name, owner: schema.owner })),
  );

  it('declare each variable once: one schema, one parser, one meaning', () => {
    const names = declared.map(({ name }) => name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    for (const { name, owner } of declared) expect(ownerOf(name)).toBe(owner);
    expect(new Set(schemas.map((schema) => schema.owner)).size).toBe(schemas.length);
  });

  it('refuse a second schema that declares a variable again, naming its owner', () => {
    expect(() =>
      defineSettings('a second reader', {
        GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: variable(z.string(), {
          default: '`0`',
          meaning: 'again',
          contracts: ['2'],
        }),
      }),
    ).toThrow(
      /GEFYRA_STOWAWAY_MAX_CONNECTION_AGE is declared by the settings of gefyraclient and again by a second reader/,
    );
    // Refused as a whole: none of its other names was taken either.
    expect(() =>
      defineSettings('half', {
        SETTINGS_TEST_FRESH: variable(z.string(), { default: '', meaning: '', contracts: ['2'] }),
        GEFYRA_NAMESPACE: variable(z.string(), { default: '', meaning: '', contracts: ['2'] }),
      }),
    ).toThrow(/GEFYRA_NAMESPACE/);
    expect(ownerOf('SETTINGS_TEST_FRESH')).toBeUndefined();
  });

  it('document the default their parser gives', () => {
    const checked = schemas.flatMap((schema) =>
      Object.entries(schema.variables).flatMap(([name, docs]) => {
        const literal = LITERAL_DEFAULT.exec(docs.default)?.[1];
        if (literal === undefined || /^[A-Z][A-Z0-9_]+$/.test(literal)) return [];
        return [
          {
            name,
            unset: parseEnvironment(schema, {})[name],
            documented: parseEnvironment(schema, { [name]: literal })[name],
          },
        ];
      }),
    );
    expect(checked.length).toBeGreaterThan(30);
    for (const { name, unset, documented } of checked)
      expect({ name, value: unset }).toEqual({ name, value: documented });
  });

  it('say which contracts each variable applies to, and what it means', () => {
    for (const schema of schemas) {
      for (const [name, docs] of Object.entries(schema.variables)) {
        expect(docs.contracts.length, name).toBeGreaterThan(0);
        expect(docs.meaning.length, name).toBeGreaterThan(5);
        expect(docs.default.length, name).toBeGreaterThan(0);
      }
    }
  });
});
