// HLS against real players: an ffmpeg-made H.264/AAC FLV is demuxed and published into the hub at
// real-time pace; ffprobe and ffmpeg read the live playlist over HTTP, through a republish, with
// MPEG-TS and with fragmented MP4 segments.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FlvDemuxer, type FlvTag } from '@livelink/flv';
import { StreamHub } from '../src/hub/stream-hub.ts';
import type { LiveStream } from '../src/hub/live-stream.ts';
import { silentLog } from '../src/log.ts';
import { HlsOutput } from '../src/hls/hls-output.ts';
import { resolveHlsConfig } from '../src/hls/config.ts';
import { matchHlsPath } from '../src/hls/paths.ts';
import { run, start, ffprobeStreams, waitFor } from './support/peers.ts';
import { testPublisher } from './support/hls-frames.ts';

const kindOf = { 8: 'audio', 9: 'video', 18: 'data' } as const;
let dir = '';
let tags: FlvTag[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livelink-hls-'));
  const flv = join(dir, 'x.flv');
  await run('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-f', 'flv', flv,
  ]);
  const demuxer = new FlvDemuxer();
  tags = demuxer.push(new Uint8Array(readFileSync(flv)));
  demuxer.end();
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Ingests tags up to `untilMs` of media, each at its timestamp's wall-clock moment (the encoder's pace). */
async function publishRealtime(stream: LiveStream, untilMs: number): Promise<void> {
  const startedAt = Date.now();
  for (const tag of tags) {
    if (tag.timestamp >= untilMs) break;
    const wait = startedAt + tag.timestamp - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    stream.ingest(kindOf[tag.type as 8 | 9 | 18], tag.timestamp, Buffer.from(tag.body));
  }
}

for (const segmentFormat of ['ts', 'fmp4'] as const) {
test(`${segmentFormat}: ffprobe and ffmpeg play the live playlist through a republish: h264 320x240 + aac, every frame, no errors`, { timeout: 60_000 }, async (t) => {
  const hub = new StreamHub({ gopCacheBytes: 8 << 20 });
  const hls = new HlsOutput(hub, resolveHlsConfig({ republishGraceMs: 1500, segmentFormat }), silentLog);
  const server: Server = createServer((req, res) => {
    const path = matchHlsPath(req.url ?? '/');
    if (path === null || !hls.handleRequest(path, req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live/test.m3u8`;
  t.after(async () => {
    await hls.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const first = hub.publish('live', 'test', testPublisher('pub-1'));
  const firstPublish = publishRealtime(first, Infinity);
  await waitFor(() => (hls.stats('live', 'test')?.segmentsProduced ?? 0) >= 1, 5000, 'first segment');
  // A live reader from the first segment to EXT-X-ENDLIST, counting the frames it decodes.
  const player = start('ffmpeg', ['-v', 'error', '-i', url, '-f', 'framecrc', '-'], { timeoutMs: 45_000 });

  const streams = await ffprobeStreams(url);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  assert.equal(streams.length, 2);
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 320);
  assert.equal(video?.height, 240);
  assert.equal(audio?.codec_name, 'aac');

  await firstPublish;
  hub.unpublish(first, first.publisher!);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const second = hub.publish('live', 'test', testPublisher('pub-2'));
  await publishRealtime(second, 4000);
  hub.unpublish(second, second.publisher!);

  const played = await player.finished;
  assert.equal(played.code, 0, played.stderr);
  assert.equal(played.stderr, '', 'ffmpeg reported demux/decode errors');
  const frames = [0, 0];
  for (const line of played.stdout.split('\n')) if (line !== '' && !line.startsWith('#')) frames[Number(line.split(',')[0])]++;
  const videoFrames = tags.filter((tag) => tag.type === 9 && tag.body[1] === 1);
  assert.equal(frames[0], videoFrames.length + videoFrames.filter((tag) => tag.timestamp < 4000).length, 'every video frame of both publishes');

  const playlist = await (await fetch(url)).text();
  assert.match(playlist, /#EXT-X-DISCONTINUITY\n/);
  assert.match(playlist, /#EXT-X-ENDLIST\n$/);
  if (segmentFormat === 'fmp4') {
    assert.match(playlist, /^#EXTM3U\n#EXT-X-VERSION:7\n/);
    // Each publish has its own init section: a new map after the discontinuity.
    assert.deepEqual([...playlist.matchAll(/#EXT-X-MAP:URI="test\/[0-9a-f]+-init-(\d+)\.mp4"\n/g)].map((m) => m[1]), ['1', '2']);
    assert.match(playlist, /#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXT-X-MAP:/);
    assert.doesNotMatch(playlist, /\.ts\n/);
  } else {
    assert.doesNotMatch(playlist, /EXT-X-MAP|\.m4s/);
  }
  // The ended playlist as a whole, from its first segment: still decodes cleanly across the discontinuity.
  const replay = await run('ffmpeg', ['-v', 'error', '-i', url, '-f', 'null', '-'], { timeoutMs: 30_000 });
  assert.equal(replay.stderr, '');

  const stats = hls.stats('live', 'test')!;
  t.diagnostic(`segments ${stats.segmentsProduced}, HLS segment availability latency (closing keyframe -> playlist): mean ${stats.availability.meanMs.toFixed(3)} ms, max ${stats.availability.maxMs.toFixed(3)} ms over ${stats.availability.samples}`);
  t.diagnostic(`playlist:\n${playlist}`);
  assert.equal(stats.droppedFrames, 0);
  assert.ok(stats.availability.samples >= 4);
  assert.ok(stats.availability.maxMs < 100);
});
}
