// Low-Latency HLS before the first segment is complete: the playlist lists the parts of the segment
// in progress (no EXTINF) from the first part on, blocking reloads for those parts are answered as
// they appear, and the playlist carries on unchanged into the first complete segment.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import fc from 'fast-check';
import { resolveHlsConfig, type HlsConfig } from '../src/hls/config.ts';
import { MediaPlaylist } from '../src/hls/media-playlist.ts';
import type { InitSection } from '../src/hls/segmenter.ts';
import { feed, publishAvc } from './support/hls-frames.ts';
import { startHlsHarness, type HlsHarness } from './support/hls-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NOON = Date.UTC(2026, 10, 21, 12, 0, 0);
const INIT: InitSection = { id: 1, data: Buffer.from('init') };

/** 500 ms parts, segment target `targetDurationMs`; window of ten (so delta updates are offered). */
function llPlaylist(targetDurationMs: number, windowSegments = 10): MediaPlaylist {
  return new MediaPlaylist(windowSegments, 1, (n) => `s/${n}.m4s`, (id) => `s/init-${id}.mp4`, {
    partTargetMs: 500,
    targetDurationMs,
    partUri: (p) => `s/${p.msn}.${p.part}.m4s`,
  });
}

const HEADER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.000',
  '#EXT-X-PART-INF:PART-TARGET=0.500',
];

