import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildWebApp, loadWebApp } from '../src/index.ts';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'livelink-web-build-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe('buildWebApp', () => {
  test('writes index.html, the entry bundle, styles, player chunks and source maps', async () => {
    const outDir = path.join(work, 'out');
    await buildWebApp({ outDir });
    const files = await listFiles(outDir);
    for (const expected of ['index.html', 'assets/main.js', 'assets/main.js.map', 'assets/styles.css']) {
      assert.ok(files.includes(expected), `missing ${expected} in ${files.join(', ')}`);
    }
    const chunks = files.filter((f) => f.startsWith('assets/chunks/') && f.endsWith('.js'));
    assert.ok(chunks.some((f) => f.includes('mpegts')), 'mpegts.js is split into a lazily loaded chunk');
    assert.ok(chunks.some((f) => f.includes('hls')), 'hls.js is split into a lazily loaded chunk');

    const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
    assert.match(html, /<script type="module" src="\/assets\/main\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/assets\/styles\.css">/);

    const main = await readFile(path.join(outDir, 'assets/main.js'), 'utf8');
    assert.match(main, /\/\/# sourceMappingURL=main\.js\.map\s*$/);
    // Minified: the entry bundle is far fewer lines than its sources.
    assert.ok(main.split('\n').length < 20, 'main.js is minified');
    const map = JSON.parse(await readFile(path.join(outDir, 'assets/main.js.map'), 'utf8')) as { sources: string[] };
    assert.ok(map.sources.some((s) => s.endsWith('live-player.ts')), 'the source map points at the TypeScript sources');
  });

  test('no bundle file imports a node: module', async () => {
    const outDir = path.join(work, 'out');
    for (const file of (await listFiles(outDir)).filter((f) => f.endsWith('.js'))) {
      const code = await readFile(path.join(outDir, file), 'utf8');
      assert.doesNotMatch(code, /from\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/, `${file} imports node:`);
    }
  });
});

describe('loadWebApp', () => {
  test('serves index.html for / and player paths, assets with their content types, nothing else', async () => {
    const distDir = path.join(work, 'dist-serve');
    const app = await loadWebApp({ distDir });
    const home = app.get('/');
    assert.ok(home);
    assert.equal(home.contentType, 'text/html; charset=utf-8');
    assert.match(new TextDecoder().decode(home.body), /<main id="app">/);
    assert.equal(app.get('/play/live/demo'), home, 'SPA fallback: the player route is the same document');

    const js = app.get('/assets/main.js');
    assert.equal(js?.contentType, 'text/javascript; charset=utf-8');
    assert.deepEqual(js?.body, new Uint8Array(await readFile(path.join(distDir, 'assets/main.js'))));
    assert.equal(app.get('/assets/styles.css')?.contentType, 'text/css; charset=utf-8');
    assert.equal(app.get('/assets/main.js.map')?.contentType, 'application/json; charset=utf-8');

    assert.equal(app.get('/assets/missing.js'), undefined);
    assert.equal(app.get('/assets/../index.html'), undefined);
    assert.equal(app.get('/live/demo.flv'), undefined, 'media paths are left to the media server');
    assert.equal(app.get('/api/v1/streams'), undefined);
  });

  test('reuses a fresh build and rebuilds a stale or incomplete one', async () => {
    const distDir = path.join(work, 'dist-fresh');
    await loadWebApp({ distDir });
    const marker = path.join(distDir, 'assets', 'main.js');

    // Fresh: a changed file in dist is served as is, proving no rebuild happened.
    await writeFile(marker, 'fresh-build-marker');
    assert.equal(new TextDecoder().decode((await loadWebApp({ distDir })).get('/assets/main.js')?.body), 'fresh-build-marker');

    // Stale: a build older than the sources is replaced.
    const longAgo = new Date('2001-01-01T00:00:00Z');
    await utimes(path.join(distDir, 'index.html'), longAgo, longAgo);
    const rebuilt = new TextDecoder().decode((await loadWebApp({ distDir })).get('/assets/main.js')?.body);
    assert.notEqual(rebuilt, 'fresh-build-marker');
    assert.ok(rebuilt.length > 1000);
    assert.ok((await stat(path.join(distDir, 'index.html'))).mtimeMs > longAgo.getTime());

    // Incomplete: without index.html (written last) the build is redone.
    await rm(path.join(distDir, 'index.html'));
    await writeFile(marker, 'half-build');
    const app = await loadWebApp({ distDir });
    assert.ok(app.get('/'));
    assert.notEqual(new TextDecoder().decode(app.get('/assets/main.js')?.body), 'half-build');
    assert.deepEqual((await readdir(work)).filter((name) => name.includes('.staging-')), [], 'no staging directory is left behind');
  });
});
