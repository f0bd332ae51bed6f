// Interop matrix, OBS's publish flow, scripted in OBS's exact order (obs-outputs' librtmp):
// connect with FMLE properties; releaseStream, FCPublish and createStream sent back to back
// without waiting; publish on the new stream; media; at the end FCUnpublish then deleteStream.
// Players must then be told the publish ended (NetStream.Play.UnpublishNotify).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from './support/server.ts';
import { makeClip, waitFor } from './support/peers.ts';
import { recordPlay } from './support/gst-peers.ts';
import { analyzeFlv, assertAvStream } from './support/interop-flv.ts';
import { tapStream } from './support/interop-live.ts';
import { openClient, publishClip } from './support/interop-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

test('OBS-style publish: FCPublish flow answered, media plays, FCUnpublish + deleteStream tell players it ended', async () => {
  const clip = await makeClip({ seconds: 10, fps: 25, gop: 25 });
  const name = 'obs';
  const tcUrl = server.rtmpUrl('live');
  const obs = await openClient(tcUrl, { chunkSize: 4096, connectProperties: { flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)', swfUrl: tcUrl, type: 'nonprivate' } });
  let watcher: Awaited<ReturnType<typeof openClient>> | undefined;
  try {
    const { info } = await obs.session.connect();
    assert.equal((info as Record<string, unknown>).code, 'NetConnection.Connect.Success');

    const [release, fcPublish, streamId] = await Promise.all([
      obs.session.call('releaseStream', null, name),
      obs.session.call('FCPublish', null, name),
      obs.session.createStream(),
    ]);
    assert.equal(release.name, '_result', 'releaseStream answered');
    assert.equal(fcPublish.name, '_result', 'FCPublish answered');
    const onFCPublish = obs.commands.find((c) => c.name === 'onFCPublish');
    assert.equal((onFCPublish?.args[0] as Record<string, unknown> | undefined)?.code, 'NetStream.Publish.Start', 'onFCPublish says Publish.Start');
    assert.equal(typeof streamId, 'number');
    const started = await obs.session.publish(streamId, name, 'live');
    assert.equal(started.code, 'NetStream.Publish.Start');

    const stopClip = publishClip(obs.session, streamId, clip, 0);
    await waitFor(() => server.media.hub.get('live', name)?.videoSequenceHeader != null, 10_000, 'the OBS publish');
    const tap = tapStream(server, name);

    // Two players: ffmpeg (must stop by itself, cleanly, when told) and a scripted one that records statuses.
    watcher = await openClient(tcUrl);
    await watcher.session.connect();
    const playId = await watcher.session.createStream();
    await watcher.session.play(playId, name);
    const ffmpeg = recordPlay('ffmpeg', `${tcUrl}/${name}`, 30);
    await sleep(2500);

    stopClip();
    obs.session.fcUnpublish(name);
    obs.session.deleteStream(streamId);
    await waitFor(() => watcher!.statuses.some((s) => s.code === 'NetStream.Play.UnpublishNotify'), 5000, 'UnpublishNotify at the scripted player');
    assert.deepEqual(watcher.statuses.filter((s) => s.code === 'NetStream.Play.UnpublishNotify'), [{ streamId: playId, code: 'NetStream.Play.UnpublishNotify' }]);
    assert.ok(obs.commands.some((c) => c.name === 'onFCUnpublish'), 'onFCUnpublish answered');
    assert.ok(obs.statuses.some((s) => s.streamId === streamId && s.code === 'NetStream.Unpublish.Success'), JSON.stringify(obs.statuses));
    assert.equal(server.media.hub.get('live', name)?.publisher ?? null, null, 'the stream is no longer published');

    const stoppedAt = Date.now();
    const recording = await ffmpeg;
    assert.ok(Date.now() - stoppedAt < 5000, 'ffmpeg ended by itself on UnpublishNotify');
    tap.detach();
    assertAvStream(await analyzeFlv(recording), tap.sent, 'OBS -> ffmpeg', 1.5);
  } finally {
    watcher?.close();
    obs.close();
  }
});
