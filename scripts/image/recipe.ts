/**
 * What goes into the operator's image: the `Dockerfile`'s final stage, as data.
 * `npm run image` builds from this without a container engine; a unit test
 * (test/unit/image/dockerfile-recipe.test.ts) parses the Dockerfile and fails
 * when the two disagree, so a change to one must be made to the other.
 */
export interface ImageFile {
  /** `build`: what the Dockerfile's build stage made in its /app; `context`: a path of this repository. */
  readonly from: 'build' | 'context';
  readonly path: string;
  /** Absolute path in the image. */
  readonly to: string;
}

export interface ImageRecipe {
  /** The major version of Node.js the image runs (the Dockerfile's `FROM node:<major>-…`). */
  readonly nodeMajor: number;
  /** The Debian release the base's libraries come from (`node:<major>-<release>-slim`). */
  readonly debianRelease: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly files: readonly ImageFile[];
  /** `uid:gid`, numeric, as Kubernetes' runAsNonRoot can only check a numeric user. */
  readonly user: string;
  readonly exposedPorts: readonly number[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

export const OPERATOR_IMAGE_RECIPE: ImageRecipe = {
  nodeMajor: 24,
  debianRelease: 'bookworm',
  workdir: '/app',
  env: { NODE_ENV: 'production' },
  files: [
    { from: 'build', path: 'package.json', to: '/app/package.json' },
    { from: 'build', path: 'node_modules', to: '/app/node_modules' },
    { from: 'build', path: 'dist', to: '/app/dist' },
    { from: 'context', path: 'bin', to: '/app/bin' },
    { from: 'context', path: 'image/gefyra', to: '/app/gefyra' },
    { from: 'context', path: 'image/python', to: '/usr/local/bin/python' },
  ],
  user: '65532:65532',
  exposedPorts: [8080, 9443],
  entrypoint: ['node', '--optimize-for-size', 'bin/gefyra-operator.js'],
  cmd: ['run'],
};
