// Low-Latency HLS with synthetic publisher traffic: where parts are cut, what the playlist says
// about them, blocking reload arithmetic and query parsing (with fuzzing), and the HTTP answers:
// blocking playlist reloads, preload-hinted parts, refusals and time-outs.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import fc from 'fast-check';
import { HubFrame } from '../src/hub/frame.ts';
import { resolveHlsConfig, HlsConfigError, type HlsConfig } from '../src/hls/config.ts';
import { matchHlsPath, partUri } from '../src/hls/paths.ts';
import { MediaPlaylist } from '../src/hls/media-playlist.ts';
import { Segmenter, type ClosedPart, type ClosedSegment } from '../src/hls/segmenter.ts';
import {
  BlockingRequestError,
  advancePartLimit,
  comparePositions,
  judgeBlockingRequest,
  parseBlockingRequest,
  type BlockingRequest,
  type PlaylistEdge,
} from '../src/hls/blocking-reload.ts';
import { AVC_BASELINE_64X48, audioFrame, audioSequenceHeader, feed, publishAvc, videoFrame, videoSequenceHeader } from './support/hls-frames.ts';
import { startHlsHarness, withoutProgramDates, type HlsHarness } from './support/hls-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});


function harness(overrides: Partial<HlsConfig> = {}): Promise<HlsHarness> {
  return startHlsHarness(resolveHlsConfig({ targetDurationMs: 1000, windowSegments: 4, keepSegments: 1, segmentFormat: 'fmp4', partTargetMs: 200, ...overrides }), cleanups);
}

/** Top-level ISO BMFF box types, checking that their sizes add up to the whole. */
function boxTypes(data: Buffer): string[] {
  const types = [];
  for (let o = 0; o < data.length; ) {
    const size = data.readUInt32BE(o);
    assert.ok(size >= 8 && o + size <= data.length, `box size ${size} at ${o}`);
    types.push(data.toString('latin1', o + 4, o + 8));
    o += size;
  }
  return types;
}

/** The first tfdt (video track, 90 kHz) of a fragment. */
function firstDecodeTime(fragment: Buffer): number {
  return Number(fragment.readBigUInt64BE(fragment.indexOf('tfdt') + 8));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- configuration

test('resolveHlsConfig: parts are off by default, need fMP4, and lie between 100 ms and the target duration', () => {
  assert.equal(resolveHlsConfig().partTargetMs, 0);
  assert.equal(resolveHlsConfig({ segmentFormat: 'fmp4', partTargetMs: 500 }).partTargetMs, 500);
  assert.throws(() => resolveHlsConfig({ partTargetMs: 500 }), (e: unknown) => e instanceof HlsConfigError && /needs hls.segmentFormat 'fmp4'/.test(e.message));
  for (const partTargetMs of [-1, Number.NaN, 50, 2500]) {
    assert.throws(() => resolveHlsConfig({ segmentFormat: 'fmp4', partTargetMs }), HlsConfigError, String(partTargetMs));
  }
});

// ---------------------------------------------------------------- blocking reload arithmetic

test('parseBlockingRequest: _HLS_msn alone or with _HLS_part; other parameters are not ours', () => {
  assert.equal(parseBlockingRequest(''), null);
  assert.equal(parseBlockingRequest('token=abc&_HLS_skip=YES'), null);
  assert.deepEqual(parseBlockingRequest('_HLS_msn=12'), { msn: 12, part: null });
  assert.deepEqual(parseBlockingRequest('token=a&_HLS_msn=12&_HLS_part=0'), { msn: 12, part: 0 });
  assert.deepEqual(parseBlockingRequest('%5FHLS_msn=7&_HLS_part=3'), { msn: 7, part: 3 }, 'names are percent-decoded');
  for (const bad of ['_HLS_part=1', '_HLS_msn=', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=0x10', '_HLS_msn=1e3', '_HLS_msn=1&_HLS_part=x', '_HLS_msn=1&_HLS_msn=2', '_HLS_msn=1234567890123456']) {
    assert.throws(() => parseBlockingRequest(bad), (e: unknown) => e instanceof BlockingRequestError && e.code === 'bad-blocking-request', bad);
  }
});

test('fuzz: parseBlockingRequest returns null, a request of safe integers, or throws BlockingRequestError', () => {
  const piece = fc.oneof(
    fc.constantFrom('_HLS_msn', '_HLS_part', '%5FHLS_msn', '_HLS_skip', 'token', '=', '&', '%', '%zz', '+', '-', '0', '7', '99999999999999999'),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''))), (query) => {
      try {
        const request = parseBlockingRequest(query);
        if (request === null) return;
        assert.ok(Number.isSafeInteger(request.msn) && request.msn >= 0);
        assert.ok(request.part === null || (Number.isSafeInteger(request.part) && request.part >= 0));
        // What was parsed is what a client would have sent.
        const params = new URLSearchParams(query);
        assert.equal(String(request.msn), params.get('_HLS_msn'));
      } catch (error) {
        assert.ok(error instanceof BlockingRequestError, String(error));
      }
    }),
    { numRuns: 3000 },
  );
});

