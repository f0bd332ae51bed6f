// Low-Latency HLS Playlist Delta Updates (RFC 8216bis 6.2.5.1): when CAN-SKIP-UNTIL is
// advertised, what a delta update skips and keeps (exact text for a known history, and a property:
// the delta with its skipped segments put back from the whole playlist is the whole playlist),
// _HLS_skip parsing (with fuzzing), and the HTTP answers with synthetic publisher traffic.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import fc from 'fast-check';
import { resolveHlsConfig, type HlsConfig } from '../src/hls/config.ts';
import { MediaPlaylist } from '../src/hls/media-playlist.ts';
import type { InitSection } from '../src/hls/segmenter.ts';
import { SKIP_BOUNDARY_TARGET_DURATIONS, SkipRequestError, countSkippedSegments, parseSkipDirective, windowCanSkip } from '../src/hls/delta-update.ts';
import { feed, publishAvc } from './support/hls-frames.ts';
import { startHlsHarness, withoutProgramDates, type HlsHarness } from './support/hls-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- arithmetic and parsing

test('windowCanSkip: only a window of 8 segments or more reaches past six target durations; the default window (6) does not', () => {
  assert.equal(SKIP_BOUNDARY_TARGET_DURATIONS, 6);
  assert.equal(resolveHlsConfig().windowSegments, 6);
  assert.equal(windowCanSkip(resolveHlsConfig().windowSegments), false);
  assert.equal(windowCanSkip(7), false, 'the oldest of 7 full-length segments ends exactly at the boundary');
  assert.equal(windowCanSkip(8), true);
  assert.equal(windowCanSkip(60), true);
});

test('countSkippedSegments: segments ending further than the boundary before the end of the last; one ending on it stays', () => {
  const twoSeconds = Array<number>(10).fill(2000);
  // Segment i ends (9 - i) × 2 s before the end: 0..2 are beyond 12 s, 3 ends exactly at 12 s.
  assert.equal(countSkippedSegments(twoSeconds, 12_000), 3);
  assert.equal(countSkippedSegments(twoSeconds, 11_999), 4);
  assert.equal(countSkippedSegments(twoSeconds.slice(0, 7), 12_000), 0);
  assert.equal(countSkippedSegments([], 12_000), 0);
  assert.equal(countSkippedSegments([5000], 0), 0, 'the last segment is never skipped');
  // Uneven durations: the segments end 14, 11, 10.5, 4.5 and 0 s before the end.
  assert.equal(countSkippedSegments([1000, 3000, 500, 6000, 4500], 6000), 3);
});

test('parseSkipDirective: YES or v2, case-sensitive, once; other parameters are not ours', () => {
  assert.equal(parseSkipDirective(''), null);
  assert.equal(parseSkipDirective('_HLS_msn=3&token=x'), null);
  assert.equal(parseSkipDirective('_HLS_skip=YES'), 'YES');
  assert.equal(parseSkipDirective('_HLS_msn=3&_HLS_part=1&_HLS_skip=v2'), 'v2');
  assert.equal(parseSkipDirective('%5FHLS_skip=YES'), 'YES', 'names are percent-decoded');
  for (const bad of ['_HLS_skip', '_HLS_skip=', '_HLS_skip=yes', '_HLS_skip=NO', '_HLS_skip=V2', '_HLS_skip=v3', '_HLS_skip=YES&_HLS_skip=YES', '_HLS_skip=YES%20']) {
    assert.throws(() => parseSkipDirective(bad), (e: unknown) => e instanceof SkipRequestError && e.code === 'bad-skip-request', bad);
  }
  assert.throws(() => parseSkipDirective('_HLS_skip=nope'), /_HLS_skip must be YES or v2, got "nope"/);
  assert.throws(() => parseSkipDirective('_HLS_skip=YES&_HLS_skip=v2'), /_HLS_skip is given 2 times/);
});

