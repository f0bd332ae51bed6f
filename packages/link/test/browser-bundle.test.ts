// The main entry must bundle for browsers: no node:* import may creep in through any module.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';

test('src/index.ts bundles for the browser with no node: imports', async () => {
  const result = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  assert.deepEqual(imports.filter((path) => path.startsWith('node:')), []);
  const code = result.outputFiles[0].text;
  assert.doesNotMatch(code, /from\s+["']node:/);
  assert.match(code, /createLinkClient/);
});

test('the node entry is what pulls in node:net', async () => {
  const result = await build({
    entryPoints: [new URL('../src/node.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  assert.ok(imports.includes('node:net'));
});
