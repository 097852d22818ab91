// ESLint flat config. Besides the usual TypeScript rules it enforces the
// hexagon, by glob so that every folder is covered: every domain and ports
// folder (the core's and each plugin's) imports nothing from adapters,
// plugins, the Kubernetes client, the DI container or Node's I/O modules;
// nothing but the CLI imports the composition root; a plugin keeps out of
// another plugin's internals.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

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

// Every plugin folder (a product or a client contract); `shared` holds what several tunnels share, not a plugin.
const PLUGINS = readdirSync(join(import.meta.dirname, 'src', 'plugins'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
  .map((entry) => entry.name);

// A plugin may use another plugin's entry (its `*.plugin.ts`, e.g. to name it as a default), never its internals.
const otherPluginsInternals = (plugin) => {
  const others = PLUGINS.filter((name) => name !== plugin);
  return others.length === 0
    ? []
    : [
        {
          regex: `(^|/)(${others.join('|')})/(?![^/]+\\.plugin\\.js$)`,
          message: `A plugin uses another plugin only through its entry (*.plugin.ts), never its internals.`,
        },
      ];
};

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
  // The hexagon's inside, wherever it is: the core's domain and ports, and every plugin's own domain and ports.
  {
    files: ['src/**/domain/**/*.ts', 'src/**/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli', 'install', 'tunnel']),
    },
  },
  // Infrastructure the domain may use (batching, signals): as pure as the domain itself.
  {
    files: ['src/concurrency/**/*.ts'],
    rules: { 'no-restricted-imports': hexagonRule(['adapters', 'plugins', 'composition', 'cli']) },
  },
  // Dependencies point inward: adapters and install manifests are used by the composition root, never the other way round.
  {
    files: ['src/adapters/**/*.ts', 'src/install/**/*.ts', 'src/settings/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: inwardOnly(['composition', 'cli']) }] },
  },
  // Plugins are loaded by the composition root, never the other way round, and keep out of each other's internals.
  ...PLUGINS.map((plugin) => ({
    files: [`src/plugins/${plugin}/**/*.ts`],
    ignores: [`src/plugins/${plugin}/**/domain/**`, `src/plugins/${plugin}/**/ports/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...inwardOnly(['composition', 'cli']), ...otherPluginsInternals(plugin)] },
      ],
    },
  })),
  {
    files: ['src/plugins/*.ts', 'src/plugins/shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: inwardOnly(['composition', 'cli']) }] },
  },
  // The core configuration knows roles, not products: each plugin reads its own settings.
  {
    files: ['src/config.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: inwardOnly(['plugins', 'composition', 'adapters', 'cli']) }],
    },
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
  // Prettier breaks code but not strings and comments: those are split by hand, and this keeps them so.
  { rules: { 'max-len': ['error', { code: 160, ignoreUrls: true, ignoreRegExpLiterals: true }] } },
);
