// Headless Chromium for tests of anything a browser plays or talks to. Shared by every package's browser tests:
//   const browser = await launchBrowser();
//   const page = await browser.newPage();
//   const errors = collectConsoleErrors(page);
//   await page.goto(`${origin}/play/live/demo`);
//   await expectVideoPlays(page, { minSeconds: 3, width: 640, height: 360 });
//   await saveScreenshot(page, 'web-player');
//   assert.deepEqual(errors, []);
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--mute-audio',
];

/** Screenshots and other artifacts for people to look at (git-ignored). */
export const TEST_OUTPUT_DIR = fileURLToPath(new URL('../../../../test-output/', import.meta.url));

/**
 * Debian's Chromium, headless. Playwright gives every launch a fresh temporary profile and removes it on close,
 * so tests never share cookies, caches or service workers. Close the browser in an `after` hook.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Collects console errors and uncaught exceptions of a page from now on. The returned array keeps
 * filling while the page lives; assert on it at the end of the test.
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  return errors;
}

/** Saves a full-page PNG as test-output/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(TEST_OUTPUT_DIR, { recursive: true });
  const file = `${TEST_OUTPUT_DIR}${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface VideoPlayExpectation {
  /** Seconds of wall-clock time the playhead must be seen advancing. */
  minSeconds: number;
  width?: number;
  height?: number;
  /** CSS selector of the media element; the first <video> by default. */
  selector?: string;
  /** Lowest frame rate accepted over the observed time, counted from frames the decoder produced. */
  minFramesPerSecond?: number;
  /** Give up after this long, including the time to start; defaults to minSeconds + 20 s. */
  timeoutMs?: number;
}

export interface VideoPlayReport {
  /** Wall-clock seconds during which currentTime advanced. */
  advancingSeconds: number;
  /** How far currentTime moved meanwhile (latency chasing may skip ahead). */
  mediaSecondsPlayed: number;
  /** Frames decoded meanwhile (counted across source changes, e.g. a reconnect). */
  decodedFrames: number;
  droppedFrames: number;
  videoWidth: number;
  videoHeight: number;
  /** Wall-clock seconds until the playhead first moved. */
  startupSeconds: number;
}

const SAMPLE_MS = 200;

/**
 * Asserts that a <video> really plays: its playhead advances for `minSeconds` of wall-clock time while the
 * decoder keeps producing frames, and (if given) its decoded picture has the expected size.
 */
export async function expectVideoPlays(page: Page, expectation: VideoPlayExpectation): Promise<VideoPlayReport> {
  const { minSeconds, selector = 'video', minFramesPerSecond = 10 } = expectation;
  const timeoutMs = expectation.timeoutMs ?? minSeconds * 1000 + 20_000;
  await page.waitForSelector(selector, { state: 'attached', timeout: timeoutMs });
  const observed = await page.evaluate(
    async ({ selector, minSeconds, timeoutMs, sampleMs }) => {
      const video = document.querySelector(selector);
      if (!(video instanceof HTMLVideoElement)) return { error: `${selector} is not a <video>` };
      // Sums of per-sample increases: a player that rebuilds its engine gives the element a new source,
      // which resets currentTime and the frame counters, and playback on either side of that still counts.
      const quality = () => video.getVideoPlaybackQuality();
      const growth = (now: number, before: number) => (now >= before ? now - before : now);
      const begin = performance.now();
      let startedAt: number | undefined;
      let advancingMs = 0;
      let mediaSeconds = 0;
      let decodedFrames = 0;
      let droppedFrames = 0;
      let last = { at: begin, time: video.currentTime, frames: quality().totalVideoFrames, dropped: quality().droppedVideoFrames };
      while (advancingMs < minSeconds * 1000) {
        if (performance.now() - begin > timeoutMs) {
          return {
            error: `played ${(advancingMs / 1000).toFixed(1)} s of the required ${minSeconds} s within ${timeoutMs} ms`,
            currentTime: video.currentTime,
            paused: video.paused,
            readyState: video.readyState,
            networkState: video.networkState,
            mediaError: video.error?.message,
          };
        }
        await new Promise((resolve) => setTimeout(resolve, sampleMs));
        const sample = { at: performance.now(), time: video.currentTime, frames: quality().totalVideoFrames, dropped: quality().droppedVideoFrames };
        const advanced = sample.time > last.time && !video.paused;
        if (advanced && startedAt !== undefined) {
          advancingMs += sample.at - last.at;
          mediaSeconds += sample.time - last.time;
          decodedFrames += growth(sample.frames, last.frames);
          droppedFrames += growth(sample.dropped, last.dropped);
        }
        if (advanced) startedAt ??= sample.at;
        last = sample;
      }
      return {
        advancingSeconds: advancingMs / 1000,
        mediaSecondsPlayed: mediaSeconds,
        decodedFrames,
        droppedFrames,
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        startupSeconds: ((startedAt ?? begin) - begin) / 1000,
      };
    },
    { selector, minSeconds, timeoutMs, sampleMs: SAMPLE_MS },
  );
  if ('error' in observed) assert.fail(`video did not play: ${JSON.stringify(observed)}`);
  const report: VideoPlayReport = observed;
  assert.ok(
    report.decodedFrames >= report.advancingSeconds * minFramesPerSecond,
    `decoded ${report.decodedFrames} frames in ${report.advancingSeconds.toFixed(1)} s, under ${minFramesPerSecond} fps`,
  );
  if (expectation.width !== undefined) assert.equal(report.videoWidth, expectation.width, 'videoWidth');
  if (expectation.height !== undefined) assert.equal(report.videoHeight, expectation.height, 'videoHeight');
  return report;
}
