// HLS output with synthetic publisher traffic: where segments are cut, what the playlist says as
// the window slides, republish and codec changes, memory bounds, and the HTTP answers.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import fc from 'fast-check';
import { PAT_PID, PMT_PID, VIDEO_PID, AUDIO_PID } from '@livelink/flv';
import { HubFrame } from '../src/hub/frame.ts';
import { resolveHlsConfig, HlsConfigError, type HlsConfig } from '../src/hls/config.ts';
import { initUri, matchHlsPath, segmentUri } from '../src/hls/paths.ts';
import { MediaPlaylist } from '../src/hls/media-playlist.ts';
import { Segmenter, type ClosedSegment } from '../src/hls/segmenter.ts';
import {
  AVC_BASELINE_64X48,
  AVC_HIGH444_64X48,
  audioFrame,
  audioSequenceHeader,
  feed,
  pidBytes,
  publishAvc,
  readTsPackets,
  videoFrame,
  videoSequenceHeader,
} from './support/hls-frames.ts';
import { startHlsHarness, withoutProgramDates, type HlsHarness } from './support/hls-harness.ts';

const SPS_BASELINE = Buffer.from('000000016742c00a', 'hex');
const SPS_HIGH444 = Buffer.from('0000000167f4000a', 'hex');
const IDR = Buffer.from('0000000165', 'hex');


const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function harness(overrides: Partial<HlsConfig> = {}): Promise<HlsHarness> {
  return startHlsHarness(resolveHlsConfig({ targetDurationMs: 1000, windowSegments: 3, keepSegments: 1, ...overrides }), cleanups);
}

function segmentPaths(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line.endsWith('.ts')).map((line) => `/live/${line}`);
}

/** Top-level ISO BMFF boxes (type and body), checking that their sizes add up to the whole. */
function topBoxes(data: Buffer): { type: string; body: Buffer }[] {
  const boxes = [];
  let o = 0;
  while (o < data.length) {
    const size = data.readUInt32BE(o);
    assert.ok(size >= 8 && o + size <= data.length, `box size ${size} at ${o}`);
    boxes.push({ type: data.toString('latin1', o + 4, o + 8), body: data.subarray(o + 8, o + size) });
    o += size;
  }
  return boxes;
}

/** The baseMediaDecodeTime of each traf in a fragment (tfdt version 1), found by its FourCC. */
function tfdts(fragment: Buffer): number[] {
  const times = [];
  for (let at = fragment.indexOf('tfdt'); at !== -1; at = fragment.indexOf('tfdt', at + 4)) times.push(Number(fragment.readBigUInt64BE(at + 8)));
  return times;
}

function epochOf(playlist: string): string {
  return /\/([0-9a-f]+)-\d+\.ts/.exec(playlist)![1];
}

function durations(playlist: string): number[] {
  return [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function segmenterFrames(frames: HubFrame[], limits = { targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24 }) {
  const segmenter = new Segmenter(limits, () => {});
  const closed: ClosedSegment[] = [];
  for (const frame of frames) {
    const segment = segmenter.push(frame);
    if (segment) closed.push(segment);
  }
  return { segmenter, closed };
}

test('program dates follow the media timeline from the wall clock of the first segment; a timestamp jump or a republish re-anchors', () => {
  let wallMs = 1_000_000;
  const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24 }, () => {}, () => {}, () => wallMs);
  const closed: ClosedSegment[] = [];
  const push = (frame: HubFrame) => {
    const segment = segmenter.push(frame);
    if (segment) closed.push(segment);
  };
  const gop = (fromMs: number, frames = 10) => {
    for (let i = 0; i < frames; i++) {
      push(new HubFrame('video', fromMs + i * 40, videoFrame(i === 0), i === 0, false));
      wallMs += 40 + (i % 3) * 7; // arrival jitter: must not show in the dates
    }
  };
  push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
  for (let g = 0; g < 6; g++) gop(5000 + g * 400);
  // A jump of 60 s in the timestamps: the segment after it starts a new timeline.
  const jumpWallMs = wallMs;
  for (let g = 0; g < 6; g++) gop(65_000 + g * 400);
  assert.deepEqual(closed.map((s) => s.discontinuity), [false, false, true]);
  assert.equal(closed[0].programDateMs, 1_000_000);
  assert.equal(closed[1].programDateMs, 1_001_200, 'start + media time, not arrival time');
  assert.equal(closed[2].programDateMs, jumpWallMs, 'the new timeline is anchored when its first segment opens');
  const beforeRepublish = wallMs;
  assert.equal(segmenter.startPublish()!.programDateMs, jumpWallMs + 1200);
  push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
  for (let g = 0; g < 6; g++) gop(g * 400);
  assert.equal(closed.at(-1)!.programDateMs, beforeRepublish);
});

