#!/usr/bin/env node
// Entry point of the gefyra-operator command. It must run on Node.js 24: the
// Kubernetes client it loads crashes on older versions, so check first and
// say what to do instead of failing with a stack trace.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `gefyra-operator needs Node.js 24 or newer, but this is Node.js ${process.versions.node}.\n` +
      'Inside the project, run it through npm (`npm start`, `npx gefyra-operator ...`): npm uses the\n' +
      "project's own Node.js 24 (the `node` devDependency). Elsewhere, install Node.js 24 LTS.",
  );
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2), process.env);
