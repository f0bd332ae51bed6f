// Giving memory back after an audience leaves: the policy that decides when, the allocator call,
// and `livelink serve` doing it when real connections go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { DepartureWatch, fullCollection, loadAllocatorTrim, type ReleasePolicy } from '../src/memory-release.ts';
import { startServe } from './support/serve-process.ts';

const POLICY: ReleasePolicy = { minDepartures: 50, minDepartureShare: 0.5, settleMs: 1000, minIntervalMs: 10_000 };

/** Feeds (time, sessions) samples and returns the times at which a release was due. */
function releasesFor(samples: Array<[number, number]>, policy = POLICY): number[] {
  const watch = new DepartureWatch(policy);
  return samples.filter(([atMs, sessions]) => watch.observe(sessions, atMs)).map(([atMs]) => atMs);
}

test('a wave of departures is released once, after the count has settled', () => {
  // 1000 players; they leave over two seconds; the count then stays at 3.
  const samples: Array<[number, number]> = [
    [0, 1000],
    [1000, 1000],
    [2000, 600],
    [3000, 3],
    [3500, 3],
    [4000, 3],
    [5000, 3],
    [6000, 3],
  ];
  assert.deepEqual(releasesFor(samples), [4000]);
});

test('no release for a few departures, growth, or while the count is still moving', () => {
  assert.deepEqual(releasesFor([[0, 100], [1000, 60], [5000, 60]]), [], '40 left: below the threshold');
  assert.deepEqual(releasesFor([[0, 1000], [1000, 600], [5000, 600]]), [], '400 of 1000 left: under half of the audience');
  assert.deepEqual(releasesFor([[0, 1000], [1000, 500], [5000, 500]]), [5000], 'half');
  assert.deepEqual(releasesFor([[0, 10], [1000, 500], [5000, 500]]), [], 'an audience that grows');
  const stillLeaving: Array<[number, number]> = [];
  for (let i = 0; i <= 10; i++) stillLeaving.push([i * 500, 1000 - i * 60]);
  assert.deepEqual(releasesFor(stillLeaving), [], 'a count that changes every sample is never settled');
});

test('departures are counted from the highest count since the last release, and releases keep their interval', () => {
  const samples: Array<[number, number]> = [
    [0, 200],
    [1000, 100], // 100 left
    [2000, 100], // settled: release
    [3000, 300],
    [4000, 100], // 200 left from the new peak, but within the interval
    [6000, 100],
    [12_000, 100], // interval over: release
    [13_000, 100],
  ];
  assert.deepEqual(releasesFor(samples), [2000, 12_000]);
});

test('property: releases are an interval apart, each after enough departures and a settled count', () => {
  const sample = fc.record({ stepMs: fc.integer({ min: 1, max: 3000 }), sessions: fc.integer({ min: 0, max: 400 }) });
  fc.assert(
    fc.property(fc.array(sample, { maxLength: 80 }), (steps) => {
      let atMs = 0;
      const samples: Array<[number, number]> = steps.map(({ stepMs, sessions }) => [(atMs += stepMs), sessions]);
      const released = new Set(releasesFor(samples));
      let peak = 0;
      let lastRelease = Number.NEGATIVE_INFINITY;
      let changedAt = 0;
      let previous = 0;
      for (const [time, sessions] of samples) {
        if (sessions !== previous) changedAt = time;
        previous = sessions;
        peak = Math.max(peak, sessions);
        if (!released.has(time)) continue;
        assert.ok(peak - sessions >= Math.max(POLICY.minDepartures, POLICY.minDepartureShare * peak), `${peak - sessions} departures of ${peak}`);
        assert.ok(time - changedAt >= POLICY.settleMs, 'settled');
        assert.ok(time - lastRelease >= POLICY.minIntervalMs, 'interval');
        lastRelease = time;
        peak = sessions;
      }
    }),
    { numRuns: 500 },
  );
});

test('fullCollection is null without gc, and runs a memory-reducing full then a young collection', () => {
  assert.equal(fullCollection(undefined), null);
  const calls: unknown[] = [];
  const gc = ((options?: unknown) => void calls.push(options)) as NodeJS.GCFunction;
  fullCollection(gc)!();
  assert.deepEqual(calls, [{ type: 'major', flavor: 'last-resort' }, { type: 'minor' }]);
});

