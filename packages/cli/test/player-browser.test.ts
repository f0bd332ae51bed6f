// Issue 4 acceptance 2: headless Chromium opens the player page served by a running
// `livelink serve` while ffmpeg publishes; the video really plays from our HTTP-FLV output and
// from our HLS output (the fallback), at the source's size, with no console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, collectConsoleErrors, expectVideoPlays, saveScreenshot } from '../../web/test/support/browser.ts';
import { makeClip, ffmpegPublish } from '../../media/test/support/peers.ts';
import { startServe } from './support/serve-process.ts';

async function playerPlays(serveArgs: string[], modes: ReadonlyArray<'flv' | 'hls'>, screenshotPrefix: string): Promise<void> {
  const serve = await startServe(serveArgs);
  const publisher = ffmpegPublish(`rtmp://127.0.0.1:${serve.rtmpPort}/live/demo`, await makeClip({ seconds: 4, width: 640, height: 360 }));
  const browser = await launchBrowser();
  try {
    const base = `http://127.0.0.1:${serve.httpPort}`;
    const deadline = Date.now() + 15_000;
    while (((await (await fetch(`${base}/api/v1/streams`)).json()) as { streams: unknown[] }).streams.length === 0) {
      assert.ok(Date.now() < deadline, 'the stream went live');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const mode of modes) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors = collectConsoleErrors(page);
      await page.goto(`${base}/play/live/demo${mode === 'hls' ? '?mode=hls' : ''}`);
      const report = await expectVideoPlays(page, { minSeconds: 4, width: 640, height: 360 });
      assert.ok(report.decodedFrames >= 4 * 20, `${mode}: ${report.decodedFrames} frames decoded in ${report.advancingSeconds.toFixed(1)} s`);
      await saveScreenshot(page, `${screenshotPrefix}-${mode}`);
      assert.deepEqual(errors, [], `${mode}: console errors`);
      await page.close();
    }
    const home = await browser.newPage();
    await home.goto(`${base}/`);
    await home.waitForSelector('a[href="/play/live/demo"]', { timeout: 10_000 });
    await home.close();
  } finally {
    await browser.close();
    await publisher.stop();
    assert.equal(await serve.stop(), 0);
  }
}

test('the player page plays a live stream over HTTP-FLV and over HLS', () => playerPlays([], ['flv', 'hls'], 'serve-player'));

test('with --hls-format fmp4 the HLS fallback plays CMAF segments', () => playerPlays(['--hls-format', 'fmp4'], ['hls'], 'serve-player-fmp4'));
