// Playlist Delta Updates with real peers: a media server with Low-Latency HLS and ffmpeg publishing
// over RTMP in real time. With a long window the playlist advertises CAN-SKIP-UNTIL and
// _HLS_skip=YES returns EXT-X-SKIP; with the default window it advertises nothing; and hls.js in
// headless Chromium, seeing CAN-SKIP-UNTIL, asks for delta updates, merges them and plays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.ts';
import { ffmpegPublish, makeClip, waitFor, type Running } from './support/peers.ts';
import { launchBrowser, collectConsoleErrors, expectVideoPlays } from '../../web/test/support/browser.ts';
import { newHlsJsPage } from './support/hls-js-page.ts';

const LOW_LATENCY = { segmentFormat: 'fmp4', targetDurationMs: 1000, partTargetMs: 500 } as const;

async function publishing(windowSegments?: number): Promise<{ server: TestServer; publisher: Running; stop(): Promise<void> }> {
  const server = await startTestServer({ hls: { ...LOW_LATENCY, ...(windowSegments === undefined ? {} : { windowSegments }) } });
  // Long enough never to loop during a test (a loop stretches a segment past the target duration),
  // with a keyframe every second (25 frames): 1 s segments of two parts.
  const publisher = ffmpegPublish(server.rtmpUrl('live/skip'), await makeClip({ seconds: 40, gop: 25 }));
  return {
    server,
    publisher,
    async stop() {
      await publisher.stop();
      await server.close();
    },
  };
}

/**
 * The whole playlist and a delta update of it, once a segment has gone beyond the skip boundary.
 * Full, delta, full: a pair counts only when nothing was added between the requests.
 */
async function firstDeltaUpdate(url: string): Promise<[string, string]> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const full = await (await fetch(url)).text();
    const delta = await (await fetch(`${url}?_HLS_skip=YES`)).text();
    if (/EXT-X-SKIP/.test(delta) && (await (await fetch(url)).text()) === full) return [full, delta];
    assert.ok(Date.now() < deadline, 'no delta update within 40 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const lines = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line));

describe('a window of 20 segments', () => {
  let live: Awaited<ReturnType<typeof publishing>>;
  before(async () => {
    live = await publishing(20);
  });
  after(() => live.stop());

  test('advertises CAN-SKIP-UNTIL, and _HLS_skip=YES returns EXT-X-SKIP in place of the older segments', { timeout: 60_000 }, async (t) => {
    const url = live.server.httpUrl('live/skip.m3u8');
    const stats = () => live.server.media.hls.stats('live', 'skip');
    await waitFor(() => (stats()?.segmentsProduced ?? 0) >= 1, 20_000, 'a first segment');
    const first = await (await fetch(url)).text();
    const target = Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(first)![1]);
    assert.match(first, new RegExp(`^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\\.500,CAN-SKIP-UNTIL=${6 * target}\\.000$`, 'm'));
    // Until a segment ends more than six target durations before the last, there is nothing to skip.
    assert.doesNotMatch(await (await fetch(`${url}?_HLS_skip=YES`)).text(), /EXT-X-SKIP/);

    const [full, delta] = await firstDeltaUpdate(url);
    t.diagnostic(`target duration ${target} s; ${stats()!.segmentsProduced} segments when the first delta update came`);
    assert.match(delta, /^#EXT-X-VERSION:9$/m);
    assert.match(full, /^#EXT-X-VERSION:7$/m);
    const skipped = Number(/^#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)$/m.exec(delta)![1]);
    assert.ok(skipped >= 1);
    assert.deepEqual(lines(delta, /^#EXT-X-MEDIA-SEQUENCE:/), lines(full, /^#EXT-X-MEDIA-SEQUENCE:/));
    // The delta lists the whole playlist's segments and parts but the first `skipped`.
    const segments = lines(full, /\.m4s$/);
    assert.deepEqual(lines(delta, /\.m4s$/), segments.slice(skipped));
    assert.deepEqual(lines(delta, /^#EXT-X-PART:|^#EXT-X-PRELOAD-HINT:/), lines(full, /^#EXT-X-PART:|^#EXT-X-PRELOAD-HINT:/));
    assert.ok(delta.length < full.length);
    assert.ok(stats()!.deltaUpdates >= 1);
  });

  test('hls.js in headless Chromium asks for delta updates, merges them and plays', { timeout: 90_000 }, async (t) => {
    const base = live.server.httpUrl('');
    const stats = () => live.server.media.hls.stats('live', 'skip')!;
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await newHlsJsPage(browser, base, '/live/skip.m3u8');
    const errors = collectConsoleErrors(page);
    const playlistRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('.m3u8')) playlistRequests.push(request.url());
    });
    // Joining once delta updates can skip something: hls.js asks for them from its first reload on.
    await firstDeltaUpdate(`${base}live/skip.m3u8`);
    const deltasBefore = stats().deltaUpdates;
    await page.goto(`${base}player.html`);
    const report = await expectVideoPlays(page, { minSeconds: 4, width: 320, height: 240 });
    const deltasServed = stats().deltaUpdates - deltasBefore;
    const asked = playlistRequests.filter((url) => new URL(url).searchParams.get('_HLS_skip') === 'YES');
    const details = await page.evaluate(() => {
      const player = (window as unknown as { player: { levels: { details?: { skippedSegments: number; deltaUpdateFailed?: boolean } }[] } }).player;
      const level = player.levels.find((candidate) => candidate.details !== undefined)!.details!;
      return { skippedSegments: level.skippedSegments, deltaUpdateFailed: level.deltaUpdateFailed ?? false };
    });
    t.diagnostic(
      `${playlistRequests.length} playlist requests, ${asked.length} with _HLS_skip=YES, ${deltasServed} delta updates served; ` +
        `played ${report.mediaSecondsPlayed.toFixed(1)} s of media in ${report.advancingSeconds.toFixed(1)} s; last playlist skipped ${details.skippedSegments} segments`,
    );
    assert.ok(asked.length >= 3, `${asked.length} of ${playlistRequests.length} playlist requests asked for a delta update`);
    assert.ok(deltasServed >= 3, `the server answered ${deltasServed} of them with a delta update`);
    assert.ok(details.skippedSegments > 0 && !details.deltaUpdateFailed, `hls.js merged the delta update: ${JSON.stringify(details)}`);
    assert.deepEqual(errors, []);
  });
});

test('the default window (6 segments) advertises no CAN-SKIP-UNTIL and answers _HLS_skip=YES with the whole playlist', { timeout: 60_000 }, async (t) => {
  const live = await publishing();
  t.after(() => live.stop());
  const url = live.server.httpUrl('live/skip.m3u8');
  await waitFor(() => (live.server.media.hls.stats('live', 'skip')?.segmentsProduced ?? 0) >= 2, 20_000, 'two segments');
  const text = await (await fetch(url)).text();
  assert.match(text, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.500$/m);
  const response = await fetch(`${url}?_HLS_skip=YES`);
  assert.equal(response.status, 200);
  const answer = await response.text();
  assert.doesNotMatch(answer, /CAN-SKIP-UNTIL|EXT-X-SKIP/);
  assert.match(answer, /^#EXT-X-VERSION:7$/m);
  assert.equal(live.server.media.hls.stats('live', 'skip')!.deltaUpdates, 0);
});