test('fuzz: parseSkipDirective returns null, YES or v2 as sent, or throws SkipRequestError', () => {
  const piece = fc.oneof(fc.constantFrom('_HLS_skip', '%5FHLS_skip', '_HLS_msn', '=', '&', '%', '%zz', '+', 'YES', 'v2', 'yes', '1'), fc.string({ maxLength: 6 }));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''))), (query) => {
      try {
        const directive = parseSkipDirective(query);
        assert.equal(directive, new URLSearchParams(query).get('_HLS_skip'));
      } catch (error) {
        assert.ok(error instanceof SkipRequestError, String(error));
      }
    }),
    { numRuns: 3000 },
  );
});

// ---------------------------------------------------------------- the playlist

interface SegmentPlan {
  durationMs: number;
  discontinuity: boolean;
  init: InitSection;
  /** Parts the segment is built from (their durations add up to the segment's); none: appended whole. */
  partsMs: number[];
}

/** A low-latency playlist (500 ms parts) fed the planned segments, dated 2 s apart from noon, and `open` parts of the next. */
function buildPlaylist(windowSegments: number, keepSegments: number, plans: readonly SegmentPlan[], open: { partsMs: number[]; plan: Omit<SegmentPlan, 'partsMs' | 'durationMs'> } | null = null): MediaPlaylist {
  const playlist = new MediaPlaylist(windowSegments, keepSegments, (n) => `s/${n}.m4s`, (id) => `s/init-${id}.mp4`, { partTargetMs: 500, targetDurationMs: 1000, partUri: (p) => `s/${p.msn}.${p.part}.m4s` });
  let dateMs = Date.UTC(2026, 10, 21, 12, 0, 0);
  const addParts = (partsMs: readonly number[], plan: Omit<SegmentPlan, 'partsMs' | 'durationMs'>) =>
    partsMs.map((durationMs, i) => {
      const data = Buffer.from(`p${i}`);
      playlist.appendPart({ data, durationMs, independent: i === 0, init: plan.init, discontinuity: plan.discontinuity, programDateMs: dateMs });
      return data;
    });
  for (const plan of plans) {
    const parts = addParts(plan.partsMs, plan);
    playlist.append({ data: parts.length > 0 ? Buffer.concat(parts) : Buffer.from('segment'), init: plan.init, durationMs: plan.durationMs, discontinuity: plan.discontinuity, programDateMs: dateMs });
    dateMs += plan.durationMs;
  }
  if (open !== null) addParts(open.partsMs, open.plan);
  return playlist;
}

const INIT_1: InitSection = { id: 1, data: Buffer.from('init1') };
const INIT_2: InitSection = { id: 2, data: Buffer.from('init2') };

