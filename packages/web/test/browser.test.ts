// The web app in real headless Chromium against a fake origin that serves real ffmpeg-made FLV and HLS.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWebApp } from '../src/index.ts';
import { collectConsoleErrors, expectVideoPlays, launchBrowser, saveScreenshot, type Browser, type Page } from './support/browser.ts';
import { startFakeOrigin, testStreamInfo, type FakeOrigin } from './support/fake-origin.ts';
import { createTestMedia, type TestMedia } from './support/test-media.ts';

let work: string;
let media: TestMedia;
let origin: FakeOrigin;
let browser: Browser;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'livelink-web-browser-'));
  const [testMedia, webApp, chromium] = await Promise.all([createTestMedia(work), loadWebApp(), launchBrowser()]);
  media = testMedia;
  browser = chromium;
  origin = await startFakeOrigin({
    webApp,
    media,
    streams: liveStreams(),
    flvBehaviors: {
      blip: { kind: 'paced', sessionSeconds: 2.5 },
      frozen: { kind: 'paced', sessionSeconds: 2, freeze: true },
      lagging: { kind: 'paced', burstSeconds: 5 },
      broken: { kind: 'garbage' },
    },
  });
});

after(async () => {
  await browser?.close();
  await origin?.close();
  await rm(work, { recursive: true, force: true });
});

/** Every stream the player tests open is live as far as the status API is concerned. */
function liveStreams() {
  return ['demo', 'broken', 'blip', 'frozen', 'lagging'].map((name) => testStreamInfo(media, 'live', name));
}

/** Opens a page of the app, runs the test body, then requires a clean console. */
async function withPage(pathname: string, body: (page: Page) => Promise<void>, setup?: (page: Page) => Promise<void>): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = collectConsoleErrors(page);
  try {
    await setup?.(page);
    await page.goto(`${origin.url}${pathname}`);
    await body(page);
  } finally {
    await page.close();
  }
  assert.deepEqual(errors, [], 'no console errors');
}

const stage = (page: Page, name: string) => page.getAttribute('.stage', `data-${name}`);

