import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATOR_IMAGE_RECIPE } from '../../../scripts/image/recipe.js';
import { recipeFromDockerfile } from '../../support/image/dockerfile-recipe.js';

const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>;
};

describe('the image recipe (npm run image) and the Dockerfile', () => {
  it('put in the same files, user, entrypoint, environment and Node.js major', () => {
    expect(recipeFromDockerfile(dockerfile)).toEqual(OPERATOR_IMAGE_RECIPE);
  });

  it('take Node.js from the same major as the devDependency the builder copies it from', () => {
    expect(packageJson.devDependencies['node']).toMatch(new RegExp(`^\\^${OPERATOR_IMAGE_RECIPE.nodeMajor}\\.`));
  });

  it.each([
    ['another user', dockerfile.replace('USER 65532:65532', 'USER 1000:1000'), 'user'],
    ['one more file', dockerfile.replace('COPY bin ./bin', 'COPY bin ./bin\nCOPY README.md ./'), 'files'],
    ['another Node.js', dockerfile.replaceAll('node:24-bookworm-slim', 'node:22-bookworm-slim'), 'nodeMajor'],
    ['another entrypoint flag', dockerfile.replace('"--optimize-for-size", ', ''), 'entrypoint'],
    ['a file from another build path', dockerfile.replace('/app/dist ./dist', '/app/lib ./dist'), 'files'],
  ])('disagree when the Dockerfile has %s', (_, changed, field) => {
    const parsed = recipeFromDockerfile(changed);
    expect(parsed[field as keyof typeof parsed]).not.toEqual(OPERATOR_IMAGE_RECIPE[field as keyof typeof parsed]);
  });

  it('refuses a final-stage instruction the builder does not know', () => {
    expect(() => recipeFromDockerfile(dockerfile.replace('USER 65532', 'RUN adduser x\nUSER 65532'))).toThrow(
      /uses RUN/,
    );
  });
});
