// Issue 4 acceptance 3: unsigned, expired and wrongly-signed publish/play attempts are refused
// over RTMP, HTTP-FLV and HLS; a valid token works; a hook answering non-2xx refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, ffmpegPublish, ffmpegPlay, start, waitFor } from './support/peers.ts';
import { connectClient } from './support/rtmp-client.ts';
import { signStreamToken } from '../src/index.ts';

const secret = 'a-test-secret-of-32-characters!!';
const now = () => Math.floor(Date.now() / 1000);
const token = (action: 'publish' | 'play', stream: string, expiresAt = now() + 600, key = secret) => signStreamToken({ secret: key, app: 'live', stream, action, expiresAt });
let server: TestServer;
let clip: string;

before(async () => {
  server = await startTestServer({ auth: { secrets: [secret], requirePublishToken: true, requirePlayToken: true } });
  clip = await makeClip({ seconds: 4 });
});
after(() => server.close());

async function rtmpPublishRefusal(query: string): Promise<string | null> {
  const client = await connectClient(server.rtmpUrl('live/guarded'));
  try {
    const id = await client.session.createStream();
    await client.session.publish(id, `guarded${query}`);
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    client.close();
  }
}

test('RTMP publish: unsigned, expired and wrongly signed are refused before Publish.Start; a valid token publishes', async () => {
  assert.equal(await rtmpPublishRefusal(''), 'NetStream.Publish.BadName');
  assert.equal(await rtmpPublishRefusal(`?${token('publish', 'guarded', now() - 5)}`), 'NetStream.Publish.BadName');
  assert.equal(await rtmpPublishRefusal(`?${token('publish', 'guarded', now() + 600, 'another-secret-of-32-characters!')}`), 'NetStream.Publish.BadName');
  assert.equal(await rtmpPublishRefusal(`?${token('play', 'guarded')}`), 'NetStream.Publish.BadName', 'a play token does not publish');
  assert.equal(server.media.hub.get('live', 'guarded')?.publisher ?? null, null);
  assert.equal(await rtmpPublishRefusal(`?${token('publish', 'guarded')}`), null);
});

test('play over RTMP, HTTP-FLV and HLS needs a valid play token', async () => {
  const publisher = ffmpegPublish(server.rtmpUrl(`live/watched?${token('publish', 'watched')}`), clip);
  try {
    await waitFor(() => server.media.hub.get('live', 'watched')?.videoSequenceHeader != null, 10_000, 'the publish');
    const bad = [``, `?${token('play', 'watched', now() - 5)}`, `?${token('play', 'watched', now() + 600, 'another-secret-of-32-characters!')}`];
    for (const query of bad) {
      const rtmp = await start('ffmpeg', ['-v', 'error', '-i', server.rtmpUrl(`live/watched${query}`), '-t', '1', '-f', 'null', '-'], { timeoutMs: 20_000 }).finished;
      assert.notEqual(rtmp.code, 0, `RTMP play with "${query}" refused`);
      const flv = await fetch(server.httpUrl(`live/watched.flv${query}`));
      assert.ok(flv.status === 401 || flv.status === 403, `HTTP-FLV "${query}": ${flv.status}`);
      await flv.body?.cancel();
      const hls = await fetch(server.httpUrl(`live/watched.m3u8${query}`));
      assert.ok(hls.status === 401 || hls.status === 403, `HLS "${query}": ${hls.status}`);
    }
    const good = `?${token('play', 'watched')}`;
    const played = await ffmpegPlay(server.rtmpUrl(`live/watched${good}`), 1);
    assert.ok(played.framesPerStream[0] >= 24, 'RTMP play with a valid token');
    const flv = await ffmpegPlay(server.httpUrl(`live/watched.flv${good}`), 1);
    assert.ok(flv.framesPerStream[0] >= 24, 'HTTP-FLV play with a valid token');
    const hls = await fetch(server.httpUrl(`live/watched.m3u8${good}`));
    assert.equal(hls.status, 200);
    assert.match(await hls.text(), /#EXTM3U/);
  } finally {
    await publisher.stop();
  }
});

test('an on_publish hook that answers non-2xx refuses the publish; 2xx allows it; on_unpublish is told', async () => {
  const calls: Array<{ action: string; stream: string }> = [];
  const hook: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const event = JSON.parse(body) as { action: string; stream: string };
      calls.push(event);
      res.writeHead(event.stream === 'denied' ? 403 : 200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const hooked = await startTestServer({ auth: { hooks: { onPublish: hookUrl, onUnpublish: hookUrl } } });
  try {
    const client = await connectClient(hooked.rtmpUrl('live/denied'));
    const id = await client.session.createStream();
    await assert.rejects(client.session.publish(id, 'denied'), (error: { code?: string }) => error.code === 'NetStream.Publish.BadName');
    const id2 = await client.session.createStream();
    await client.session.publish(id2, 'allowed');
    client.session.deleteStream(id2);
    await waitFor(() => calls.some((c) => c.action === 'on_unpublish'), 5000, 'on_unpublish');
    assert.deepEqual(calls.map((c) => `${c.action} ${c.stream}`), ['on_publish denied', 'on_publish allowed', 'on_unpublish allowed']);
    client.close();
  } finally {
    await hooked.close();
    hook.close();
  }
});
