// `livelink serve` as a user runs it: a separate process, configured by flags, used by ffmpeg,
// stopped with SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { tunedRelaunch, TUNED_MARKER } from '../src/runtime-tuning.ts';
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

test('--hls-window sets the playlist window; with Low-Latency HLS and 8+ segments it offers delta updates', async () => {
  const serve = await startServe(['--hls-format', 'fmp4', '--hls-part-ms', '500', '--hls-window', '10']);
  try {
    const publisher = ffmpegPublish(`rtmp://127.0.0.1:${serve.rtmpPort}/live/demo`, await makeClip({ seconds: 8 }));
    try {
      const url = `http://127.0.0.1:${serve.httpPort}/live/demo.m3u8`;
      let playlist = '';
      for (let tries = 0; tries < 100 && !playlist.includes('#EXTINF'); tries++) {
        const response = await fetch(url);
        playlist = response.ok ? await response.text() : '';
        if (!playlist.includes('#EXTINF')) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(playlist, /#EXT-X-SERVER-CONTROL:[^\n]*CAN-SKIP-UNTIL=/, playlist);
    } finally {
      await publisher.stop();
    }
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

/** What the kernel says a running process was started with. */
function startedWith(pid: number): { argv: string[]; env: string[] } {
  return {
    argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'),
    env: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'),
  };
}

test('livelink serve restarts itself in place with its runtime settings, unless told not to', async () => {
  const tuned = await startServe();
  try {
    const { argv, env } = startedWith(tuned.pid);
    assert.ok(argv.includes('--max-semi-space-size=1') && argv.includes('--expose-gc'), `the pid the test started now runs with the flags: ${argv.join(' ')}`);
    assert.ok(env.includes(`${TUNED_MARKER}=1`));
    assert.ok(env.includes('MALLOC_ARENA_MAX=1'), 'glibc starts with one malloc arena');
    assert.equal(tuned.output().match(/livelink is running/g)?.length, 1, 'one start, one banner');
    const metrics = await (await fetch(`http://127.0.0.1:${tuned.httpPort}/metrics`)).text();
    const youngBytes = Number(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics)![1]);
    assert.ok(youngBytes <= 2 * 1024 * 1024, `young generation within its cap: ${youngBytes}`);
  } finally {
    assert.equal(await tuned.stop(), 0);
  }
  const plain = await startServe([], { LIVELINK_RUNTIME_TUNING: 'off' });
  try {
    const { argv, env } = startedWith(plain.pid);
    assert.ok(!argv.some((arg) => arg.startsWith('--max-semi-space-size')));
    assert.ok(!env.some((entry) => entry.startsWith(TUNED_MARKER) || entry.startsWith('MALLOC_ARENA_MAX')));
  } finally {
    assert.equal(await plain.stop(), 0);
  }
});

test('livelink serve on a single CPU runs with the GC on its main thread', async () => {
  const pinned = await startServe([], {}, { cpuList: '0' });
  try {
    const { argv } = startedWith(pinned.pid);
    assert.ok(argv.includes('--single-threaded-gc'), `pinned to one CPU: ${argv.join(' ')}`);
    assert.equal((await fetch(`http://127.0.0.1:${pinned.httpPort}/api/v1/server`)).status, 200);
  } finally {
    assert.equal(await pinned.stop(), 0);
  }
});

test('runtime tuning adds only the flags and malloc setting the user did not give, and never relaunches twice', () => {
  const tuned = ['--max-semi-space-size=1', '--expose-gc'];
  const arenas = { MALLOC_ARENA_MAX: '1' };
  assert.deepEqual(tunedRelaunch([], { HOME: '/h' }, 2), { execArgv: tuned, env: { HOME: '/h', ...arenas, [TUNED_MARKER]: '1' } });
  assert.deepEqual(tunedRelaunch(['--inspect'], {}, 2), { execArgv: [...tuned, '--inspect'], env: { ...arenas, [TUNED_MARKER]: '1' } });
  assert.deepEqual(tunedRelaunch([], { MALLOC_ARENA_MAX: '4' }, 2)?.env, { MALLOC_ARENA_MAX: '4', [TUNED_MARKER]: '1' });
  assert.deepEqual(tunedRelaunch(['--max-semi-space-size=16', '--expose-gc'], {}, 2), { execArgv: ['--max-semi-space-size=16', '--expose-gc'], env: { ...arenas, [TUNED_MARKER]: '1' } });
  assert.deepEqual(tunedRelaunch(['--max-semi-space-size=16'], {}, 2)?.execArgv, ['--expose-gc', '--max-semi-space-size=16']);
  assert.deepEqual(tunedRelaunch([], { NODE_OPTIONS: '--max-semi-space-size=4' }, 2)?.execArgv, ['--expose-gc']);
  assert.deepEqual(tunedRelaunch(['--expose-gc'], {}, 2)?.execArgv, ['--max-semi-space-size=1', '--expose-gc']);
  assert.equal(tunedRelaunch(['--max-semi-space-size=16', '--expose-gc'], arenas, 2), null);
  assert.equal(tunedRelaunch([], { [TUNED_MARKER]: '1' }, 2), null);
  assert.equal(tunedRelaunch([], { LIVELINK_RUNTIME_TUNING: 'off' }, 2), null);
});

test('on a single CPU the GC runs on the main thread; with more, V8 keeps its helper threads', () => {
  assert.deepEqual(tunedRelaunch([], {}, 1)?.execArgv, ['--max-semi-space-size=1', '--expose-gc', '--single-threaded-gc']);
  assert.ok(!tunedRelaunch([], {}, 4)?.execArgv.includes('--single-threaded-gc'));
  assert.equal(tunedRelaunch(['--max-semi-space-size=2', '--expose-gc', '--single-threaded-gc'], { MALLOC_ARENA_MAX: '1' }, 1), null);
  assert.equal(tunedRelaunch(['--max-semi-space-size=2', '--expose-gc'], { NODE_OPTIONS: '--single-threaded-gc', MALLOC_ARENA_MAX: '1' }, 1), null);
});