test('a full collection gives the pages of a V8 heap that emptied back to the system (a child process)', () => {
  // ~100 MB of small JS objects, one in 50 kept alive: after they die, V8's committed heap shrinks
  // at any full GC, but only a memory-reducing one unmaps the pages instead of pooling them.
  const script = `
    import { fullCollection } from ${JSON.stringify(new URL('../src/memory-release.ts', import.meta.url).href)};
    const rss = () => process.memoryUsage.rss();
    let objects = Array.from({ length: 400000 }, (_, i) => ({ i, name: 'object ' + i, pair: [i, i + 1] }));
    const kept = objects.filter((_, i) => i % 50 === 0);
    globalThis.gc();
    const full = rss();
    objects = null;
    fullCollection()();
    console.log(JSON.stringify({ full, collected: rss(), kept: kept.length }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=4', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { full, collected } = JSON.parse(child.stdout) as { full: number; collected: number };
  const returnedMb = (full - collected) / 1048576;
  assert.ok(returnedMb >= 40, `RSS ${(full / 1048576).toFixed(1)} -> ${(collected / 1048576).toFixed(1)} MB after the collection`);
});

test('after a full collection, malloc_trim returns the pages glibc kept (a fragmented heap in a child process)', async () => {
  assert.equal(process.platform, 'linux', 'the test machines are Linux with glibc');
  assert.notEqual(await loadAllocatorTrim(), null, 'koffi reaches glibc malloc_trim');
  // 64 MB of 2 KB Buffers (malloc'd one by one, below glibc's mmap threshold); one in 16 survives,
  // so the freed memory lies between live chunks where only malloc_trim can reach it.
  const script = `
    import { fullCollection, loadAllocatorTrim } from ${JSON.stringify(new URL('../src/memory-release.ts', import.meta.url).href)};
    const trim = await loadAllocatorTrim();
    const collect = fullCollection();
    const rss = () => process.memoryUsage.rss();
    let buffers = Array.from({ length: 32768 }, () => Buffer.allocUnsafeSlow(2048).fill(1));
    const kept = buffers.filter((_, i) => i % 16 === 0);
    buffers = null;
    collect();
    const collected = rss();
    trim();
    console.log(JSON.stringify({ collected, trimmed: rss(), kept: kept.length }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { collected, trimmed } = JSON.parse(child.stdout) as { collected: number; trimmed: number };
  const returnedMb = (collected - trimmed) / 1048576;
  assert.ok(returnedMb >= 30, `malloc_trim gave back ${returnedMb.toFixed(1)} MB of the ~60 MB freed`);
});

test('livelink serve gives memory back once connections have left', async () => {
  const serve = await startServe();
  const sockets: Socket[] = [];
  try {
    // Open RTMP connections count as sessions from the moment they are accepted.
    for (let i = 0; i < 60; i++) {
      const socket = connect(serve.rtmpPort, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      sockets.push(socket);
    }
    const clients = async () => ((await (await fetch(`http://127.0.0.1:${serve.httpPort}/api/v1/clients`)).json()) as { clients: unknown[] }).clients.length;
    await until(async () => /released memory after startup/.test(serve.output()), 'the release after startup');
    await until(async () => (await clients()) === 60, 'the server sees 60 clients');
    // Connections that stayed a moment: the server samples its session count every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.doesNotMatch(serve.output(), /released memory after departures/);
    for (const socket of sockets) socket.destroy();
    await until(async () => /released memory after departures/.test(serve.output()), 'a release after the departures settle');
    const line = /released memory after departures (\{.*\})/.exec(serve.output())![1];
    const report = JSON.parse(line) as { collected: boolean; trimmed: boolean | null };
    assert.equal(report.collected, true, 'a full GC ran (the relaunch exposed gc)');
    assert.notEqual(report.trimmed, null, 'malloc_trim was called');
  } finally {
    for (const socket of sockets) socket.destroy();
    assert.equal(await serve.stop(), 0);
  }
});

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
