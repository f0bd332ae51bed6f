// Acceptance with the reference encoder/player: ffmpeg publishes H.264+AAC over RTMP,
// ffprobe and ffmpeg read it back from our server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, ffmpegPublish, ffprobeStreams, ffmpegPlay, waitFor, start, type Running } from './support/peers.ts';

let server: TestServer;
let clip: string;

before(async () => {
  server = await startTestServer();
  clip = await makeClip({ seconds: 4, fps: 25, gop: 50 });
});
after(() => server.close());

function live(name: string) {
  return () => server.media.hub.get('live', name)?.videoSequenceHeader != null;
}

test('ffprobe over RTMP sees H.264 and AAC with the publisher\'s parameters', async () => {
  const publisher = ffmpegPublish(server.rtmpUrl('live/probe'), clip);
  try {
    await waitFor(live('probe'), 10_000, 'the publish');
    const streams = await ffprobeStreams(server.rtmpUrl('live/probe'));
    const video = streams.find((s) => s.codec_type === 'video');
    const audio = streams.find((s) => s.codec_type === 'audio');
    assert.equal(streams.length, 2, JSON.stringify(streams));
    assert.equal(video?.codec_name, 'h264');
    assert.equal(video?.width, 320);
    assert.equal(video?.height, 240);
    assert.equal(audio?.codec_name, 'aac');
    assert.equal(audio?.sample_rate, '44100');
    assert.equal(audio?.channels, 2);
  } finally {
    await publisher.stop();
  }
});

test('ffmpeg decodes a 10-second window with no errors and the expected frame count', async () => {
  const publisher = ffmpegPublish(server.rtmpUrl('live/window'), clip);
  try {
    await waitFor(live('window'), 10_000, 'the publish');
    const { framesPerStream, errors } = await ffmpegPlay(server.rtmpUrl('live/window'), 10);
    assert.equal(errors, '', 'no decode errors');
    assert.ok(Math.abs(framesPerStream[0] - 250) <= 1, `video frames in 10 s at 25 fps: ${framesPerStream[0]}`);
    // AAC at 44.1 kHz: 1024 samples a frame, ~430.7 frames in 10 s.
    assert.ok(Math.abs(framesPerStream[1] - 431) <= 2, `audio frames: ${framesPerStream[1]}`);
  } finally {
    await publisher.stop();
  }
});

test('a second publisher of the same name is refused and the first is not disturbed', async () => {
  const first = ffmpegPublish(server.rtmpUrl('live/busy'), clip);
  let second: Running | undefined;
  try {
    await waitFor(live('busy'), 10_000, 'the first publish');
    const publisherBefore = server.media.hub.get('live', 'busy')?.publisher;
    second = start('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'flv', server.rtmpUrl('live/busy')], { timeoutMs: 20_000 });
    const result = await second.finished;
    assert.notEqual(result.code, 0, 'the second ffmpeg fails');
    assert.equal(server.media.hub.get('live', 'busy')?.publisher, publisherBefore, 'the first publisher is still the publisher');
    const { framesPerStream, errors } = await ffmpegPlay(server.rtmpUrl('live/busy'), 2);
    assert.equal(errors, '');
    assert.ok(framesPerStream[0] >= 49, `the stream still plays: ${framesPerStream[0]} frames`);
  } finally {
    await second?.stop();
    await first.stop();
  }
});

test('a player that arrives before the publisher waits and starts when it publishes', async () => {
  const player = ffmpegPlay(server.rtmpUrl('live/early'), 3);
  await waitFor(() => (server.media.hub.get('live', 'early')?.subscribers.size ?? 0) > 0, 10_000, 'the waiting player');
  const publisher = ffmpegPublish(server.rtmpUrl('live/early'), clip);
  try {
    const { framesPerStream, errors } = await player;
    assert.equal(errors, '');
    assert.ok(Math.abs(framesPerStream[0] - 75) <= 1, `3 s of video: ${framesPerStream[0]} frames`);
  } finally {
    await publisher.stop();
  }
});
