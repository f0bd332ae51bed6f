#!/usr/bin/env node
// Entry for `npx livelink`: the CLI is TypeScript run by Node's type stripping (Node >= 24).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`livelink needs Node.js 24 or newer (this is ${process.version}); run it through npm scripts or npx from the repository, which use the pinned Node.`);
  process.exit(1);
}
await import('../src/main.ts');
