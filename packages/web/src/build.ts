// Bundles the browser app with esbuild. Run as a script to write packages/web/dist/:
//   npx node packages/web/src/build.ts
import { build, type BuildFailure } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Browser sources: everything under here ends up in the bundle or is copied next to it. */
export const APP_SOURCE_DIR = fileURLToPath(new URL('./app/', import.meta.url));
/** Where `livelink serve` finds the built app (git-ignored). */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

/** Browsers with ES modules, dynamic import, private class fields and Media Source Extensions. */
const BROWSER_TARGETS = ['chrome96', 'edge96', 'firefox100', 'safari15.4'];

export type WebAppErrorCode = 'build-failed' | 'incomplete-build';

export class WebAppError extends Error {
  readonly code: WebAppErrorCode;

  constructor(code: WebAppErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebAppError';
    this.code = code;
  }
}

export interface BuildWebAppOptions {
  outDir: string;
}

/**
 * Writes index.html and assets/ (main.js, styles.css, lazily loaded player chunks, source maps) to outDir.
 * index.html is written last, so its presence marks a complete build.
 */
export async function buildWebApp({ outDir }: BuildWebAppOptions): Promise<void> {
  await mkdir(outDir, { recursive: true });
  try {
    await build({
      entryPoints: [path.join(APP_SOURCE_DIR, 'main.ts'), path.join(APP_SOURCE_DIR, 'styles.css')],
      outdir: path.join(outDir, 'assets'),
      entryNames: '[name]',
      // mpegts.js and hls.js are loaded with import() only on the player page, so they become their own chunks.
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: BROWSER_TARGETS,
      minify: true,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
  } catch (error) {
    const detail = (error as Partial<BuildFailure>).errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ');
    throw new WebAppError('build-failed', `esbuild could not bundle the web app: ${detail ?? (error as Error).message}`, {
      cause: error,
    });
  }
  await copyFile(path.join(APP_SOURCE_DIR, 'index.html'), path.join(outDir, 'index.html'));
}

if (import.meta.main) {
  await buildWebApp({ outDir: DEFAULT_DIST_DIR });
  console.log(`built the web app into ${DEFAULT_DIST_DIR}`);
}