test('MediaPlaylist (fMP4) with parts only: header, date, map, the parts and the preload hint, no EXTINF; then the first segment', () => {
  const playlist = llPlaylist(2000);
  assert.equal(playlist.render(), null, 'nothing to list');
  const parts = ['a', 'b', 'c', 'd'].map((name) => Buffer.from(name));
  const addPart = (i: number) => playlist.appendPart({ data: parts[i], durationMs: 500, independent: i === 0, init: INIT, discontinuity: false, programDateMs: NOON + 500 * i });
  addPart(0);
  const early = playlist.render()!;
  assert.equal(
    early.toString(),
    [
      ...HEADER,
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:00.000Z',
      '#EXT-X-MAP:URI="s/init-1.mp4"',
      '#EXT-X-PART:DURATION=0.500,URI="s/0.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/0.1.m4s"',
      '',
    ].join('\n'),
  );
  assert.equal(playlist.render(), early, 'rendered once until something changes');
  assert.deepEqual(playlist.edge, { lastSegment: -1, lastPart: { msn: 0, part: 0 } });
  assert.equal(playlist.targetDurationS, 2);
  assert.equal(playlist.renderDelta('YES'), null, 'no segment to skip: the whole playlist is the answer');
  assert.equal(playlist.renderDelta('v2'), null);

  addPart(1);
  const second = playlist.render()!;
  assert.notEqual(second, early);
  assert.match(second.toString(), /URI="s\/0\.0\.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0\.500,URI="s\/0\.1\.m4s"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s\/0\.2\.m4s"\n$/);
  addPart(2);
  addPart(3);
  // A first segment shorter than the target (the publisher left): EXT-X-TARGETDURATION stays what the early playlists said.
  playlist.append({ data: Buffer.concat(parts), init: INIT, durationMs: 1400, discontinuity: false, programDateMs: NOON });
  const partLines = [0, 1, 2, 3].map((i) => `#EXT-X-PART:DURATION=0.500,URI="s/0.${i}.m4s"${i === 0 ? ',INDEPENDENT=YES' : ''}`);
  const complete = [
    ...HEADER,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:00.000Z',
    '#EXT-X-MAP:URI="s/init-1.mp4"',
    ...partLines,
    '#EXTINF:1.400,',
    's/0.m4s',
  ];
  assert.equal(playlist.render()!.toString(), [...complete, '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/1.0.m4s"', ''].join('\n'));
  assert.deepEqual(playlist.edge, { lastSegment: 0, lastPart: { msn: 0, part: 3 } });
  assert.equal(playlist.part({ msn: 0, part: 2 })!.data.toString(), 'c', 'the early parts are now views into the segment');
  assert.equal(playlist.renderDelta('YES'), null);

  playlist.appendPart({ data: Buffer.from('e'), durationMs: 500, independent: true, init: INIT, discontinuity: false, programDateMs: NOON + 1400 });
  assert.equal(
    playlist.render()!.toString(),
    [...complete, '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:01.400Z', '#EXT-X-PART:DURATION=0.500,URI="s/1.0.m4s",INDEPENDENT=YES', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/1.1.m4s"', ''].join('\n'),
  );
});

test('MediaPlaylist with parts only: a discontinuity before the first part; MPEG-TS parts (no init) make a version 3 playlist without EXT-X-MAP; none without low latency', () => {
  // The output refuses parts with MPEG-TS (config), so this is the playlist's own contract: the version follows what is listed.
  const playlist = llPlaylist(1000, 3);
  playlist.appendPart({ data: Buffer.from('x'), durationMs: 400, independent: true, init: null, discontinuity: true, programDateMs: NOON });
  assert.equal(
    playlist.render()!.toString(),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500',
      '#EXT-X-PART-INF:PART-TARGET=0.500',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:00.000Z',
      '#EXT-X-PART:DURATION=0.400,URI="s/0.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/0.1.m4s"',
      '',
    ].join('\n'),
  );
  playlist.end();
  assert.match(playlist.render()!.toString(), /URI="s\/0\.0\.m4s",INDEPENDENT=YES\n#EXT-X-ENDLIST\n$/, 'ended: no preload hint');
  // Without low latency nothing is listed before a segment, whatever the playlist is given.
  const plain = new MediaPlaylist(3, 1, (n) => `s/${n}.ts`, (id) => `s/init-${id}.mp4`);
  plain.appendPart({ data: Buffer.from('x'), durationMs: 400, independent: true, init: null, discontinuity: false, programDateMs: NOON });
  assert.equal(plain.render(), null);
});

test('MediaPlaylist: the init section the parts of the segment being built map is there from their first part, a new one after a codec change too', () => {
  const playlist = llPlaylist(1000);
  const next: InitSection = { id: 2, data: Buffer.from('init2') };
  assert.equal(playlist.init(1), undefined);
  playlist.appendPart({ data: Buffer.from('x'), durationMs: 500, independent: true, init: INIT, discontinuity: false, programDateMs: NOON });
  assert.equal(playlist.init(1), INIT);
  playlist.append({ data: Buffer.from('x'), init: INIT, durationMs: 500, discontinuity: false, programDateMs: NOON });
  playlist.appendPart({ data: Buffer.from('y'), durationMs: 500, independent: true, init: next, discontinuity: true, programDateMs: NOON + 500 });
  assert.match(playlist.render()!.toString(), /#EXT-X-MAP:URI="s\/init-2\.mp4"\n#EXT-X-PART:DURATION=0\.500,URI="s\/1\.0\.m4s"/);
  assert.equal(playlist.init(2), next);
  assert.equal(playlist.init(3), undefined);
});

// ---------------------------------------------------------------- property

/** What a client reads of positions: parts (msn.part), segment lines (msn) and the hint, in playlist order. */
type Item = { kind: 'part' | 'segment' | 'hint'; msn: number; part: number; durationMs: number };

function readItems(text: string): { mediaSequence: number; targetS: number; items: Item[] } {
  const items: Item[] = [];
  let duration = 0;
  for (const line of text.split('\n')) {
    const part = /^#EXT-X-PART:DURATION=([\d.]+),URI="s\/(\d+)\.(\d+)\.m4s"/.exec(line);
    const hint = /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s\/(\d+)\.(\d+)\.m4s"$/.exec(line);
    const extinf = /^#EXTINF:([\d.]+),$/.exec(line);
    const segment = /^s\/(\d+)\.m4s$/.exec(line);
    if (part) items.push({ kind: 'part', msn: Number(part[2]), part: Number(part[3]), durationMs: Math.round(Number(part[1]) * 1000) });
    else if (hint) items.push({ kind: 'hint', msn: Number(hint[1]), part: Number(hint[2]), durationMs: 0 });
    else if (extinf) duration = Math.round(Number(extinf[1]) * 1000);
    else if (segment) items.push({ kind: 'segment', msn: Number(segment[1]), part: -1, durationMs: duration });
  }
  return { mediaSequence: Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)$/m.exec(text)![1]), targetS: Number(/^#EXT-X-TARGETDURATION:(\d+)$/m.exec(text)![1]), items };
}

test('property: every playlist, early or not, lists in order the parts the preload hint follows, numbered as the playlist counts them', () => {
  // A run: segments of 1 to 6 parts (100-500 ms), the last one left open with 0 to 5 parts.
  const part = fc.record({ durationMs: fc.integer({ min: 100, max: 500 }), independent: fc.boolean() });
  const run = fc.record({
    segments: fc.array(fc.array(part, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
    open: fc.array(part, { maxLength: 5 }),
    windowSegments: fc.integer({ min: 1, max: 9 }),
    targetDurationMs: fc.integer({ min: 500, max: 3000 }),
  });
  fc.assert(
    fc.property(run, ({ segments, open, windowSegments, targetDurationMs }) => {
      const playlist = llPlaylist(targetDurationMs, windowSegments);
      const steps = [...segments.map((parts) => ({ parts, closes: true })), { parts: open, closes: false }];
      let previousTargetS = 0;
      let previousText: Buffer | null = null;
      for (const [msn, step] of steps.entries()) {
        for (const [index, drawn] of step.parts.entries()) {
          playlist.appendPart({ data: Buffer.from([index]), ...drawn, init: INIT, discontinuity: false, programDateMs: NOON });
          const text = playlist.render();
          assert.ok(text !== null, 'a part makes a playlist');
          assert.notEqual(text, previousText, 'a new part is a new text');
          assert.equal(playlist.render(), text, 'and it is cached');
          previousText = text;
          const { mediaSequence, targetS, items } = readItems(text.toString());
          // The target duration starts at the configured one and never drops.
          assert.ok(targetS >= Math.ceil(targetDurationMs / 1000) && targetS >= previousTargetS);
          previousTargetS = targetS;
          const listedSegments = items.filter((item) => item.kind === 'segment');
          assert.equal(listedSegments.length, Math.min(msn, windowSegments));
          assert.equal(mediaSequence, listedSegments[0]?.msn ?? msn, 'EXT-X-MEDIA-SEQUENCE: the first segment listed, or the one in progress');
          // The hint comes last and names the next part of the segment in progress.
          const hint = items.at(-1)!;
          assert.deepEqual([hint.kind, hint.msn, hint.part], ['hint', msn, index + 1]);
          // Every part of the segment in progress is listed, in order, after the last segment line.
          const afterLastSegment = items.slice(items.findLastIndex((item) => item.kind === 'segment') + 1, -1);
          assert.deepEqual(afterLastSegment.map((item) => [item.kind, item.msn, item.part, item.durationMs]), step.parts.slice(0, index + 1).map((p, i) => ['part', msn, i, p.durationMs]));
          // Earlier parts sit just before their own segment line, all of them, numbered from 0.
          for (const [i, item] of items.entries()) {
            if (item.kind !== 'segment') continue;
            const own = [];
            for (let j = i - 1; j >= 0 && items[j].kind === 'part'; j--) own.unshift(items[j]);
            assert.ok(own.every((p) => p.msn === item.msn));
            if (own.length > 0) assert.deepEqual(own.map((p) => p.part), segments[item.msn].map((_, k) => k));
            assert.equal(item.durationMs, segments[item.msn].reduce((total, p) => total + p.durationMs, 0));
          }
          assert.deepEqual(playlist.edge, { lastSegment: msn - 1, lastPart: { msn, part: index } });
        }
        if (step.closes) {
          const data = Buffer.from(step.parts.map((_, index) => index));
          playlist.append({ data, init: INIT, durationMs: step.parts.reduce((total, p) => total + p.durationMs, 0), discontinuity: false, programDateMs: NOON });
          assert.notEqual(playlist.render(), previousText, 'a new segment is a new text');
        }
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- over HTTP

function harness(overrides: Partial<HlsConfig> = {}): Promise<HlsHarness> {
  // 200 ms parts of 1 s segments; a plain request for an empty stream gives up after 500 ms.
  return startHlsHarness(resolveHlsConfig({ targetDurationMs: 1000, windowSegments: 4, keepSegments: 1, segmentFormat: 'fmp4', partTargetMs: 200, firstSegmentWaitMs: 500, ...overrides }), cleanups);
}

const PART_LINE = /^#EXT-X-PART:DURATION=[\d.]+,URI="test\/[0-9a-f]+-(\d+)\.(\d+)\.m4s"/gm;
const listedParts = (text: string) => [...text.matchAll(PART_LINE)].map(([, msn, part]) => `${msn}.${part}`);
const hintOf = (text: string) => /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="test\/[0-9a-f]+-(\d+\.\d+)\.m4s"$/m.exec(text)?.[1];

test('a just-started low-latency stream: playlist from the first part, blocking reloads for parts of segment 0 answered as they appear', async () => {
  const h = await harness();
  const stream = publishAvc(h.hub, 'live', 'test');
  // Only the sequence header so far: the plain request and a blocking one for part 0.0 wait.
  const plain = h.get('/live/test.m3u8');
  const blockedFirst = h.get('/live/test.m3u8?_HLS_msn=0&_HLS_part=0');
  await sleep(100);
  const firstFedAt = performance.now();
  // Frames 0-200 ms: the frame at 200 ms ends part 0.0 (0-200 ms); segment 0 is far from complete.
  feed(stream, { fromMs: 0, toMs: 210, gopFrames: 25 });
  for (const response of [await plain, await blockedFirst]) {
    assert.equal(response.status, 200);
    assert.ok(response.at >= firstFedAt, 'answered once the part existed');
    const text = response.body.toString();
    assert.deepEqual(listedParts(text), ['0.0'], text);
    assert.equal(hintOf(text), '0.1');
    assert.doesNotMatch(text, /#EXTINF/);
    assert.match(text, /^#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.600\n#EXT-X-PART-INF:PART-TARGET=0\.200\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXT-X-MAP:URI="test\/[0-9a-f]+-init-1\.mp4"\n#EXT-X-PART:/m);
  }
  assert.equal(h.hls.stats('live', 'test')!.segmentsProduced, 0);
  const epoch = /test\/([0-9a-f]+)-0\.0\.m4s/.exec((await h.get('/live/test.m3u8')).body.toString())![1];
  assert.equal((await h.get(`/live/test/${epoch}-init-1.mp4`)).status, 200, 'the init section the early playlist maps is served');
  assert.equal((await h.get(`/live/test/${epoch}-0.0.m4s`)).status, 200);
  assert.equal((await h.get('/live/test.m3u8?_HLS_msn=0&_HLS_part=40')).status, 400, 'too many parts ahead, before any segment too');

  // Part 0.1 does not exist yet: the blocking reload for it waits for it.
  const askedAt = performance.now();
  const blocked = h.get('/live/test.m3u8?_HLS_msn=0&_HLS_part=1');
  await sleep(150);
  const fedAt = performance.now();
  feed(stream, { fromMs: 240, toMs: 410, gopFrames: 0 });
  const reloaded = await blocked;
  assert.equal(reloaded.status, 200);
  assert.ok(reloaded.at >= fedAt, `answered ${(reloaded.at - askedAt).toFixed(0)} ms after asking, ${(fedAt - askedAt).toFixed(0)} ms before part 0.1 existed`);
  assert.deepEqual(listedParts(reloaded.body.toString()), ['0.0', '0.1']);
  assert.equal(hintOf(reloaded.body.toString()), '0.2');
  assert.equal(h.hls.stats('live', 'test')!.segmentsProduced, 0);

  // The first segment completes (the keyframe at 1000 ms): its parts stay listed before it.
  const blockedSegment = h.get('/live/test.m3u8?_HLS_msn=0');
  await sleep(50);
  feed(stream, { fromMs: 440, toMs: 1000, gopFrames: 0 });
  feed(stream, { fromMs: 1000, toMs: 1010, gopFrames: 1 });
  const withSegment = await blockedSegment;
  assert.equal(withSegment.status, 200);
  const text = withSegment.body.toString();
  assert.deepEqual(listedParts(text), ['0.0', '0.1', '0.2', '0.3', '0.4']);
  assert.match(text, /-0\.4\.m4s"\n#EXTINF:1\.000,\ntest\/[0-9a-f]+-0\.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="test\/[0-9a-f]+-1\.0\.m4s"\n$/);
});

test('a stream with neither a segment nor a part: 404 after the wait, and a blocking reload 404 after three target durations', async () => {
  const h = await harness();
  publishAvc(h.hub, 'live', 'test');
  const startedAt = performance.now();
  const [plain, blocked] = await Promise.all([h.get('/live/test.m3u8'), h.get('/live/test.m3u8?_HLS_msn=0&_HLS_part=0')]);
  assert.equal(plain.status, 404);
  assert.equal(plain.body.toString(), 'HLS stream live/test has no segment nor part yet\n');
  assert.ok(plain.at - startedAt >= 450, 'after firstSegmentWaitMs');
  assert.equal(blocked.status, 404);
  assert.ok(blocked.at - startedAt >= 2900, `blocking reload gave up after ${(blocked.at - startedAt).toFixed(0)} ms`);
});
