// Low-Latency HLS acceptance: a real media server with --hls-part-ms 500, ffmpeg publishing over
// RTMP in real time. The playlist lists parts; a blocking reload for the hinted part returns only
// once that part exists; the hinted part itself is a CMAF fragment; ffprobe and ffmpeg read the
// playlist (they ignore the LL-HLS tags and play the full segments, which must still work).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './support/server.ts';
import { ffmpegPlay, ffmpegPublish, ffprobeStreams, makeClip, waitFor } from './support/peers.ts';

test('LL-HLS with ffmpeg publishing: parts listed, blocking reload waits for the hinted part, ffprobe and ffmpeg read the playlist', { timeout: 90_000 }, async (t) => {
  const server = await startTestServer({ hls: { segmentFormat: 'fmp4', targetDurationMs: 2000, partTargetMs: 500 } });
  // 25 fps with a keyframe every 2 s (50 frames): 2 s segments of four parts.
  const publisher = ffmpegPublish(server.rtmpUrl('live/ll'), await makeClip({ seconds: 4, gop: 50 }));
  t.after(async () => {
    await publisher.stop();
    await server.close();
  });
  const stats = () => server.media.hls.stats('live', 'll');
  await waitFor(() => (stats()?.segmentsProduced ?? 0) >= 2, 20_000, 'two segments');
  const url = server.httpUrl('live/ll.m3u8');

  const partsBefore = stats()!.partsProduced;
  const text = await (await fetch(url)).text();
  assert.match(text, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.500$/m);
  assert.match(text, /^#EXT-X-PART-INF:PART-TARGET=0\.500$/m);
  const parts = [...text.matchAll(/^#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)"(,INDEPENDENT=YES)?$/gm)];
  assert.ok(parts.length >= 4, text);
  for (const [, duration] of parts) assert.ok(Number(duration) > 0 && Number(duration) <= 0.5, `part of ${duration} s`);
  assert.ok(parts.some(([, , , independent]) => independent !== undefined), 'parts starting on a keyframe are independent');

  // The hinted part does not exist yet: a blocking reload for it, and the part itself, wait for it.
  const hint = /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(([^"]+)-(\d+)\.(\d+)\.m4s)"$/m.exec(text)!;
  const [msn, part] = [Number(hint[3]), Number(hint[4])];
  const askedAt = performance.now();
  const [reload, hinted] = await Promise.all([
    fetch(`${url}?_HLS_msn=${msn}&_HLS_part=${part}`).then(async (response) => ({ status: response.status, text: await response.text(), at: performance.now() })),
    fetch(server.httpUrl(`live/${hint[1]}`)).then(async (response) => ({ status: response.status, body: Buffer.from(await response.arrayBuffer()), at: performance.now() })),
  ]);
  const waitedMs = reload.at - askedAt;
  t.diagnostic(`blocking reload for part ${msn}.${part} answered after ${waitedMs.toFixed(0)} ms; hinted part after ${(hinted.at - askedAt).toFixed(0)} ms`);
  assert.equal(reload.status, 200);
  assert.ok(stats()!.partsProduced > partsBefore, 'answered after a new part');
  assert.ok(reload.text.includes(`URI="${hint[1]}"`), 'the answer lists the part asked for');
  assert.ok(waitedMs < 1500, `waited ${waitedMs.toFixed(0)} ms for a 500 ms part`);
  assert.equal(hinted.status, 200);
  assert.equal(hinted.body.toString('latin1', 4, 8), 'moof');

  const streams = await ffprobeStreams(url);
  assert.deepEqual(streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  const played = await ffmpegPlay(url, 3);
  assert.equal(played.errors, '');
  assert.ok(played.framesPerStream[0] >= 60, `${played.framesPerStream[0]} video frames`);

  const { keyframeToPart, keyframeToSegment, droppedFrames } = stats()!;
  t.diagnostic(
    `keyframe in -> listed: in a part mean ${keyframeToPart.meanMs.toFixed(0)} ms (max ${keyframeToPart.maxMs.toFixed(0)}, ${keyframeToPart.samples} keyframes); ` +
      `in a segment mean ${keyframeToSegment.meanMs.toFixed(0)} ms (max ${keyframeToSegment.maxMs.toFixed(0)}, ${keyframeToSegment.samples})`,
  );
  assert.ok(keyframeToPart.samples >= 2 && keyframeToPart.maxMs <= 1000, `a keyframe waits at most a part (and a frame) to be listed: ${keyframeToPart.maxMs.toFixed(0)} ms`);
  assert.ok(keyframeToSegment.meanMs > 3 * keyframeToPart.meanMs, 'parts list keyframes several times sooner than segments');
  assert.equal(droppedFrames, 0);
});