test('segments are cut at the first keyframe at or after the target, each starting with PAT, PMT and a keyframe with SPS/PPS', () => {
  // 25 fps, a keyframe every 10 frames (400 ms): with a 1 s target the cuts fall at 1200, 2400, 3600 ms.
  const frames = [new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true)];
  for (let i = 0; i < 100; i++) frames.push(new HubFrame('video', i * 40, videoFrame(i % 10 === 0), i % 10 === 0, false));
  const { closed } = segmenterFrames(frames);
  assert.deepEqual(closed.map((s) => s.durationMs), [1200, 1200, 1200]);
  for (const segment of closed) {
    const packets = readTsPackets(segment.data);
    assert.deepEqual(packets.slice(0, 3).map((p) => p.pid), [PAT_PID, PMT_PID, VIDEO_PID]);
    assert.ok(packets[2].randomAccess, 'the first video packet is a random access point');
    const video = pidBytes(segment.data, VIDEO_PID);
    assert.ok(video.indexOf(SPS_BASELINE) !== -1 && video.indexOf(SPS_BASELINE) < video.indexOf(IDR), 'SPS before the first IDR');
    assert.equal(packets.filter((p) => p.pid === VIDEO_PID && p.payloadUnitStart).length, 30, '30 frames of 40 ms');
    assert.equal(segment.discontinuity, false);
  }
});

test('audio-only streams are cut by duration on audio frames', () => {
  const frames = [new HubFrame('audio', 0, audioSequenceHeader(), false, true)];
  for (let i = 0; i < 200; i++) frames.push(new HubFrame('audio', Math.round((i * 1024 * 1000) / 44100), audioFrame(), true, false));
  const { closed } = segmenterFrames(frames);
  // Expected cuts: the first AAC frame (1024 samples at 44.1 kHz) at least 1 s after the previous cut.
  const starts = [0];
  for (let i = 0; i < 200; i++) {
    const t = Math.round((i * 1024 * 1000) / 44100);
    if (t - starts[starts.length - 1] >= 1000) starts.push(t);
  }
  assert.deepEqual(closed.map((s) => s.durationMs), starts.slice(1).map((t, i) => t - starts[i]));
  assert.ok(closed.length >= 3);
  for (const segment of closed) {
    const packets = readTsPackets(segment.data);
    assert.deepEqual(packets.slice(0, 3).map((p) => p.pid), [PAT_PID, PMT_PID, AUDIO_PID]);
    assert.ok(packets[2].randomAccess, 'audio-only: PCR and random access on audio');
  }
});

test('frames before the first keyframe and streams without keyframes produce nothing', () => {
  const frames = [new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true)];
  for (let i = 0; i < 500; i++) frames.push(new HubFrame('video', i * 40, videoFrame(false), false, false));
  const { segmenter, closed } = segmenterFrames(frames);
  assert.equal(closed.length, 0);
  assert.equal(segmenter.openBytes, 0);
});