test('advancePartLimit: three seconds of parts under one second, else three parts', () => {
  assert.equal(advancePartLimit(500), 6);
  assert.equal(advancePartLimit(200), 15);
  assert.equal(advancePartLimit(1000), 3);
  assert.equal(advancePartLimit(2000), 3);
});

test('judgeBlockingRequest: ready at or behind the edge, wait just ahead, too far beyond msn + 2 or the part limit', () => {
  // Segments 0..4 complete, segment 5 has parts 0 and 1.
  const edge: PlaylistEdge = { lastSegment: 4, lastPart: { msn: 5, part: 1 } };
  const judge = (msn: number, part: number | null) => judgeBlockingRequest({ msn, part }, edge, 6);
  assert.equal(judge(4, null), 'ready');
  assert.equal(judge(0, null), 'ready');
  assert.equal(judge(5, null), 'wait', 'segment 5 is not complete');
  assert.equal(judge(6, null), 'wait');
  assert.equal(judge(7, null), 'too-far');
  assert.equal(judge(5, 1), 'ready');
  assert.equal(judge(4, 9), 'ready', 'a part of segment 5 comes after any of 4');
  assert.equal(judge(5, 2), 'wait');
  assert.equal(judge(5, 7), 'wait', 'six parts ahead');
  assert.equal(judge(5, 8), 'too-far', 'seven parts ahead');
  assert.equal(judge(6, 0), 'wait');
  assert.equal(judge(6, 6), 'too-far');
  assert.equal(judge(7, 0), 'too-far', 'beyond the last complete segment + 2');
  // Segment 5 just completed with two parts: part 2 of it never comes, so asking for it waits for segment 6.
  const completed: PlaylistEdge = { lastSegment: 5, lastPart: { msn: 5, part: 1 } };
  assert.equal(judgeBlockingRequest({ msn: 5, part: 2 }, completed, 6), 'wait');
  assert.equal(judgeBlockingRequest({ msn: 5, part: null }, completed, 6), 'ready');
  // Nothing yet.
  const empty: PlaylistEdge = { lastSegment: -1, lastPart: null };
  assert.equal(judgeBlockingRequest({ msn: 0, part: 0 }, empty, 6), 'wait');
  assert.equal(judgeBlockingRequest({ msn: 1, part: null }, empty, 6), 'wait');
  assert.equal(judgeBlockingRequest({ msn: 2, part: null }, empty, 6), 'too-far');
});

test('property: once ready a request stays ready as the playlist grows, and ready means the edge is at or past it', () => {
  const position = fc.record({ msn: fc.integer({ min: 0, max: 20 }), part: fc.integer({ min: 0, max: 10 }) });
  const request = fc.record({ msn: fc.integer({ min: 0, max: 25 }), part: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }) });
  const edgeOf = (last: { msn: number; part: number }, complete: boolean): PlaylistEdge => ({ lastSegment: complete ? last.msn : last.msn - 1, lastPart: last });
  fc.assert(
    fc.property(request, position, fc.boolean(), position, fc.boolean(), fc.integer({ min: 1, max: 15 }), (asked: BlockingRequest, a, aComplete, b, bComplete, limit) => {
      const [early, late] = comparePositions(a, b) <= 0 ? [a, b] : [b, a];
      // A later edge of the same stream: a segment once complete gets no more parts, so the earlier
      // edge can be complete only if the later one is in a later segment, or is the same complete one.
      const same = comparePositions(early, late) === 0;
      const earlyEdge = edgeOf(early, aComplete && (early.msn < late.msn || (same && bComplete)));
      const lateEdge = edgeOf(late, bComplete);
      const before = judgeBlockingRequest(asked, earlyEdge, limit);
      const after = judgeBlockingRequest(asked, lateEdge, limit);
      if (before === 'ready') assert.equal(after, 'ready');
      if (before === 'ready' && asked.part !== null) assert.ok(comparePositions({ msn: asked.msn, part: asked.part }, early) <= 0);
      if (before === 'ready' && asked.part === null) assert.ok(asked.msn <= earlyEdge.lastSegment);
    }),
    { numRuns: 3000 },
  );
});