test('MediaPlaylist delta update: EXT-X-SKIP where the skipped segments were, with their discontinuity; sequence numbers, map and later discontinuity kept', () => {
  // Twelve 2 s segments (target duration 2, skip boundary 12 s) in a window of ten: 0 and 1 have
  // left it (1 with a discontinuity: EXT-X-DISCONTINUITY-SEQUENCE 1). Segment 3 starts a
  // discontinuity inside the skipped range, segment 9 one after it, with a new init section.
  const plans: SegmentPlan[] = Array.from({ length: 12 }, (_, n) => ({
    durationMs: 2000,
    discontinuity: n === 1 || n === 3 || n === 9,
    init: n >= 9 ? INIT_2 : INIT_1,
    partsMs: n === 11 ? [500, 500, 500, 500] : [],
  }));
  const playlist = buildPlaylist(10, 1, plans, { partsMs: [500], plan: { discontinuity: false, init: INIT_2 } });
  assert.equal(playlist.offersDeltaUpdates, true);
  const header = (version: number) => [
    '#EXTM3U', `#EXT-X-VERSION:${version}`, '#EXT-X-TARGETDURATION:2',
    '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.000', '#EXT-X-PART-INF:PART-TARGET=0.500',
    '#EXT-X-MEDIA-SEQUENCE:2', '#EXT-X-DISCONTINUITY-SEQUENCE:1',
  ];
  const segment = (n: number) => [`#EXTINF:2.000,`, `s/${n}.m4s`];
  const liveEdge = [
    '#EXT-X-PART:DURATION=0.500,URI="s/11.0.m4s",INDEPENDENT=YES', '#EXT-X-PART:DURATION=0.500,URI="s/11.1.m4s"',
    '#EXT-X-PART:DURATION=0.500,URI="s/11.2.m4s"', '#EXT-X-PART:DURATION=0.500,URI="s/11.3.m4s"', ...segment(11),
    '#EXT-X-PART:DURATION=0.500,URI="s/12.0.m4s",INDEPENDENT=YES', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/12.1.m4s"', '',
  ];
  const full = withoutProgramDates(playlist.render()!.toString());
  assert.equal(
    full,
    [
      ...header(7), '#EXT-X-MAP:URI="s/init-1.mp4"', ...segment(2), '#EXT-X-DISCONTINUITY', ...segment(3),
      ...[4, 5, 6, 7, 8].flatMap(segment), '#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="s/init-2.mp4"', ...segment(9), ...segment(10), ...liveEdge,
    ].join('\n'),
  );
  const delta = playlist.renderDelta('YES')!.toString();
  assert.equal(
    withoutProgramDates(delta),
    [
      // Segments 2-4 end 18, 16 and 14 s before the end of segment 11: beyond 12 s. Segment 5 ends
      // exactly 12 s before it and stays. The map in force is repeated for it.
      ...header(9), '#EXT-X-SKIP:SKIPPED-SEGMENTS=3', '#EXT-X-MAP:URI="s/init-1.mp4"',
      ...[5, 6, 7, 8].flatMap(segment), '#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="s/init-2.mp4"', ...segment(9), ...segment(10), ...liveEdge,
    ].join('\n'),
  );
  // Dates are per segment: the skipped segments' go with them, the others stay (segment 5 began at 12:00:10).
  assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:10.000Z\n#EXT-X-MAP/);
  assert.equal(delta.match(/PROGRAM-DATE-TIME/g)!.length, 8, 'segments 5-11 and the one being built');
  assert.equal(playlist.renderDelta('YES'), playlist.renderDelta('YES'), 'rendered once per change');
  assert.equal(playlist.renderDelta('v2')!.toString(), delta.replace('SKIPPED-SEGMENTS=3', 'SKIPPED-SEGMENTS=3,RECENTLY-REMOVED-DATERANGES=""'));
  playlist.end();
  assert.equal(playlist.renderDelta('YES'), null, 'an ended playlist ignores _HLS_skip');
});

test('MediaPlaylist: no CAN-SKIP-UNTIL with a window of 7 or without low latency; nothing to skip yet is no delta', () => {
  const twoSecond = (n: number): SegmentPlan[] => Array.from({ length: n }, () => ({ durationMs: 2000, discontinuity: false, init: INIT_1, partsMs: [] }));
  const seven = buildPlaylist(7, 1, twoSecond(12));
  assert.equal(seven.offersDeltaUpdates, false);
  assert.match(seven.render()!.toString(), /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.500$/m);
  assert.equal(seven.renderDelta('YES'), null);
  const plain = new MediaPlaylist(20, 1, (n) => `s/${n}.m4s`, (id) => `s/init-${id}.mp4`);
  plain.append({ data: Buffer.from('x'), init: INIT_1, durationMs: 2000, discontinuity: false, programDateMs: 0 });
  assert.equal(plain.offersDeltaUpdates, false);
  assert.equal(plain.renderDelta('YES'), null);
  // Seven 2 s segments in a window of eight: the oldest ends exactly 12 s before the last.
  const young = buildPlaylist(8, 1, twoSecond(7));
  assert.match(young.render()!.toString(), /CAN-SKIP-UNTIL=12\.000\n/);
  assert.equal(young.renderDelta('YES'), null);
  assert.equal(buildPlaylist(8, 1, twoSecond(8)).renderDelta('YES')!.toString().match(/SKIPPED-SEGMENTS=\d+/)![0], 'SKIPPED-SEGMENTS=1');
});

