// `livelink serve` as a user runs it: a separate process, configured by flags, used by ffmpeg,
// stopped with SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClip, ffmpegPublish, ffmpegPlay } from '../../media/test/support/peers.ts';

const cli = join(import.meta.dirname, '..', 'src', 'main.ts');

test('livelink serve --help documents the flags', async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--help']);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  for (const flag of ['--host', '--rtmp-port', '--http-port', '--link-port', '--data-dir', '--config']) assert.ok(out.includes(flag), flag);
});

test('livelink serve takes a publish from ffmpeg, serves players, and stops cleanly on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'livelink-serve-'));
  const child = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--link-port', '0', '--data-dir', dataDir]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const started = Date.now();
    while (!/rtmp:\/\/127\.0\.0\.1:(\d+)\/live\/demo/.test(out)) {
      assert.ok(Date.now() - started < 20_000, `serve did not print its addresses:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rtmpPort = /rtmp:\/\/127\.0\.0\.1:(\d+)\/live\/demo/.exec(out)![1];
    const httpPort = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1];
    const publisher = ffmpegPublish(`rtmp://127.0.0.1:${rtmpPort}/live/demo`, await makeClip({ seconds: 4 }));
    try {
      const played = await ffmpegPlay(`rtmp://127.0.0.1:${rtmpPort}/live/demo`, 2);
      assert.equal(played.errors, '');
      assert.ok(played.framesPerStream[0] >= 49, `frames: ${played.framesPerStream}`);
      const api = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/streams`)).json()) as { streams: Array<{ name: string; video: { width: number } }> };
      assert.equal(api.streams[0]?.name, 'demo');
      assert.equal(api.streams[0]?.video.width, 320);
    } finally {
      await publisher.stop();
    }
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `exit code after SIGTERM; output:\n${out}`);
  assert.match(out, /SIGTERM: shutting down/);
});