// ---------------------------------------------------------------- parts in the segmenter

function llSegmenter(partTargetMs: number) {
  const parts: ClosedPart[] = [];
  const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24, segmentFormat: 'fmp4', partTargetMs }, () => {}, (part) => parts.push(part));
  return { segmenter, parts };
}

test('segmenter parts: CMAF fragments within the part target whose concatenation is the segment, independent where a keyframe starts them', () => {
  const { segmenter, parts } = llSegmenter(200);
  segmenter.push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
  segmenter.push(new HubFrame('audio', 0, audioSequenceHeader(), false, true));
  // 25 fps with a keyframe every 10 frames (0.4 s GOP), so some parts start on a keyframe mid-segment.
  const segments: { segment: ClosedSegment; parts: ClosedPart[] }[] = [];
  for (let i = 0; i < 80; i++) {
    const keyframe = i % 10 === 0;
    const closed = segmenter.push(new HubFrame('video', i * 40, videoFrame(keyframe), keyframe, false));
    segmenter.push(new HubFrame('audio', i * 40 + 5, audioFrame(), true, false));
    if (closed !== null) segments.push({ segment: closed, parts: parts.splice(0) });
  }
  // At unpublish the end is estimated (last frame + one interval), so only that last part may run over the target.
  const last = segmenter.finish()!;
  segments.push({ segment: last, parts: parts.splice(0) });
  assert.deepEqual(segments.map(({ segment }) => segment.durationMs), [1200, 1200, 805]);
  for (const { segment, parts: own } of segments) {
    assert.deepEqual(Buffer.concat(own.map((part) => part.data)), segment.data, 'the segment is its parts');
    assert.equal(own.reduce((total, part) => total + part.durationMs, 0), segment.durationMs);
    for (const part of own) {
      assert.deepEqual(boxTypes(part.data), ['moof', 'mdat']);
      assert.equal(part.init, segment.init);
    }
  }
  assert.deepEqual(segments.flatMap(({ parts: own }) => own.map((part) => part.durationMs)).filter((ms) => ms > 200), [205]);
  // 40 ms frames: parts end at the last frame that keeps them within 200 ms, i.e. 200 ms each; keyframes every 400 ms.
  assert.deepEqual(segments[0].parts.map((part) => [part.durationMs, part.independent]), [
    [200, true], [200, false], [200, true], [200, false], [200, true], [200, false],
  ]);
  // Decode times run on from part to part: each starts where the previous ended (90 kHz, 1 s offset).
  assert.deepEqual(segments[0].parts.map((part) => firstDecodeTime(part.data)), [0, 200, 400, 600, 800, 1000].map((ms) => (ms + 1000) * 90));
});

test('segmenter parts: 30 fps frames end parts below the target, and a segment\'s last part may be short', () => {
  const { segmenter, parts } = llSegmenter(450);
  segmenter.push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
  const closed: ClosedSegment[] = [];
  for (let i = 0; i < 61; i++) {
    const keyframe = i % 30 === 0;
    const segment = segmenter.push(new HubFrame('video', Math.round((i * 1000) / 30), videoFrame(keyframe), keyframe, false));
    if (segment) closed.push(segment);
  }
  assert.equal(closed.length, 2);
  // Per segment (1 s): two parts of 433-434 ms, each cut at the last frame that keeps it within 450 ms, and what is left.
  assert.deepEqual(parts.map((part) => part.durationMs), [433, 434, 133, 433, 434, 133]);
  assert.deepEqual(parts.map((part) => part.independent), [true, false, false, true, false, false]);
});

