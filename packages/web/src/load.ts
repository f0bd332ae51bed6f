// Serves the built browser app from memory, rebuilding it first when the sources are newer than the build.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_SOURCE_DIR, buildWebApp, DEFAULT_DIST_DIR, WebAppError } from './build.ts';

export interface WebAppFile {
  body: Uint8Array;
  contentType: string;
}

export interface WebApp {
  /**
   * The response for a request path: `/` and `/play/...` get the single-page app's index.html,
   * `/assets/...` the bundle's files; anything else is not the web app's (undefined).
   */
  get(pathname: string): WebAppFile | undefined;
}

export interface LoadWebAppOptions {
  /** Build output to serve or (re)create; defaults to packages/web/dist. */
  distDir?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export function contentTypeOf(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath)] ?? 'application/octet-stream';
}

/** Everything whose change alters the bundle: our sources, the build recipe, and the player libraries. */
function buildInputs(): string[] {
  const require = createRequire(import.meta.url);
  return [
    fileURLToPath(new URL('./build.ts', import.meta.url)),
    require.resolve('mpegts.js/package.json'),
    require.resolve('hls.js/package.json'),
  ];
}

async function newestInputTime(): Promise<number> {
  const entries = await readdir(APP_SOURCE_DIR, { recursive: true, withFileTypes: true });
  const sources = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  const times = await Promise.all([...sources, ...buildInputs()].map(async (file) => (await stat(file)).mtimeMs));
  return Math.max(...times);
}

async function isFresh(distDir: string): Promise<boolean> {
  try {
    const built = await stat(path.join(distDir, 'index.html'));
    return built.mtimeMs >= (await newestInputTime());
  } catch {
    return false;
  }
}

/**
 * Builds into a private directory and then moves it into place, so a server starting at the same
 * time as another never reads a half-written build. Returns the directory holding the complete build.
 */
async function rebuild(distDir: string): Promise<string> {
  const staging = `${distDir.replace(/[\\/]+$/, '')}.staging-${process.pid}-${randomBytes(4).toString('hex')}`;
  await buildWebApp({ outDir: staging });
  await rm(distDir, { recursive: true, force: true });
  try {
    await rename(staging, distDir);
    return distDir;
  } catch {
    // Another process put its build in place first; ours is just as good to serve from.
    return staging;
  }
}

async function readTree(root: string): Promise<Map<string, WebAppFile>> {
  const files = new Map<string, WebAppFile>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    files.set(`/${relative}`, { body: new Uint8Array(await readFile(absolute)), contentType: contentTypeOf(absolute) });
  }
  return files;
}

export async function loadWebApp(options: LoadWebAppOptions = {}): Promise<WebApp> {
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  const servedDir = (await isFresh(distDir)) ? distDir : await rebuild(distDir);
  const files = await readTree(servedDir);
  if (servedDir !== distDir) await rm(servedDir, { recursive: true, force: true });
  const index = files.get('/index.html');
  if (!index) throw new WebAppError('incomplete-build', `the web app build in ${servedDir} has no index.html`);
  return {
    get(pathname) {
      if (pathname === '/' || pathname.startsWith('/play/')) return index;
      if (pathname.startsWith('/assets/')) return files.get(pathname);
      return undefined;
    },
  };
}
