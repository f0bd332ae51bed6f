// A player page for hls.js tests: served from the media server's origin (answered by the browser
// itself), so playlist and segment requests go to the server as a real player page's would.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '../../../web/test/support/browser.ts';

/** Opens a page ready to load `${base}player.html`, which plays `playlistPath` with hls.js in low-latency mode. */
export async function newHlsJsPage(browser: Browser, base: string, playlistPath: string): Promise<Page> {
  const hlsJs = await readFile(fileURLToPath(import.meta.resolve('hls.js/dist/hls.min.js')));
  const page = await browser.newPage();
  await page.route(`${base}player.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><video muted playsinline></video><script src="/hls.min.js"></script><script>
        const video = document.querySelector('video');
        window.player = new Hls({ lowLatencyMode: true });
        window.player.loadSource(${JSON.stringify(playlistPath)});
        window.player.attachMedia(video);
        window.player.on(Hls.Events.MANIFEST_PARSED, () => video.play());
      </script>`,
    }),
  );
  await page.route(`${base}hls.min.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: hlsJs }));
  return page;
}