test('segmenter without parts emits none, and MPEG-TS never has any', () => {
  for (const options of [{ segmentFormat: 'fmp4' as const }, { segmentFormat: 'ts' as const, partTargetMs: 200 }]) {
    const parts: ClosedPart[] = [];
    const segmenter = new Segmenter({ targetDurationMs: 1000, maxSegmentDurationMs: 15_000, maxSegmentBytes: 1 << 24, ...options }, () => {}, (part) => parts.push(part));
    segmenter.push(new HubFrame('video', 0, videoSequenceHeader(AVC_BASELINE_64X48), false, true));
    for (let i = 0; i < 60; i++) segmenter.push(new HubFrame('video', i * 40, videoFrame(i % 25 === 0), i % 25 === 0, false));
    assert.ok(segmenter.finish() !== null);
    assert.equal(parts.length, 0, options.segmentFormat);
  }
});

// ---------------------------------------------------------------- the playlist

test('MediaPlaylist with parts: server control, part target, parts of recent segments, open parts and the preload hint; old parts leave', () => {
  const playlist = new MediaPlaylist(5, 1, (n) => `s/${n}.m4s`, (id) => `s/init-${id}.mp4`, { partTargetMs: 500, targetDurationMs: 2000, partUri: (p) => `s/${p.msn}.${p.part}.m4s` });
  const init = { id: 1, data: Buffer.from('init') };
  let open: Buffer[] = [];
  // Segment n starts 2n seconds after noon.
  const dateOf = (msn: number) => Date.UTC(2026, 10, 21, 12, 0, 2 * msn);
  const part = (durationMs = 500, discontinuity = false) => {
    const data = Buffer.from(`part${open.length}`);
    open.push(data);
    playlist.appendPart({ data, durationMs, independent: open.length === 1, init, discontinuity, programDateMs: dateOf(playlist.nextPart.msn) });
  };
  const segment = () => {
    while (open.length < 4) part();
    const stored = playlist.append({ data: Buffer.concat(open), init, durationMs: 2000, discontinuity: false, programDateMs: dateOf(playlist.nextPart.msn) });
    open = [];
    return stored;
  };
  const text = () => withoutProgramDates(playlist.render()!.toString());
  assert.equal(playlist.render(), null);
  assert.deepEqual(playlist.edge, { lastSegment: -1, lastPart: null });
  const first = segment();
  first.data[4] = 0x39;
  assert.equal(first.parts[0].data.toString(), 'part9', 'parts are views into their segment');
  for (let i = 0; i < 3; i++) segment();
  part(480);
  const partLines = (msn: number) => [0, 1, 2, 3].map((i) => `#EXT-X-PART:DURATION=0.500,URI="s/${msn}.${i}.m4s"${i === 0 ? ',INDEPENDENT=YES' : ''}`);
  assert.equal(
    text(),
    [
      '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500', '#EXT-X-PART-INF:PART-TARGET=0.500',
      '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-MAP:URI="s/init-1.mp4"',
      // Segment 0 ends 6.48 s from the edge, past three target durations (6 s): its parts are not listed.
      '#EXTINF:2.000,', 's/0.m4s',
      ...partLines(1), '#EXTINF:2.000,', 's/1.m4s',
      ...partLines(2), '#EXTINF:2.000,', 's/2.m4s',
      ...partLines(3), '#EXTINF:2.000,', 's/3.m4s',
      '#EXT-X-PART:DURATION=0.480,URI="s/4.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/4.1.m4s"',
      '',
    ].join('\n'),
  );
  assert.deepEqual(playlist.edge, { lastSegment: 3, lastPart: { msn: 4, part: 0 } });
  assert.deepEqual(playlist.nextPart, { msn: 4, part: 1 });
  assert.equal(playlist.part({ msn: 4, part: 0 })!.data.toString(), 'part0');
  assert.equal(playlist.part({ msn: 2, part: 3 })!.data.toString(), 'part3');
  assert.ok(playlist.part({ msn: 0, part: 0 }), 'unlisted, but kept one segment longer');
  assert.equal(playlist.part({ msn: 4, part: 1 }), undefined);
  assert.equal(playlist.part({ msn: 2, part: 4 }), undefined);

  // Segments 4 and 5: parts of 3, 4 and 5 are listed, 2's kept, 0's and 1's gone (the segments are still kept).
  segment();
  assert.deepEqual(playlist.edge, { lastSegment: 4, lastPart: { msn: 4, part: 3 } });
  segment();
  part(500, true);
  assert.match(text(), /#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-MAP:URI="s\/init-1.mp4"\n#EXTINF:2.000,\ns\/1.m4s\n#EXTINF:2.000,\ns\/2.m4s\n#EXT-X-PART:DURATION=0.500,URI="s\/3.0.m4s"/);
  assert.match(text(), /#EXTINF:2.000,\ns\/5.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-PART:DURATION=0.500,URI="s\/6.0.m4s",INDEPENDENT=YES\n/, 'the discontinuity goes before the first part');
  assert.match(
    playlist.render()!.toString(),
    /#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:10.000Z\n#EXT-X-PART:DURATION=0.500,URI="s\/5.0.m4s"[^\n]*\n(#EXT-X-PART[^\n]*\n){3}#EXTINF:2.000,\ns\/5.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:12.000Z\n#EXT-X-PART:DURATION=0.500,URI="s\/6.0.m4s"/,
    'each segment, the one being built included, has its date before its first part',
  );
  assert.ok(playlist.part({ msn: 2, part: 0 }));
  assert.equal(playlist.part({ msn: 1, part: 0 }), undefined);
  assert.equal(playlist.part({ msn: 0, part: 0 }), undefined);
  assert.ok(playlist.segment(0) && playlist.segment(1));
  playlist.end();
  assert.match(playlist.render()!.toString(), /s\/6.0.m4s",INDEPENDENT=YES\n#EXT-X-ENDLIST\n$/, 'no preload hint once ended');
});

test('matchHlsPath and partUri: parts are {epoch}-{msn}.{part}.m4s', () => {
  assert.equal(partUri('te st', '0af3', { msn: 12, part: 3 }), 'te%20st/0af3-12.3.m4s');
  assert.deepEqual(matchHlsPath('/live/te%20st/0af3-12.3.m4s?x'), { app: 'live', name: 'te st', extension: 'm4s', epoch: '0af3', sequence: 12, part: 3, query: 'x' });
  assert.equal(matchHlsPath('/live/test/0af3-12.3.ts'), null, 'MPEG-TS has no parts');
  assert.equal(matchHlsPath('/live/test/0af3-init-1.3.mp4'), null);
  assert.equal(matchHlsPath('/live/test/0af3-12.1234567.m4s'), null, 'part numbers are bounded');
  // Near misses: a path names a part of whole numbers, or something else, or nothing.
  const piece = fc.oneof(fc.constantFrom('0af3', '-', '.', '12', '3', '999999999999999999', 'init-', 'm4s', 'ts', 'mp4', '%2e'), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const path = matchHlsPath(`/live/test/${pieces.join('')}`);
      if (path !== null && 'part' in path) assert.ok(path.extension === 'm4s' && Number.isSafeInteger(path.sequence) && Number.isSafeInteger(path.part));
    }),
    { numRuns: 2000 },
  );
});

// ---------------------------------------------------------------- over HTTP

function epochOf(playlist: string): string {
  return /\/([0-9a-f]+)-\d+\.m4s/.exec(playlist)![1];
}

test('blocking reload: a request for the next part is answered once the part is listed, not before', async () => {
  const h = await harness();
  const stream = publishAvc(h.hub, 'live', 'test', { audio: true });
  feed(stream, { fromMs: 0, toMs: 2100, gopFrames: 25, audio: true });
  const text = (await h.get('/live/test.m3u8')).body.toString();
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="test\/([0-9a-f]+)-(\d+)\.(\d+)\.m4s"/.exec(text)!;
  const [msn, part] = [Number(hint[2]), Number(hint[3])];
  const epoch = hint[1];
  assert.deepEqual([msn, part], [2, 0], text);

  const startedAt = performance.now();
  const blocked = h.get(`/live/test.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`);
  const hinted = h.get(`/live/test/${epoch}-${msn}.${part}.m4s`);
  await sleep(150);
  const fedAt = performance.now();
  // The frames of part 2.0, then the frame that ends it.
  feed(stream, { fromMs: 2120, toMs: 2400, gopFrames: 0, audio: false });
  const [reloaded, partResponse] = await Promise.all([blocked, hinted]);
  assert.equal(reloaded.status, 200);
  assert.ok(reloaded.at >= fedAt, `answered ${(reloaded.at - startedAt).toFixed(0)} ms after asking, ${(fedAt - startedAt).toFixed(0)} ms before the part existed`);
  assert.match(reloaded.body.toString(), new RegExp(`URI="test/${epoch}-2\\.0\\.m4s"`));
  assert.match(reloaded.body.toString(), /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="test\/[0-9a-f]+-2\.1\.m4s"/);
  assert.equal(partResponse.status, 200);
  assert.ok(partResponse.at >= fedAt);
  assert.deepEqual(boxTypes(partResponse.body), ['moof', 'mdat']);
  assert.deepEqual((await h.get(`/live/test/${epoch}-2.0.m4s`)).body, partResponse.body, 'the same part, fetched again');

  // Behind the edge: at once. Ahead beyond the limits: 400. Malformed: 400.
  assert.equal((await h.get('/live/test.m3u8?_HLS_msn=1')).status, 200);
  assert.equal((await h.get('/live/test.m3u8?_HLS_msn=5')).status, 400);
  assert.equal((await h.get('/live/test.m3u8?_HLS_msn=2&_HLS_part=40')).status, 400);
  assert.equal((await h.get('/live/test.m3u8?_HLS_part=1')).status, 400);
  assert.equal((await h.get('/live/test.m3u8?_HLS_msn=x')).status, 400);
  // Parts that are not the next one are not waited for.
  assert.equal((await h.get(`/live/test/${epoch}-2.5.m4s`)).status, 404);
  assert.equal((await h.get(`/live/test/ffffffff-2.0.m4s`)).status, 404);
  assert.ok(h.hls.stats('live', 'test')!.partsProduced >= 11);
});

test('a hinted part is answered when complete, the last of a segment too when the publisher leaves; once ended, parts 404 and blocking reloads are answered at once', async () => {
  const h = await harness({ republishGraceMs: 0 });
  const stream = publishAvc(h.hub, 'live', 'test');
  // Segment 0 (0-1000 ms) is complete; segment 1 has frames 1000-1080, not yet a part.
  feed(stream, { fromMs: 0, toMs: 1100, gopFrames: 25 });
  const text = (await h.get('/live/test.m3u8')).body.toString();
  const epoch = epochOf(text);
  assert.match(text, /PRELOAD-HINT:TYPE=PART,URI="test\/[0-9a-f]+-1\.0\.m4s"/);
  const first = h.get(`/live/test/${epoch}-1.0.m4s`);
  await sleep(50);
  // The frame at 1200 ms ends part 1.0 (1000-1200).
  feed(stream, { fromMs: 1120, toMs: 1240, gopFrames: 0 });
  assert.equal((await first).status, 200);
  const last = h.get(`/live/test/${epoch}-1.1.m4s`);
  await sleep(50);
  // Leaving ends segment 1, and with it part 1.1 (1200-1240).
  h.hub.unpublish(stream, stream.publisher!);
  const lastPart = await last;
  assert.equal(lastPart.status, 200);
  assert.deepEqual(boxTypes(lastPart.body), ['moof', 'mdat']);
  await sleep(50);
  assert.equal(h.hls.stats('live', 'test')!.ended, true);
  assert.equal((await h.get(`/live/test/${epoch}-2.0.m4s`)).status, 404, 'no part comes after the end');
  const ended = await h.get('/live/test.m3u8?_HLS_msn=3');
  assert.equal(ended.status, 200);
  assert.match(ended.body.toString(), /test\/[0-9a-f]+-1\.m4s\n#EXT-X-ENDLIST\n$/);
});

test('a blocking reload that cannot be satisfied gets 503 after three target durations', async () => {
  const h = await harness({ targetDurationMs: 300, partTargetMs: 100 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 700, gopFrames: 10 });
  assert.equal((await h.get('/live/test.m3u8')).status, 200);
  const startedAt = performance.now();
  // Segment 0 (0-400 ms) is the last complete one: msn 2 may be waited for, and never comes.
  const response = await h.get('/live/test.m3u8?_HLS_msn=2');
  const waitedMs = response.at - startedAt;
  assert.equal(response.status, 503);
  // EXT-X-TARGETDURATION is whole seconds (1), so three of them: 3 s.
  assert.ok(waitedMs >= 2900 && waitedMs < 4500, `waited ${waitedMs.toFixed(0)} ms`);
});

test('without parts, blocking parameters are ignored and part URLs name nothing', async () => {
  const h = await harness({ partTargetMs: 0 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 2100, gopFrames: 25 });
  const response = await h.get('/live/test.m3u8?_HLS_msn=40&_HLS_part=2');
  assert.equal(response.status, 200);
  const text = response.body.toString();
  assert.doesNotMatch(text, /EXT-X-PART|SERVER-CONTROL|PRELOAD-HINT/);
  assert.equal((await h.get(`/live/test/${epochOf(text)}-2.0.m4s`)).status, 404, 'the next part would be 2.0, but there are no parts');
});
