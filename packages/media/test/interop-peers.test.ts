// Interop matrix, clients × roles: three independent RTMP implementations (libavformat,
// GStreamer rtmp2, librtmp) each publish to our server and every one of them plays each
// publish back. What each player received is recorded and decoded frame by frame.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, ffmpegPublish, ffprobeStreams } from './support/peers.ts';
import { gstPublish, playerPeers, recordPlay } from './support/gst-peers.ts';
import { whilePublishing } from './support/interop-live.ts';
import { analyzeFlv, assertAvStream } from './support/interop-flv.ts';

let server: TestServer;
let clip: string;

before(async () => {
  server = await startTestServer();
  // Longer than any play below, so the looping publisher never wraps around mid-test.
  clip = await makeClip({ seconds: 10, fps: 25, gop: 25 });
});
after(() => server.close());

const publishers = {
  ffmpeg: (url: string) => ffmpegPublish(url, clip),
  rtmp2sink: (url: string) => gstPublish('rtmp2sink', url, { chunkSize: 4096 }),
  rtmpsink: (url: string) => gstPublish('rtmpsink', url),
} as const;

describe('every client publishes and every client plays', { concurrency: true }, () => {
  for (const publisher of Object.keys(publishers) as (keyof typeof publishers)[]) {
    test(`${publisher} publishes; ffmpeg, rtmp2src, rtmpsrc and rtmpdump play it`, async () => {
      await whilePublishing(server, `cross-${publisher}`, publishers[publisher], async (url, sent) => {
        const recordings = await Promise.all(playerPeers.map((player) => recordPlay(player, url, 3)));
        for (const [i, player] of playerPeers.entries()) {
          assertAvStream(await analyzeFlv(recordings[i]), sent, `${publisher} -> ${player}`, 2);
        }
      });
    });

    test(`${publisher} publishes; ffprobe over RTMP sees exactly H.264 and AAC`, async () => {
      await whilePublishing(server, `probe-${publisher}`, publishers[publisher], async (url) => {
        const streams = await ffprobeStreams(url);
        const summary = streams.map((s) => ({ type: s.codec_type, codec: s.codec_name, startPts: s.start_pts }));
        assert.deepEqual(streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort(), ['audio/aac', 'video/h264'], JSON.stringify(summary));
      });
    });
  }
});
