// Interop matrix, track sets: audio-only and video-only publishes (ffmpeg and GStreamer
// rtmp2sink) reach ffprobe and players as exactly that one track.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, ffmpegPublish, ffprobeStreams } from './support/peers.ts';
import { gstPublish, recordPlay, type PlayerPeer } from './support/gst-peers.ts';
import { analyzeFlv, assertReceivedAsSent } from './support/interop-flv.ts';
import { whilePublishing, type SentFrame, type Stoppable } from './support/interop-live.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

type Kind = 'audio' | 'video';
const other = { audio: 'video', video: 'audio' } as const;
/** Frames per second of each kind: 25 fps video, AAC at 44.1 kHz (1024 samples a frame). */
const frameRate = { video: 25, audio: 44_100 / 1024 } as const;

async function playOnly(kind: Kind, url: string, sent: readonly SentFrame[], players: PlayerPeer[], what: string): Promise<void> {
  // libavformat's RTMP reader announces both tracks, so ffmpeg waits for the missing one for its
  // whole analyzeduration (5 s by default, with any server) before it writes anything.
  const recordings = await Promise.all(players.map((player) => recordPlay(player, url, 2.5, ['-analyzeduration', '500000'])));
  for (const [i, player] of players.entries()) {
    const received = await analyzeFlv(recordings[i]);
    assert.equal(received.errors, '', `${what} -> ${player}: no demux or decode errors`);
    assert.equal(received[other[kind]], undefined, `${what} -> ${player}: no ${other[kind]} track (${received.streamTypes.join(', ')})`);
    assert.equal(received[kind]?.stream.codec_name, kind === 'video' ? 'h264' : 'aac', `${what} -> ${player}: codec`);
    assertReceivedAsSent(received[kind], sent, `${what} -> ${player}`, Math.floor(1.5 * frameRate[kind]));
  }
}

describe('audio-only and video-only streams', { concurrency: true }, () => {
  for (const kind of ['audio', 'video'] as const) {
    test(`ffmpeg publishes ${kind} only: ffprobe over RTMP sees exactly that stream; ffmpeg and rtmpdump play it`, async () => {
      const clip = await makeClip({ seconds: 10, gop: 25, audio: kind === 'audio', video: kind === 'video' });
      await whilePublishing(server, `ffmpeg-${kind}`, (url) => ffmpegPublish(url, clip), async (url, sent) => {
        const [streams] = await Promise.all([ffprobeStreams(url), playOnly(kind, url, sent[kind], ['ffmpeg', 'rtmpdump'], `ffmpeg ${kind}`)]);
        assert.deepEqual(streams.map((s) => `${s.codec_type}/${s.codec_name}`), [kind === 'video' ? 'video/h264' : 'audio/aac'], JSON.stringify(streams));
      }, { track: kind });
    });

    test(`rtmp2sink publishes ${kind} only; ffmpeg and rtmp2src play it`, async () => {
      const publisher = (url: string): Stoppable => gstPublish('rtmp2sink', url, { chunkSize: 4096, audio: kind === 'audio', video: kind === 'video' });
      await whilePublishing(server, `gst-${kind}`, publisher, (url, sent) => playOnly(kind, url, sent[kind], ['ffmpeg', 'rtmp2src'], `rtmp2sink ${kind}`), { track: kind });
    });
  }
});
