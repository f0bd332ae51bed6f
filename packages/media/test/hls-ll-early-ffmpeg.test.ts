// A player joining a low-latency stream that has just started: ffmpeg publishes over RTMP in real
// time with 4 s segments of 500 ms parts, and hls.js in headless Chromium loads the playlist while
// only parts of the first segment exist. It gets that early playlist (no segment yet), and plays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './support/server.ts';
import { ffmpegPublish, makeClip, waitFor } from './support/peers.ts';
import { launchBrowser, collectConsoleErrors, expectVideoPlays } from '../../web/test/support/browser.ts';
import { newHlsJsPage } from './support/hls-js-page.ts';

test('hls.js joining before the first segment is complete gets the parts-only playlist and plays', { timeout: 90_000 }, async (t) => {
  const server = await startTestServer({ hls: { segmentFormat: 'fmp4', targetDurationMs: 4000, partTargetMs: 500 } });
  t.after(() => server.close());
  const base = server.httpUrl('');
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await newHlsJsPage(browser, base, '/live/early.m3u8');
  const errors = collectConsoleErrors(page);
  const playlists: { url: string; status: number; text: string }[] = [];
  page.on('response', async (response) => {
    if (response.url().includes('.m3u8')) playlists.push({ url: response.url(), status: response.status(), text: await response.text().catch(() => '') });
  });

  // A keyframe every 4 s (100 frames at 25 fps): the first segment takes 4 s, its parts come every 500 ms.
  const publisher = ffmpegPublish(server.rtmpUrl('live/early'), await makeClip({ seconds: 20, gop: 100 }));
  t.after(() => publisher.stop());
  const stats = () => server.media.hls.stats('live', 'early');
  await waitFor(() => (stats()?.partsProduced ?? 0) >= 1, 20_000, 'a first part');
  assert.equal(stats()!.segmentsProduced, 0);
  await page.goto(`${base}player.html`);
  const report = await expectVideoPlays(page, { minSeconds: 4, width: 320, height: 240 });
  const first = playlists[0];
  t.diagnostic(
    `${playlists.length} playlist responses; the first (${first.status}) listed ${first.text.match(/#EXT-X-PART:/g)?.length ?? 0} parts and no segment; ` +
      `then asked for ${playlists.slice(1, 5).map(({ url, status }) => `${new URL(url).search || '(plain)'} ${status}`).join(', ')}; ` +
      `played ${report.mediaSecondsPlayed.toFixed(1)} s of media in ${report.advancingSeconds.toFixed(1)} s`,
  );
  assert.equal(first.status, 200);
  assert.match(first.text, /#EXT-X-PART:/);
  assert.doesNotMatch(first.text, /#EXTINF/, 'hls.js joined before the first segment was complete');
  assert.deepEqual(errors, []);
});
