// Interop matrix, extended timestamps: streams whose timestamps cross 0xFFFFFF ms (4.66 h),
// where RTMP headers switch to the 4-byte extended field (repeated in continuation chunks).
// Both directions: publishers write it to the server, the server writes it to every player.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, start } from './support/peers.ts';
import { playerPeers, recordPlay } from './support/gst-peers.ts';
import { analyzeFlv, assertAvStream } from './support/interop-flv.ts';
import { whilePublishing, type SentFrames } from './support/interop-live.ts';
import { openClient, publishClip } from './support/interop-client.ts';

const EXTENDED = 0xffffff;
let clip: string;

before(async () => {
  clip = await makeClip({ seconds: 10, fps: 25, gop: 25 });
});

/** Every player plays across the boundary: the first frame it got is before it, the last after. */
async function playAcross(url: string, sent: SentFrames, what: string): Promise<void> {
  const recordings = await Promise.all(playerPeers.map((player) => recordPlay(player, url, 3)));
  for (const [i, player] of playerPeers.entries()) {
    const received = await analyzeFlv(recordings[i]);
    assertAvStream(received, sent, `${what} -> ${player}`, 2);
    const video = received.video!.packets;
    assert.ok(video[0].timestamp < EXTENDED && video.at(-1)!.timestamp > EXTENDED,
      `${what} -> ${player}: played ${video[0].timestamp}..${video.at(-1)!.timestamp}, across ${EXTENDED}`);
  }
}

describe('timestamps past 0xFFFFFF', { concurrency: true }, () => {
  let small: TestServer;
  let large: TestServer;
  before(async () => {
    // 128-byte chunks put most of every message in continuation chunks, each repeating the extended field.
    small = await startTestServer({ rtmp: { outChunkSize: 128 } });
    large = await startTestServer();
  });
  after(() => Promise.all([small.close(), large.close()]));

  test('ffmpeg publishes from 16776 s on; the server sends 128-byte chunks; all players play across', async () => {
    const ffmpeg = (url: string) => start('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-output_ts_offset', '16776', '-f', 'flv', url], { timeoutMs: 60_000 });
    // Players join at ~16776.6 s: the GOP they start from begins at 16776.0 s, the boundary is at 16777.215 s.
    await whilePublishing(small, 'ffmpeg-ext', ffmpeg, (url, sent) => playAcross(url, sent, 'ffmpeg'), { warmupMs: 500 });
  });

  test('a scripted client publishes 128-byte chunks from 0xFFFF00 on; all players play across', async () => {
    const publisher = async (url: string) => {
      const client = await openClient(url.slice(0, url.lastIndexOf('/')), { chunkSize: 128 });
      await client.session.connect();
      const streamId = await client.session.createStream();
      await client.session.publish(streamId, url.slice(url.lastIndexOf('/') + 1));
      const stopClip = publishClip(client.session, streamId, clip, 0xffff00);
      return { stop: async () => { stopClip(); client.close(); } };
    };
    await whilePublishing(large, 'client-ext', publisher, (url, sent) => playAcross(url, sent, 'ClientSession'), { warmupMs: 100 });
  });
});
