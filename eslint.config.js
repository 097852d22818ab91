// ESLint flat config. Besides the usual TypeScript rules it enforces the
// hexagon: the domain and the ports import nothing from adapters, plugins,
// the Kubernetes client, the DI container or Node's I/O modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier';

const NODE_IO = [
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'process',
  'readline',
  'stream',
  'crypto',
];

const hexagonRule = (forbiddenFolders) => [
  'error',
  {
    paths: [
      { name: '@kubernetes/client-node', message: 'The domain speaks to Kubernetes only through ports.' },
      {
        name: 'inversify',
        message: 'The domain is wired from outside (src/composition), it does not know the container.',
      },
      { name: 'pino', message: 'Log through the Logger port.' },
      ...NODE_IO.flatMap((name) => [
        { name, message: 'No I/O in the domain: add a port.' },
        { name: `node:${name}`, message: 'No I/O in the domain: add a port.' },
      ]),
    ],
    patterns: forbiddenFolders.map((folder) => ({
      group: [`**/${folder}/**`, `**/${folder}`],
      message: `The domain must not depend on ${folder}.`,
    })),
  },
];

const inwardOnly = (forbiddenFolders) =>
  forbiddenFolders.map((folder) => ({
    group: [`**/${folder}/**`, `**/${folder}`],
    message: `Dependencies point inward: this must not depend on ${folder}.`,
  }));

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli']) },
  },
  {
    files: ['src/ports/**/*.ts'],
    rules: { 'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli']) },
  },
  // Infrastructure the domain may use (batching, signals): as pure as the domain itself.
  {
    files: ['src/concurrency/**/*.ts'],
    rules: { 'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli']) },
  },
  // Dependencies point inward: plugins are loaded by the composition root, never the other way round.
  {
    files: ['src/plugins/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: inwardOnly(['composition', 'cli']) }] },
  },
  // The core configuration knows roles, not products: each plugin reads its own settings.
  {
    files: ['src/config.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: inwardOnly(['plugins', 'composition', 'adapters', 'cli']) }],
    },
  },
  // The webhook's admission rules: pure functions of the request and what the adapter read for them.
  {
    files: ['src/webhook/**/*.ts'],
    rules: { 'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli']) },
  },
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // Each variable is read by its settings schema (src/settings); the entry points in bin/ hand process.env to main().
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Declare the variable in a settings schema (defineSettings) and read it with parseEnvironment.',
        },
      ],
    },
  },
  // Formatting is Prettier's (npm run format); this turns off the rules that would disagree with it.
  prettierConfig,
);