test('MediaPlaylist: window slides, media sequence rises, discontinuity sequence counts tags that scroll out', () => {
  const playlist = new MediaPlaylist(2, 1, (n) => `s/${n}.ts`, (id) => `s/init-${id}.mp4`);
  assert.equal(playlist.render(), null);
  let programDateMs = Date.UTC(2026, 10, 21, 12, 0, 0);
  const add = (durationMs: number, discontinuity = false) => {
    playlist.append({ data: Buffer.alloc(188 * (durationMs / 100)), init: null, durationMs, discontinuity, programDateMs });
    programDateMs += durationMs;
  };
  const date = (time: string) => `#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:${time}Z`;
  add(1000);
  add(2500);
  assert.equal(
    playlist.render()!.toString(),
    ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:0', date('00.000'), '#EXTINF:1.000,', 's/0.ts', date('01.000'), '#EXTINF:2.500,', 's/1.ts', ''].join('\n'),
  );
  add(1000, true);
  assert.equal(
    playlist.render()!.toString(),
    ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:1', date('01.000'), '#EXTINF:2.500,', 's/1.ts', '#EXT-X-DISCONTINUITY', date('03.500'), '#EXTINF:1.000,', 's/2.ts', ''].join('\n'),
  );
  add(1000);
  add(1000);
  // Target duration never shrinks once announced; the discontinuity has scrolled out and is counted.
  assert.equal(
    playlist.render()!.toString(),
    ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:3', '#EXT-X-DISCONTINUITY-SEQUENCE:1', date('04.500'), '#EXTINF:1.000,', 's/3.ts', date('05.500'), '#EXTINF:1.000,', 's/4.ts', ''].join('\n'),
  );
  assert.equal(playlist.segment(1), undefined, 'beyond window + keep: removed');
  assert.equal(playlist.segment(2)?.sequence, 2, 'kept after leaving the window');
  assert.equal(playlist.segmentCount, 3);
  assert.equal(playlist.bytes, 3 * 1880);
  playlist.end();
  assert.match(playlist.render()!.toString(), /s\/4\.ts\n#EXT-X-ENDLIST\n$/);
});

test('live playlist over HTTP: window of 3, media sequence, removal after keep, headers', async () => {
  const h = await harness();
  const stream = publishAvc(h.hub, 'live', 'test', { audio: true });
  feed(stream, { fromMs: 0, toMs: 6000, gopFrames: 10, audio: true });
  const first = await h.get('/live/test.m3u8');
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  assert.equal(first.headers.get('access-control-allow-origin'), '*');
  const text = withoutProgramDates(first.body.toString());
  const epoch = epochOf(text);
  // Each segment carries its wall-clock start, advancing by exactly the durations listed.
  const dates = [...first.body.toString().matchAll(/^#EXT-X-PROGRAM-DATE-TIME:(.+)$/gm)].map((match) => Date.parse(match[1]));
  assert.equal(dates.length, 3);
  assert.deepEqual([dates[1] - dates[0], dates[2] - dates[1]], [1200, 1200]);
  assert.ok(Math.abs(dates[0] - Date.now()) < 60_000, 'dates are wall-clock times');
  assert.equal(
    text,
    ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:1']
      .concat([1, 2, 3].flatMap((n) => ['#EXTINF:1.200,', `test/${epoch}-${n}.ts`]))
      .join('\n') + '\n',
  );
  const segment = await h.get(`/live/test/${epoch}-0.ts`);
  assert.equal(segment.status, 200, 'left the window but kept');
  assert.equal(segment.headers.get('content-type'), 'video/mp2t');
  assert.match(segment.headers.get('cache-control') ?? '', /max-age=\d+/);
  assert.equal(Number(segment.headers.get('content-length')), segment.body.length);
  assert.deepEqual(readTsPackets(segment.body).slice(0, 2).map((p) => p.pid), [PAT_PID, PMT_PID]);
  assert.ok(pidBytes(segment.body, AUDIO_PID).length > 0, 'audio muxed in');

  feed(stream, { fromMs: 6000, toMs: 8500, gopFrames: 10, audio: true });
  const later = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.match(later, /#EXT-X-MEDIA-SEQUENCE:4\n/);
  assert.deepEqual(segmentPaths(later), [4, 5, 6].map((n) => `/live/test/${epoch}-${n}.ts`));
  assert.equal((await h.get(`/live/test/${epoch}-2.ts`)).status, 404, 'removed after window + keep');
  assert.equal((await h.get(`/live/test/${epoch}-3.ts`)).status, 200);
  assert.equal((await h.get(`/live/test/${epoch}-7.ts`)).status, 404, 'not cut yet');
  assert.equal((await h.get(`/live/test/ffffffff-4.ts`)).status, 404, 'another epoch');
  assert.equal((await h.get('/live/other.m3u8')).status, 404);
  assert.equal((await h.get('/live/other/00-1.ts')).status, 404);

  const head = await h.get(`/live/test/${epoch}-4.ts`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.ok(Number(head.headers.get('content-length')) > 0);
  const options = await h.get('/live/test.m3u8', { method: 'OPTIONS' });
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('access-control-allow-origin'), '*');
  assert.equal((await h.get('/live/test.m3u8', { method: 'POST' })).status, 405);

  const stats = h.hls.stats('live', 'test')!;
  assert.equal(stats.segmentsProduced, 7);
  assert.equal(stats.segmentsInMemory, 4);
  assert.equal(stats.mediaSequence, 4);
  assert.equal(stats.availability.samples, 7, 'every segment was closed by a keyframe');
  assert.ok(stats.availability.maxMs < 50, `availability ${stats.availability.maxMs} ms`);
  assert.equal(stats.droppedFrames, 0);
});

test('republish within the grace period: discontinuity, then discontinuity sequence as it scrolls out', async () => {
  const h = await harness({ windowSegments: 3, keepSegments: 0 });
  let stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 3000, gopFrames: 25 });
  h.hub.unpublish(stream, stream.publisher!);
  const afterEnd = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.doesNotMatch(afterEnd, /ENDLIST/, 'still live during the grace period');
  assert.deepEqual(durations(afterEnd), [1, 1, 1], 'the open segment was finished at unpublish');
  const epoch = epochOf(afterEnd);

  stream = publishAvc(h.hub, 'live', 'test', { id: 'pub-2', avcC: AVC_HIGH444_64X48 });
  feed(stream, { fromMs: 0, toMs: 2500, gopFrames: 25 });
  const republished = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.equal(epochOf(republished), epoch, 'the same playlist continues');
  assert.match(republished, new RegExp(`#EXTINF:1\\.000,\\ntest/${epoch}-2\\.ts\\n#EXT-X-DISCONTINUITY\\n#EXTINF:1\\.000,\\ntest/${epoch}-3\\.ts\\n`));
  const next = (await h.get(`/live/test/${epoch}-3.ts`)).body;
  assert.ok(pidBytes(next, VIDEO_PID).includes(SPS_HIGH444), 'the new publish brings its own codec configuration');

  feed(stream, { fromMs: 2500, toMs: 6500, gopFrames: 25 });
  const scrolled = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.match(scrolled, /#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
  assert.doesNotMatch(scrolled, /#EXT-X-DISCONTINUITY\n/);
});

test('after the grace period the playlist ends, is dropped after the retain time, and a new publish starts afresh', async () => {
  const h = await harness({ republishGraceMs: 30, endedRetainMs: 80 });
  let stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 2500 });
  const epoch = epochOf(withoutProgramDates((await h.get('/live/test.m3u8')).body.toString()));
  h.hub.unpublish(stream, stream.publisher!);
  await sleep(60);
  const ended = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.match(ended, /#EXT-X-ENDLIST\n$/);
  assert.equal(h.hub.get('live', 'test'), undefined, 'the hub forgets the stream once HLS stops following it');
  await sleep(100);
  assert.equal((await h.get('/live/test.m3u8')).status, 404);
  assert.equal((await h.get(`/live/test/${epoch}-0.ts`)).status, 404);

  stream = publishAvc(h.hub, 'live', 'test', { id: 'pub-2' });
  feed(stream, { fromMs: 0, toMs: 1500 });
  const fresh = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.notEqual(epochOf(fresh), epoch);
  assert.match(fresh, /#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF/);
  assert.doesNotMatch(fresh, /DISCONTINUITY/);
});

test('a republish after the playlist ended replaces it even while it is still retained', async () => {
  const h = await harness({ republishGraceMs: 10, endedRetainMs: 60_000 });
  let stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 2500 });
  const epoch = epochOf(withoutProgramDates((await h.get('/live/test.m3u8')).body.toString()));
  h.hub.unpublish(stream, stream.publisher!);
  await sleep(30);
  stream = publishAvc(h.hub, 'live', 'test', { id: 'pub-2' });
  feed(stream, { fromMs: 0, toMs: 1500 });
  const fresh = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.notEqual(epochOf(fresh), epoch);
  assert.doesNotMatch(fresh, /ENDLIST/);
});

test('codec configuration change mid-publish: new muxer, discontinuity, new SPS; repeated identical headers change nothing', async () => {
  const h = await harness({ windowSegments: 10 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 1500 });
  stream.ingest('video', 1500, videoSequenceHeader(AVC_BASELINE_64X48));
  feed(stream, { fromMs: 1520, toMs: 2500, gopFrames: 12 });
  let text = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.doesNotMatch(text, /DISCONTINUITY/, 'the same configuration again is not a change');
  stream.ingest('video', 2500, videoSequenceHeader(AVC_HIGH444_64X48));
  feed(stream, { fromMs: 2520, toMs: 4000 });
  text = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  const paths = segmentPaths(text);
  // Cuts: 1000 and 2000 (keyframes at the target), then 2520: the first keyframe after the change, before the target.
  assert.deepEqual(durations(text), [1, 1, 0.52, 1]);
  assert.match(text, /-2\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1\.000,\ntest\/[0-9a-f]+-3\.ts/);
  const before = pidBytes((await h.get(paths[2])).body, VIDEO_PID);
  const after = pidBytes((await h.get(paths[3])).body, VIDEO_PID);
  assert.ok(before.includes(SPS_BASELINE) && !before.includes(SPS_HIGH444));
  assert.ok(after.includes(SPS_HIGH444) && !after.includes(SPS_BASELINE));
});

test('a timestamp jump ends the segment and the next starts after a discontinuity', async () => {
  const h = await harness({ maxSegmentDurationMs: 5000 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 1500 });
  feed(stream, { fromMs: 600_000, toMs: 601_500 });
  const text = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  assert.deepEqual(durations(text), [1, 0.52, 1]);
  assert.match(text, /-1\.ts\n#EXT-X-DISCONTINUITY\n/);
  assert.match(text, /#EXT-X-TARGETDURATION:1\n/, 'the jump does not inflate the target duration');
});

test('memory is bounded: without keyframes segments are force-cut by bytes or duration, and old ones removed', async () => {
  const h = await harness({ maxSegmentBytes: 20_000, windowSegments: 3, keepSegments: 2 });
  const stream = publishAvc(h.hub, 'live', 'test');
  // One keyframe, then 60 s of inter frames of 2 KB.
  feed(stream, { fromMs: 0, toMs: 60_000, gopFrames: 1_000_000, videoBytes: 2000 });
  const stats = h.hls.stats('live', 'test')!;
  assert.ok(stats.segmentsProduced > 100, `${stats.segmentsProduced} segments`);
  assert.equal(stats.segmentsInMemory, 5);
  const frameTsBytes = 12 * 188; // a 2 KB frame with PES header and AUD spans 12 packets
  assert.ok(stats.bytesInMemory <= 6 * (20_000 + frameTsBytes), `${stats.bytesInMemory} bytes held`);

  const byDuration = await harness({ maxSegmentDurationMs: 3000 });
  const other = publishAvc(byDuration.hub, 'live', 'other');
  feed(other, { fromMs: 0, toMs: 20_000, gopFrames: 1_000_000 });
  const text = (await byDuration.get('/live/other.m3u8')).body.toString();
  assert.deepEqual(durations(text), [3, 3, 3]);
  assert.match(text, /#EXT-X-TARGETDURATION:3\n/);
});

test('a playlist request right after publish waits for the first segment; without one it gets 404', async () => {
  const h = await harness({ firstSegmentWaitMs: 2000 });
  const stream = publishAvc(h.hub, 'live', 'test');
  const pending = h.get('/live/test.m3u8');
  await sleep(20);
  feed(stream, { fromMs: 0, toMs: 1100 });
  const answered = await pending;
  assert.equal(answered.status, 200);
  assert.equal(segmentPaths(answered.body.toString()).length, 1);

  const quick = await harness({ firstSegmentWaitMs: 50 });
  publishAvc(quick.hub, 'live', 'test');
  const started = Date.now();
  assert.equal((await quick.get('/live/test.m3u8')).status, 404);
  assert.ok(Date.now() - started >= 45);
});

test('viewers: distinct clients that fetched the playlist within the window', async () => {
  const h = await harness({ viewerWindowMs: 150 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 1100 });
  assert.equal(h.hls.viewers('live', 'test'), 0);
  for (const agent of ['player-a', 'player-b', 'player-a']) await h.get('/live/test.m3u8', { headers: { 'user-agent': agent } });
  const epoch = epochOf((await h.get('/live/test.m3u8', { headers: { 'user-agent': 'player-a' } })).body.toString());
  await h.get(`/live/test/${epoch}-0.ts`, { headers: { 'user-agent': 'player-c' } });
  assert.equal(h.hls.viewers('live', 'test'), 2, 'segment fetches alone do not count');
  assert.equal(h.hls.viewers('live', 'nobody'), 0);
  await sleep(200);
  assert.equal(h.hls.viewers('live', 'test'), 0);
});

test('disabled: no playlists, requests are not answered', async () => {
  const h = await harness({ enabled: false });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 3000 });
  assert.equal((await h.get('/live/test.m3u8')).status, 418);
  assert.equal(h.hls.stats('live', 'test'), null);
});

test('unsupported codecs: VP9 video leaves an audio-only HLS; audio before its configuration waits', () => {
  const vp9Header = Buffer.concat([Buffer.from([0x90, 0x76, 0x70, 0x30, 0x39]), Buffer.from('0100000a0000', 'hex'), Buffer.alloc(2)]);
  const warnings: string[] = [];
  const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24 }, (message) => warnings.push(message));
  segmenter.push(new HubFrame('video', 0, vp9Header, false, true));
  assert.equal(segmenter.push(new HubFrame('audio', 0, audioFrame(), false, false)), null);
  assert.equal(segmenter.openBytes, 0, 'AAC without its configuration cannot start a segment');
  segmenter.push(new HubFrame('audio', 0, audioSequenceHeader(), false, true));
  const closed: ClosedSegment[] = [];
  for (let i = 1; i < 100; i++) {
    const segment = segmenter.push(new HubFrame('audio', i * 23, audioFrame(), false, false));
    if (segment) closed.push(segment);
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /video cannot be carried/);
  assert.ok(closed.length >= 1);
  assert.deepEqual(readTsPackets(closed[0].data).slice(0, 3).map((p) => p.pid), [PAT_PID, PMT_PID, AUDIO_PID]);
});

test('matchHlsPath: playlists through parseMediaPath, segments by their own pattern', () => {
  assert.deepEqual(matchHlsPath('/live/test.m3u8?token=1'), { app: 'live', name: 'test', extension: 'm3u8', query: 'token=1' });
  assert.deepEqual(matchHlsPath('/a/b/te%20st/0af3-12.ts?x'), { app: 'a/b', name: 'te st', extension: 'ts', epoch: '0af3', sequence: 12, query: 'x' });
  assert.equal(matchHlsPath('/live/test.flv'), null);
  assert.equal(matchHlsPath('/live/test/12.ts'), null, 'no epoch');
  assert.equal(matchHlsPath('/test/0a-1.ts'), null, 'no app');
  assert.equal(matchHlsPath('/live/%zz/0a-1.ts'), null, 'bad escape');
  const uri = segmentUri('te st', '0af3', 12);
  assert.equal(uri, 'te%20st/0af3-12.ts');
  assert.equal((matchHlsPath(`/live/${uri}`) as { name: string }).name, 'te st');
  // fMP4: .m4s segments and init-{id}.mp4 init sections.
  assert.equal(segmentUri('te st', '0af3', 12, 'm4s'), 'te%20st/0af3-12.m4s');
  assert.deepEqual(matchHlsPath('/live/te%20st/0af3-12.m4s'), { app: 'live', name: 'te st', extension: 'm4s', epoch: '0af3', sequence: 12, query: '' });
  assert.equal(initUri('te st', '0af3', 2), 'te%20st/0af3-init-2.mp4');
  assert.deepEqual(matchHlsPath('/live/te%20st/0af3-init-2.mp4?t=1'), { app: 'live', name: 'te st', extension: 'mp4', epoch: '0af3', id: 2, query: 't=1' });
  assert.equal(matchHlsPath('/live/test/0af3-2.mp4'), null, 'an init section is named init-{id}');
  assert.equal(matchHlsPath('/live/test/0af3-init-2.m4s'), null, 'only init sections are named init-');
});

test('resolveHlsConfig: defaults, overrides, and typed errors for values that break the bounds', () => {
  const config = resolveHlsConfig();
  assert.equal(config.targetDurationMs, 2000);
  assert.equal(config.segmentFormat, 'ts');
  assert.equal(resolveHlsConfig({ segmentFormat: 'fmp4' }).segmentFormat, 'fmp4');
  assert.throws(() => resolveHlsConfig({ segmentFormat: 'mp4' as 'ts' }), HlsConfigError);
  assert.equal(config.windowSegments, 6);
  assert.equal(config.storage, 'memory');
  assert.equal(resolveHlsConfig({ windowSegments: 4 }).windowSegments, 4);
  for (const bad of [{ windowSegments: 0 }, { keepSegments: -1 }, { windowSegments: 2.5 }, { maxSegmentDurationMs: 1000 }, { targetDurationMs: Number.NaN }]) {
    assert.throws(() => resolveHlsConfig(bad), (e: unknown) => e instanceof HlsConfigError && e.code === 'invalid-hls-config', JSON.stringify(bad));
  }
});

test('fuzz: random, truncated and mutated publisher frames never throw out of the segmenter and never outgrow its bounds', () => {
  const valid = [
    { kind: 'video' as const, payload: videoSequenceHeader(AVC_BASELINE_64X48), sequenceHeader: true },
    { kind: 'video' as const, payload: videoSequenceHeader(AVC_HIGH444_64X48), sequenceHeader: true },
    { kind: 'video' as const, payload: videoFrame(true, 50), sequenceHeader: false },
    { kind: 'video' as const, payload: videoFrame(false, 50), sequenceHeader: false },
    { kind: 'audio' as const, payload: audioSequenceHeader(), sequenceHeader: true },
    { kind: 'audio' as const, payload: audioFrame(30), sequenceHeader: false },
  ];
  const mutated = fc.record({
    base: fc.constantFrom(...valid),
    cut: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  }).map(({ base, cut, flips }) => {
    const payload = Buffer.from(base.payload.subarray(0, base.payload.length - (cut % 4 === 0 ? cut % base.payload.length : 0)));
    for (const [at, value] of flips) if (payload.length > 0) payload[at % payload.length] = value;
    return { kind: base.kind, payload, sequenceHeader: base.sequenceHeader };
  });
  const random = fc.record({
    kind: fc.constantFrom('audio' as const, 'video' as const, 'data' as const),
    payload: fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
    sequenceHeader: fc.boolean(),
  });
  const limits = { targetDurationMs: 100, maxSegmentDurationMs: 400, maxSegmentBytes: 4000 };
  const format = fc.constantFrom('ts' as const, 'fmp4' as const);
  fc.assert(
    fc.property(format, fc.array(fc.tuple(fc.oneof(mutated, random), fc.integer({ min: -50, max: 200 }), fc.boolean()), { maxLength: 200 }), (segmentFormat, frames) => {
      const segmenter = new Segmenter({ ...limits, segmentFormat }, () => {});
      let time = 0;
      for (const [frame, step, keyframe] of frames) {
        time = (time + step) >>> 0;
        const closed = segmenter.push(new HubFrame(frame.kind, time, frame.payload, keyframe, frame.sequenceHeader));
        assert.ok(segmenter.openBytes <= limits.maxSegmentBytes + 1000, 'open segment bounded');
        if (closed && segmentFormat === 'ts') readTsPackets(closed.data);
        if (closed && segmentFormat === 'fmp4') assert.deepEqual(topBoxes(closed.data).map((b) => b.type), ['moof', 'mdat']);
      }
      segmenter.finish();
    }),
    { numRuns: 1000 },
  );
});

test('fuzz: matchHlsPath returns a path or null for any URL', () => {
  // Near misses of real paths: pieces of app/stream names, escapes, epochs, sequence numbers and extensions.
  const piece = fc.oneof(fc.constantFrom('live', 'test', '%20', '%zz', '%', '..', '', '0af3-12.ts', '1-99999999999999999.ts', 'x.m3u8', 'x.flv'), fc.string({ maxLength: 8 }));
  const nearMiss = fc.tuple(fc.array(piece, { maxLength: 5 }), fc.constantFrom('', '?', '?a=b')).map(([parts, query]) => `/${parts.join('/')}${query}`);
  fc.assert(
    fc.property(fc.oneof(fc.string(), nearMiss), (url) => {
      const path = matchHlsPath(url);
      if (path?.extension === 'ts') assert.ok(Number.isSafeInteger(path.sequence) && path.epoch.length > 0);
    }),
    { numRuns: 2000 },
  );
});

test('fmp4 segmenter: moof + mdat segments with rising decode times, one shared init section, a new one after a codec change', () => {
  const frames = [new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true), new HubFrame('audio', 0, audioSequenceHeader(), false, true)];
  for (let i = 0; i < 75; i++) {
    frames.push(new HubFrame('video', i * 40, videoFrame(i % 25 === 0), i % 25 === 0, false));
    frames.push(new HubFrame('audio', i * 40 + 5, audioFrame(), true, false));
  }
  frames.push(new HubFrame('video', 3000, videoSequenceHeader(AVC_HIGH444_64X48), false, true));
  for (let i = 75; i < 130; i++) frames.push(new HubFrame('video', i * 40, videoFrame(i % 25 === 0), i % 25 === 0, false));
  const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24, segmentFormat: 'fmp4' }, () => {});
  const closed = frames.map((frame) => segmenter.push(frame)).filter((segment) => segment !== null);
  closed.push(segmenter.finish()!);
  assert.deepEqual(closed.map((s) => s.durationMs), [1000, 1000, 1000, 1000, 1000, 200]);
  assert.deepEqual(closed.map((s) => s.discontinuity), [false, false, false, true, false, false]);
  assert.deepEqual(closed.map((s) => s.init?.id), [1, 1, 1, 2, 2, 2]);
  assert.equal(closed[0].init, closed[2].init, 'segments of the same tracks share one init section');
  for (const init of [closed[0].init!, closed[3].init!]) assert.deepEqual(topBoxes(init.data).map((b) => b.type), ['ftyp', 'moov']);
  assert.ok(closed[0].init!.data.includes(AVC_BASELINE_64X48) && closed[3].init!.data.includes(AVC_HIGH444_64X48), 'each init carries its avcC');
  assert.ok(closed[0].init!.data.includes('mp4a') && closed[0].init!.data.includes('avc1'), 'both tracks');
  // The first video and audio decode times of each fragment: 90 kHz and 44.1 kHz clocks, 1 s timeline offset.
  assert.deepEqual(closed.slice(0, 3).map((s) => tfdts(s.data)), [0, 1000, 2000].map((t) => [(t + 1000) * 90, Math.round(((t + 1005) * 44100) / 1000)]));
  assert.deepEqual(closed.slice(3).map((s) => tfdts(s.data)), [[4000 * 90], [5000 * 90], [6000 * 90]]);
  for (const segment of closed) assert.deepEqual(topBoxes(segment.data).map((b) => b.type), ['moof', 'mdat']);
  assert.equal(segmenter.droppedFrames, 0);
});

