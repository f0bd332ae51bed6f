// `livelink serve` as a user runs it: a separate process, configured by flags, used by ffmpeg,
// stopped with SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { makeClip, ffmpegPublish, ffmpegPlay } from '../../media/test/support/peers.ts';
import { startServe } from './support/serve-process.ts';

test('livelink serve --help documents the flags', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'main.ts'), 'serve', '--help']);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  for (const flag of ['--host', '--rtmp-port', '--http-port', '--link-port', '--data-dir', '--config']) assert.ok(out.includes(flag), flag);
});

test('livelink serve takes a publish from ffmpeg, serves players, and stops cleanly on SIGTERM', async () => {
  const serve = await startServe();
  let exitCode: number | null;
  try {
    const url = `rtmp://127.0.0.1:${serve.rtmpPort}/live/demo`;
    const publisher = ffmpegPublish(url, await makeClip({ seconds: 4 }));
    try {
      const played = await ffmpegPlay(url, 2);
      assert.equal(played.errors, '');
      assert.ok(played.framesPerStream[0] >= 49, `frames: ${played.framesPerStream}`);
      const api = (await (await fetch(`http://127.0.0.1:${serve.httpPort}/api/v1/streams`)).json()) as { streams: Array<{ name: string; video: { width: number } }> };
      assert.equal(api.streams[0]?.name, 'demo');
      assert.equal(api.streams[0]?.video.width, 320);
    } finally {
      await publisher.stop();
    }
  } finally {
    exitCode = await serve.stop();
  }
  assert.equal(exitCode, 0, `exit code after SIGTERM; output:\n${serve.output()}`);
  assert.match(serve.output(), /SIGTERM: shutting down/);
});