test('MediaPlaylist: the skip boundary follows the target duration as a longer segment raises it', () => {
  const plans: SegmentPlan[] = Array.from({ length: 10 }, (_, n) => ({ durationMs: n === 9 ? 2500 : 1000, discontinuity: false, init: INIT_1, partsMs: [] }));
  const playlist = buildPlaylist(10, 0, plans);
  // Target duration 3 s: boundary 18 s, beyond the whole window (11.5 s).
  assert.match(playlist.render()!.toString(), /#EXT-X-TARGETDURATION:3\n.*CAN-SKIP-UNTIL=18\.000\n/);
  assert.equal(playlist.renderDelta('YES'), null);
  const short = buildPlaylist(10, 0, plans.slice(0, 9));
  // Target duration 1 s: boundary 6 s; segments 0 and 1 end 8 and 7 s before the end of segment 8.
  assert.match(short.renderDelta('YES')!.toString(), /CAN-SKIP-UNTIL=6\.000\n[^]*SKIPPED-SEGMENTS=2\n/);
});

/** What a client reads from a media playlist: header tags, segments with what applies to them, and the live edge. */
interface ReadPlaylist {
  version: number;
  /** Header tags but EXT-X-VERSION and EXT-X-SKIP. */
  header: string[];
  mediaSequence: number;
  skipped: number;
  segments: { sequence: number; uri: string; durationMs: number; discontinuity: boolean; map: string | null; programDate: string | null; parts: string[] }[];
  /** After the last segment: parts of the one being built, the preload hint, EXT-X-ENDLIST. */
  edge: string[];
}

function readPlaylist(text: string): ReadPlaylist {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  const read: ReadPlaylist = { version: 0, header: [], mediaSequence: 0, skipped: 0, segments: [], edge: [] };
  let map: string | null = null;
  let pending: string[] = [];
  let durationMs: number | null = null;
  for (const line of lines) {
    const [tag, value = ''] = line.split(/:(.*)/s);
    if (tag === '#EXT-X-VERSION') read.version = Number(value);
    else if (tag === '#EXT-X-SKIP') read.skipped = Number(/^SKIPPED-SEGMENTS=(\d+)/.exec(value)![1]);
    else if (['#EXTM3U', '#EXT-X-TARGETDURATION', '#EXT-X-SERVER-CONTROL', '#EXT-X-PART-INF', '#EXT-X-MEDIA-SEQUENCE', '#EXT-X-DISCONTINUITY-SEQUENCE'].includes(tag)) {
      assert.equal(read.segments.length + pending.length, 0, `${tag} before the first segment`);
      read.header.push(line);
      if (tag === '#EXT-X-MEDIA-SEQUENCE') read.mediaSequence = Number(value);
    } else if (tag === '#EXTINF') durationMs = Math.round(Number(value.replace(/,$/, '')) * 1000);
    else if (line.startsWith('#')) pending.push(line);
    else {
      for (const tagLine of pending.filter((pendingLine) => pendingLine.startsWith('#EXT-X-MAP:'))) map = tagLine.slice('#EXT-X-MAP:'.length);
      read.segments.push({
        sequence: read.mediaSequence + read.skipped + read.segments.length,
        uri: line,
        durationMs: durationMs!,
        discontinuity: pending.includes('#EXT-X-DISCONTINUITY'),
        map,
        programDate: pending.find((pendingLine) => pendingLine.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) ?? null,
        parts: pending.filter((pendingLine) => pendingLine.startsWith('#EXT-X-PART:')),
      });
      assert.deepEqual(pending.filter((tagLine) => !/^#EXT-X-(DISCONTINUITY$|PROGRAM-DATE-TIME:|MAP:|PART:)/.test(tagLine)), [], 'only tags of this segment');
      pending = [];
      durationMs = null;
    }
  }
  read.edge = pending;
  return read;
}

test('property: a delta update with its skipped segments put back from the whole playlist is the whole playlist', () => {
  const segmentPlan = fc.record({
    // Mostly near a 2 s target duration, so long windows reach past the boundary; now and then
    // short ones, or one over 2 s that raises the target duration (and the boundary).
    durationMs: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1500, max: 2000 }) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }) }),
    discontinuity: fc.boolean(),
    newInit: fc.boolean(),
    parts: fc.integer({ min: 0, max: 4 }),
  });
  let deltas = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(segmentPlan, { minLength: 1, maxLength: 30, size: 'max' }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      (windowSegments, keepSegments, drawn, openParts, ended) => {
        let init: InitSection = INIT_1;
        const plans: SegmentPlan[] = drawn.map(({ durationMs, discontinuity, newInit, parts }) => {
          if (newInit) init = { id: init.id + 1, data: Buffer.from('init') };
          // Parts of at most 500 ms, the last one taking what is left.
          const count = Math.min(parts, Math.ceil(durationMs / 500));
          const partsMs = Array.from({ length: count }, (_, i) => (i < count - 1 ? 500 : durationMs - 500 * i));
          return { durationMs, discontinuity, init, partsMs };
        });
        const playlist = buildPlaylist(windowSegments, keepSegments, plans, openParts > 0 ? { partsMs: Array(openParts).fill(400), plan: { discontinuity: false, init } } : null);
        if (ended) playlist.end();
        const full = readPlaylist(playlist.render()!.toString());
        const deltaText = playlist.renderDelta('YES');
        // What the spec skips, from what the whole playlist says: segments ending more than six
        // target durations before the end of the last one.
        const targetS = Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(playlist.render()!.toString())![1]);
        const ends = full.segments.map((_, i) => full.segments.slice(i + 1).reduce((total, s) => total + s.durationMs, 0));
        const beyond = ends.filter((fromEndMs) => fromEndMs > 6 * targetS * 1000).length;
        assert.equal(playlist.offersDeltaUpdates, windowSegments >= 8);
        assert.equal(full.header.some((line) => line.includes(`CAN-SKIP-UNTIL=${6 * targetS}.000`)), windowSegments >= 8);
        if (!playlist.offersDeltaUpdates || ended || beyond === 0) {
          assert.equal(deltaText, null);
          return;
        }
        deltas++;
        const delta = readPlaylist(deltaText!.toString());
        assert.equal(delta.version, 9);
        assert.equal(full.version, 7);
        assert.equal(delta.skipped, beyond);
        assert.deepEqual(delta.header, full.header, 'same target duration, server control, media and discontinuity sequence');
        const putBack = [...full.segments.filter((s) => s.sequence < delta.mediaSequence + delta.skipped), ...delta.segments];
        assert.deepEqual(putBack, full.segments);
        assert.deepEqual(delta.edge, full.edge);
        assert.ok(full.segments.slice(0, beyond).every((s) => s.parts.length === 0), 'skipped segments had no parts listed');
      },
    ),
    { numRuns: 600 },
  );
  // Not vacuous: a good share of the histories (about a fifth) reach past the boundary.
  assert.ok(deltas >= 80, `${deltas} delta updates in 600 histories`);
});