describe('player page', () => {
  test('H.264/AAC is playable through MSE in this Chromium', async () => {
    const page = await browser.newPage();
    const support = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'));
    await page.close();
    assert.equal(support, true);
  });

  test('plays HTTP-FLV by default and shows the stream facts', async () => {
    await withPage('/play/live/demo', async (page) => {
      const report = await expectVideoPlays(page, { minSeconds: 3, width: 640, height: 360 });
      assert.equal(await stage(page, 'engine'), 'flv-http');
      assert.equal(await stage(page, 'state'), 'playing');
      assert.equal(await page.textContent('.fact-video'), 'H.264 Baseline 3 · 640×360 @ 25 fps');
      assert.equal(await page.textContent('.fact-audio'), 'AAC-LC · 44.1 kHz · mono');
      assert.equal(await page.textContent('.badge'), 'LIVE');
      assert.match((await page.textContent('.fact-buffer')) ?? '', /^\d+\.\d s$/);
      assert.equal(await page.textContent('.fact-latency'), '—', 'mpegts.js does not know where the live edge is');
      assert.ok(report.startupSeconds < 5, `started after ${report.startupSeconds} s`);
      await saveScreenshot(page, 'web-player-flv');
    });
  });

  test('plays WebSocket-FLV with ?mode=ws', async () => {
    await withPage('/play/live/demo?mode=ws', async (page) => {
      await expectVideoPlays(page, { minSeconds: 3, width: 640, height: 360 });
      assert.equal(await stage(page, 'engine'), 'flv-ws');
      assert.equal(await page.isChecked('input[name=mode][value=ws]'), true);
    });
  });

  test('plays HLS through hls.js with ?mode=hls', async () => {
    await withPage('/play/live/demo?mode=hls', async (page) => {
      await expectVideoPlays(page, { minSeconds: 3, width: 640, height: 360 });
      assert.equal(await stage(page, 'engine'), 'hls.js');
      // A playlist without parts or HOLD-BACK: hls.js aims three target durations behind the edge.
      const latency = (await page.textContent('.fact-latency')) ?? '';
      assert.match(latency, /^\d+\.\d s behind live \(target \d+\.\d s\)$/);
      assert.ok(latency.endsWith(`(target ${(3 * media.hlsTargetDuration).toFixed(1)} s)`), latency);
      await saveScreenshot(page, 'web-player-hls');
    });
  });

  test('falls back to HLS when MSE cannot play the FLV', async () => {
    await withPage('/play/live/broken', async (page) => {
      await expectVideoPlays(page, { minSeconds: 2, width: 640, height: 360 });
      assert.equal(await stage(page, 'engine'), 'hls.js');
      assert.equal(origin.flvSessions('broken'), 1, 'FLV is not retried once it proved unplayable');
      assert.match((await page.getAttribute('.fact-engine', 'title')) ?? '', /^Fallback: FLV failed in this browser/);
    });
  });

  test('plays native HLS where the browser has no Media Source Extensions', async () => {
    const withoutMse = async (page: Page) => {
      await page.addInitScript(() => {
        // What a browser like iOS Safari before 17.1 offers: <video> plays HLS, but there is no MediaSource.
        for (const name of ['MediaSource', 'ManagedMediaSource', 'WebKitMediaSource']) Reflect.deleteProperty(window, name);
      });
    };
    await withPage(
      '/play/live/demo',
      async (page) => {
        await expectVideoPlays(page, { minSeconds: 2, width: 640, height: 360 });
        assert.equal(await stage(page, 'engine'), 'native-hls');
      },
      withoutMse,
    );
  });

  test('reconnects and plays again when the publisher comes back', async () => {
    await withPage('/play/live/blip', async (page) => {
      await expectVideoPlays(page, { minSeconds: 1 });
      // Each session carries 2.5 s of media; the player has to notice the end and come back on its own.
      await page.waitForFunction(() => Number(document.querySelector('.stage')?.getAttribute('data-connections')) >= 2, null, {
        timeout: 10_000,
      });
      await expectVideoPlays(page, { minSeconds: 1, width: 640, height: 360 });
      assert.ok(origin.flvSessions('blip') >= 2);
      assert.equal(await stage(page, 'engine'), 'flv-http');
      assert.match((await page.textContent('.log')) ?? '', /flv-http ended: the server ended the FLV stream/);
    });
  });

  test('rebuilds the player when the stream stops advancing on an open connection', async () => {
    await withPage('/play/live/frozen', async (page) => {
      await expectVideoPlays(page, { minSeconds: 1 });
      await page.waitForFunction(() => document.querySelector('.stage')?.getAttribute('data-state') === 'buffering');
      // The default watchdog gives up after 6 s without progress.
      await page.waitForFunction(() => Number(document.querySelector('.stage')?.getAttribute('data-connections')) >= 2, null, {
        timeout: 12_000,
      });
      assert.match((await page.textContent('.log')) ?? '', /no progress for \d+ s/);
      await expectVideoPlays(page, { minSeconds: 1, width: 640, height: 360 });
      assert.equal(origin.flvSessions('frozen'), 2);
    });
  });

  test('chases the live edge when the buffer runs ahead', async () => {
    await withPage('/play/live/lagging', async (page) => {
      // 5 s arrive at once; playing them all would put the viewer 5 s behind the publisher.
      const report = await expectVideoPlays(page, { minSeconds: 2 });
      const { position, ahead } = await page.$eval('video', (video) => ({
        position: video.currentTime,
        ahead: video.buffered.end(video.buffered.length - 1) - video.currentTime,
      }));
      assert.ok(ahead < 1.6, `${ahead.toFixed(2)} s buffered ahead of the playhead`);
      // The media starts at 0: without chasing, the playhead would be about where the wall clock is.
      assert.ok(position > report.advancingSeconds + report.startupSeconds + 2.5, `playhead at ${position.toFixed(2)} s`);
    });
  });

  test('switching delivery restarts playback with the chosen engine', async () => {
    await withPage('/play/live/demo', async (page) => {
      await expectVideoPlays(page, { minSeconds: 1 });
      await page.click('label:has(input[value=hls])');
      await page.waitForFunction(() => document.querySelector('.stage')?.getAttribute('data-engine') === 'hls.js');
      assert.match(page.url(), /\?mode=hls$/);
      await expectVideoPlays(page, { minSeconds: 1, width: 640, height: 360 });
    });
  });
});

describe('home page', () => {
  test('lists live streams with their facts and follows the API as it changes', async () => {
    origin.setStreams([testStreamInfo(media, 'live', 'demo')]);
    try {
      await withPage('/', async (page) => {
        const card = page.locator('.stream-card[data-stream="live/demo"]');
        await card.waitFor();
        assert.equal(await card.locator('a').getAttribute('href'), '/play/live/demo');
        assert.equal(await card.locator('.fact-video').textContent(), 'H.264 Baseline 3 · 640×360 @ 25 fps');
        assert.equal(await card.locator('.fact-viewers').textContent(), '2 viewers (HTTP-FLV 1, HLS 1)');
        assert.match((await card.locator('.fact-bitrate').textContent()) ?? '', /^\d+ kbps$/);
        await saveScreenshot(page, 'web-home');

        origin.setStreams([]);
        await page.locator('.empty').waitFor({ timeout: 5000 });
        assert.equal(await page.locator('.stream-card').count(), 0);
        await saveScreenshot(page, 'web-home-empty');

        origin.setStreams([testStreamInfo(media, 'live', 'demo'), testStreamInfo(media, 'games', 'finals')]);
        await page.locator('.stream-card[data-stream="games/finals"]').waitFor({ timeout: 5000 });
        assert.equal(await page.locator('.stream-card').count(), 2);
      });
    } finally {
      origin.setStreams(liveStreams());
    }
  });
});
