// Reconnect spacing against Mars's LongLinkConnectMonitor tables (mars.md §4.3).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activityBucket, connectDelay, connectInterval, type ActivityBucket } from '../src/client/reconnect.ts';

const MIN = 60_000;

test('app state and time since the last change map to Mars activity buckets', () => {
  assert.equal(activityBucket('foreground', 0), 'foreground-1min');
  assert.equal(activityBucket('foreground', MIN - 1), 'foreground-1min');
  assert.equal(activityBucket('foreground', MIN), 'foreground-10min');
  assert.equal(activityBucket('foreground', 10 * MIN), 'foreground-active');
  assert.equal(activityBucket('background', 10 * MIN - 1), 'background-active');
  assert.equal(activityBucket('background', 10 * MIN), 'inactive');
  assert.equal(activityBucket('inactive', 0), 'inactive');
});

test('interval table by trigger and bucket (seconds)', () => {
  const buckets: ActivityBucket[] = ['foreground-1min', 'foreground-10min', 'foreground-active', 'background-active', 'inactive'];
  const interval = (trigger: 'task' | 'auto' | 'network-change', bucket: ActivityBucket) =>
    connectInterval({ trigger, bucket, networkAvailable: true, random: 0 }) / 1000;
  assert.deepEqual(buckets.map((b) => interval('task', b)), [5, 10, 20, 30, 300]);
  assert.deepEqual(buckets.map((b) => interval('auto', b)), [15, 30, 120, 300, 600]);
  assert.deepEqual(buckets.map((b) => interval('network-change', b)), [0, 0, 0, 0, 0]);
});

test('settled apps get 0-19 s of jitter on auto reconnects, or a long pause without network', () => {
  assert.equal(connectInterval({ trigger: 'auto', bucket: 'foreground-active', networkAvailable: true, random: 0.999 }), 139_000);
  assert.equal(connectInterval({ trigger: 'auto', bucket: 'inactive', networkAvailable: true, random: 0.5 }), 610_000);
  assert.equal(connectInterval({ trigger: 'auto', bucket: 'inactive', networkAvailable: false, random: 0.5 }), (600 * 3 + 600) * 1000);
  // no jitter for fresh foreground or task-driven connects
  assert.equal(connectInterval({ trigger: 'auto', bucket: 'foreground-1min', networkAvailable: true, random: 0.999 }), 15_000);
  assert.equal(connectInterval({ trigger: 'task', bucket: 'foreground-active', networkAvailable: false, random: 0.999 }), 20_000);
});

test('delay counts from the previous attempt; inactive apps get a 30 s doze buffer', () => {
  const base = { trigger: 'task' as const, networkAvailable: true, random: 0 };
  assert.equal(connectDelay({ ...base, bucket: 'foreground-1min', sinceLastAttempt: Infinity }), 0);
  assert.equal(connectDelay({ ...base, bucket: 'foreground-1min', sinceLastAttempt: 2_000 }), 3_000);
  assert.equal(connectDelay({ ...base, bucket: 'foreground-1min', sinceLastAttempt: 5_000 }), 0);
  assert.equal(connectDelay({ ...base, bucket: 'inactive', sinceLastAttempt: 270_000 }), 0);
  assert.equal(connectDelay({ ...base, bucket: 'inactive', sinceLastAttempt: 200_000 }), 100_000);
});