test('fmp4 segmenter: MP3 audio cannot be carried, so HLS gets the video alone', () => {
  const warnings: string[] = [];
  const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24, segmentFormat: 'fmp4' }, (message) => warnings.push(message));
  segmenter.push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
  for (let i = 0; i < 30; i++) {
    segmenter.push(new HubFrame('audio', i * 40, Buffer.concat([Buffer.from([0x2f]), Buffer.alloc(100, 0xff)]), true, false));
    segmenter.push(new HubFrame('video', i * 40, videoFrame(i % 25 === 0), i % 25 === 0, false));
  }
  const segment = segmenter.finish()!;
  assert.deepEqual(warnings, ['audio cannot be carried in fragmented MP4; HLS gets video only']);
  assert.ok(!segment.init!.data.includes('mp4a') && segment.init!.data.includes('avc1'));
});

test('MediaPlaylist with fMP4 segments: version 7, EXT-X-MAP at the top of the window and wherever the init section changes', () => {
  const playlist = new MediaPlaylist(2, 1, (n) => `s/${n}.m4s`, (id) => `s/init-${id}.mp4`);
  const first = { id: 1, data: Buffer.from('init one') };
  const second = { id: 2, data: Buffer.from('init two') };
  const add = (init: typeof first, discontinuity = false) => playlist.append({ data: Buffer.alloc(100), init, durationMs: 1000, discontinuity, programDateMs: 0 });
  const text = () => withoutProgramDates(playlist.render()!.toString());
  add(first);
  add(first);
  assert.equal(
    text(),
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI="s/init-1.mp4"\n#EXTINF:1.000,\ns/0.m4s\n#EXTINF:1.000,\ns/1.m4s\n',
  );
  add(second, true);
  assert.match(text(), /#EXT-X-MAP:URI="s\/init-1.mp4"\n#EXTINF:1.000,\ns\/1.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="s\/init-2.mp4"\n#EXTINF:1.000,\ns\/2.m4s\n$/);
  assert.equal(playlist.init(1), first, 'kept while a kept segment needs it');
  add(second);
  assert.equal(playlist.init(1), first, 'segment 1 is still kept');
  add(second);
  assert.equal(playlist.init(1), undefined, 'gone with the last segment that needed it');
  assert.equal(playlist.init(2), second);
  assert.equal((playlist.render()!.toString().match(/EXT-X-MAP/g) ?? []).length, 1);
});

test('fmp4 over HTTP: init section and .m4s segments with their media types; .ts names nothing', async () => {
  const h = await harness({ segmentFormat: 'fmp4' });
  const stream = publishAvc(h.hub, 'live', 'test', { audio: true });
  feed(stream, { fromMs: 0, toMs: 3000, gopFrames: 10, audio: true });
  const text = withoutProgramDates((await h.get('/live/test.m3u8')).body.toString());
  const epoch = /\/([0-9a-f]+)-\d+\.m4s/.exec(text)![1];
  assert.match(text, new RegExp(`^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:\\d+\n#EXT-X-MAP:URI="test/${epoch}-init-1.mp4"\n#EXTINF`));
  const init = await h.get(`/live/test/${epoch}-init-1.mp4`);
  assert.equal(init.status, 200);
  assert.equal(init.headers.get('content-type'), 'video/mp4');
  assert.deepEqual(topBoxes(init.body).map((b) => b.type), ['ftyp', 'moov']);
  const segment = await h.get(`/live/test/${epoch}-1.m4s`);
  assert.equal(segment.status, 200);
  assert.equal(segment.headers.get('content-type'), 'video/iso.segment');
  assert.match(segment.headers.get('cache-control') ?? '', /max-age=\d+/);
  assert.deepEqual(topBoxes(segment.body).map((b) => b.type), ['moof', 'mdat']);
  assert.equal((await h.get(`/live/test/${epoch}-1.ts`)).status, 404);
  assert.equal((await h.get(`/live/test/${epoch}-init-2.mp4`)).status, 404);
  assert.equal((await h.get(`/live/test/ffffffff-init-1.mp4`)).status, 404, 'another epoch');
  assert.equal(h.hls.stats('live', 'test')!.droppedFrames, 0);
});
