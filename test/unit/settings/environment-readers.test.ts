import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

const withoutComments = (source: string): string =>
  source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

const filesUnder = (folder: string, suffix: string): string[] =>
  readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(folder, name));

/** Where a source reads a variable without a schema: process.env's members, or an environment record indexed. */
function directReads(source: string): string[] {
  const code = withoutComments(source);
  return [...code.matchAll(/process\.env\s*(?:\.\s*\w+|\[[^\]]*\])|\b(?:environment|env)\s*\[[^\]]*\]/g)].map(
    (match) => match[0],
  );
}

describe('readers of the environment', () => {
  it('are found by the scan, whichever way a variable is read', () => {
    expect(directReads("const namespace = options.environment['GEFYRA_NAMESPACE'] ?? 'gefyra';")).toEqual([
      "environment['GEFYRA_NAMESPACE']",
    ]);
    expect(directReads('const port = Number(process.env.GEFYRA_WEBHOOK_PORT || 9443);')).toEqual([
      'process.env.GEFYRA_WEBHOOK_PORT',
    ]);
    expect(directReads("const tag = env[name] ?? process.env['GEFYRA_STOWAWAY_TAG'];")).toEqual([
      'env[name]',
      "process.env['GEFYRA_STOWAWAY_TAG']",
    ]);
    expect(
      directReads("// environment['X'] in a comment\nconst parsed = parseEnvironment(coreSettings, environment);"),
    ).toEqual([]);
  });

  it('in src/ are the settings schemas only: no process.env, no environment record indexed', () => {
    // The simulators, which index the environment of the container they play, live in test/support.
    const found = filesUnder('src', '.ts').flatMap((file) => {
      const source = readFileSync(join(root, file), 'utf8');
      return [...directReads(source), ...(withoutComments(source).includes('process.env') ? ['process.env'] : [])].map(
        (read) => `${relative(root, join(root, file))}: ${read}`,
      );
    });
    expect(found).toEqual([]);
  });

  it('in bin/ hand process.env whole to what parses it', () => {
    const found = filesUnder('bin', '.js').flatMap((file) =>
      directReads(readFileSync(join(root, file), 'utf8')).map((read) => `${file}: ${read}`),
    );
    expect(found).toEqual([]);
  });
});