// ---------------------------------------------------------------- over HTTP

function harness(overrides: Partial<HlsConfig> = {}): Promise<HlsHarness> {
  return startHlsHarness(resolveHlsConfig({ targetDurationMs: 1000, windowSegments: 10, keepSegments: 1, segmentFormat: 'fmp4', partTargetMs: 200, ...overrides }), cleanups);
}

test('over HTTP: _HLS_skip=YES gets a delta update, alone or with a blocking reload, once a segment is beyond the boundary; bad values get 400', async () => {
  const h = await harness();
  const stream = publishAvc(h.hub, 'live', 'test');
  // 1 s segments (target duration 1, skip boundary 6 s): 0-7 complete, 8 being built.
  feed(stream, { fromMs: 0, toMs: 9000, gopFrames: 25 });
  const full = (await h.get('/live/test.m3u8')).body.toString();
  assert.match(full, /^#EXT-X-VERSION:7$/m);
  assert.match(full, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.600,CAN-SKIP-UNTIL=6\.000$/m);
  assert.doesNotMatch(full, /EXT-X-SKIP/);

  const delta = await h.get('/live/test.m3u8?_HLS_skip=YES');
  assert.equal(delta.status, 200);
  assert.equal(delta.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  const text = delta.body.toString();
  // Segment 0 ends 7 s before the end of segment 7.
  assert.match(text, /^#EXT-X-VERSION:9$/m);
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXT-X-MAP:URI="test\/[0-9a-f]+-init-1\.mp4"\n#EXTINF:1\.000,\ntest\/[0-9a-f]+-1\.m4s\n/);
  assert.doesNotMatch(text, /-0\.m4s/);
  assert.equal(text.split('\n').length, full.split('\n').length - 2, 'the date, EXTINF and URI of segment 0 give way to EXT-X-SKIP');

  // Blocking for segment 8, which the frame at 9000 ms completes: segments 0 and 1 are then beyond 6 s.
  const blocked = h.get('/live/test.m3u8?_HLS_msn=8&_HLS_skip=YES');
  await sleep(100);
  const fedAt = performance.now();
  feed(stream, { fromMs: 9000, toMs: 9100, gopFrames: 25 });
  const reloaded = await blocked;
  assert.equal(reloaded.status, 200);
  assert.ok(reloaded.at >= fedAt, 'answered once segment 8 was complete');
  assert.match(reloaded.body.toString(), /#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n[^]*-8\.m4s\n/);
  assert.match((await h.get('/live/test.m3u8?_HLS_skip=v2')).body.toString(), /#EXT-X-SKIP:SKIPPED-SEGMENTS=2,RECENTLY-REMOVED-DATERANGES=""\n/);
  assert.equal(h.hls.stats('live', 'test')!.deltaUpdates, 3);

  for (const [query, reason] of [
    ['_HLS_skip=yes', /_HLS_skip must be YES or v2, got "yes"/],
    ['_HLS_skip=YES&_HLS_skip=YES', /_HLS_skip is given 2 times/],
    ['_HLS_msn=x&_HLS_skip=YES', /_HLS_msn must be a decimal integer/],
    ['_HLS_msn=8&_HLS_skip=', /_HLS_skip must be YES or v2, got ""/],
  ] as const) {
    const refused = await h.get(`/live/test.m3u8?${query}`);
    assert.equal(refused.status, 400, query);
    assert.match(refused.body.toString(), reason);
  }
  assert.equal(h.hls.stats('live', 'test')!.deltaUpdates, 3);
});

test('over HTTP: with the default window (6) no CAN-SKIP-UNTIL, and _HLS_skip, even a bad one, is ignored; an ended playlist is whole', async () => {
  const h = await harness({ windowSegments: resolveHlsConfig().windowSegments, republishGraceMs: 0 });
  const stream = publishAvc(h.hub, 'live', 'test');
  feed(stream, { fromMs: 0, toMs: 9000, gopFrames: 25 });
  const full = (await h.get('/live/test.m3u8')).body;
  assert.doesNotMatch(full.toString(), /CAN-SKIP-UNTIL|EXT-X-SKIP/);
  for (const query of ['_HLS_skip=YES', '_HLS_skip=bogus', '_HLS_skip=YES&_HLS_skip=v2']) {
    const response = await h.get(`/live/test.m3u8?${query}`);
    assert.equal(response.status, 200, query);
    assert.deepEqual(response.body, full, query);
  }
  assert.equal(h.hls.stats('live', 'test')!.deltaUpdates, 0);

  const long = await harness({ republishGraceMs: 0 });
  const longStream = publishAvc(long.hub, 'live', 'long');
  feed(longStream, { fromMs: 0, toMs: 9000, gopFrames: 25 });
  assert.match((await long.get('/live/long.m3u8?_HLS_skip=YES')).body.toString(), /EXT-X-SKIP/);
  long.hub.unpublish(longStream, longStream.publisher!);
  await sleep(50);
  const ended = (await long.get('/live/long.m3u8?_HLS_skip=YES')).body.toString();
  assert.match(ended, /#EXT-X-ENDLIST\n$/);
  assert.doesNotMatch(ended, /EXT-X-SKIP/, 'RFC 8216bis 6.2.5.1: a playlist with EXT-X-ENDLIST ignores _HLS_skip');
});
