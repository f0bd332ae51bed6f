// Interop matrix, chunk sizes: GStreamer rtmp2sink publishes with chunk sizes 128, 4096 and
// 65536 into servers sending with 128, 4096 and 65536; every pair is played by two of the
// four players, rotated so each player meets every size on both sides.
import { describe, test, before, after } from 'node:test';
import { startTestServer, type TestServer } from './support/server.ts';
import { gstPublish, playerPeers, recordPlay } from './support/gst-peers.ts';
import { analyzeFlv, assertAvStream } from './support/interop-flv.ts';
import { whilePublishing } from './support/interop-live.ts';

const chunkSizes = [128, 4096, 65536] as const;

for (const [s, serverChunkSize] of chunkSizes.entries()) {
  describe(`server sends ${serverChunkSize}-byte chunks`, { concurrency: true }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ rtmp: { outChunkSize: serverChunkSize } });
    });
    after(() => server.close());

    for (const [p, publisherChunkSize] of chunkSizes.entries()) {
      const players = [playerPeers[(s + p) % playerPeers.length], playerPeers[(s + p + 2) % playerPeers.length]];
      test(`rtmp2sink publishes ${publisherChunkSize}-byte chunks; ${players.join(' and ')} play`, async () => {
        const name = `chunks-${publisherChunkSize}`;
        await whilePublishing(server, name, (url) => gstPublish('rtmp2sink', url, { chunkSize: publisherChunkSize }), async (url, sent) => {
          const recordings = await Promise.all(players.map((player) => recordPlay(player, url, 2.5)));
          for (const [i, player] of players.entries()) {
            assertAvStream(await analyzeFlv(recordings[i]), sent, `${publisherChunkSize} -> server ${serverChunkSize} -> ${player}`, 1.5);
          }
        });
      });
    }
  });
}
