// Timeout values against the numbers in Mars's config.h / task_profile.cc as summarised in
// /work/shared/reference/mars.md §4.7 (worked example: WiFi 1 KiB → 12.08 s / 17.4 s / 40 s;
// mobile → 15.25 s / 31.25 s / 40 s).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attemptTimeouts, firstPacketTimeout, packetToPacketTimeout, readWriteTimeout, taskTimeout } from '../src/index.ts';

test("Mars's worked example: a 1 KiB request with nothing else in flight", () => {
  const wifi = attemptTimeouts({ serverProcessCost: 0, sendBytes: 1024, inFlight: 0, network: 'wifi' });
  assert.deepEqual(wifi, { firstPacket: 12_083, readWrite: 12_083 + 5_333, packetToPacket: 8_000 });
  const mobile = attemptTimeouts({ serverProcessCost: 0, sendBytes: 1024, inFlight: 0, network: 'mobile' });
  assert.deepEqual(mobile, { firstPacket: 15_250, readWrite: 31_250, packetToPacket: 12_000 });
  assert.equal(taskTimeout({ retryCount: 1, serverProcessCost: 0, totalTimeout: 0 }), 40_000);
});

test('first-packet timeout table', () => {
  const rows: [Parameters<typeof firstPacketTimeout>[0], number][] = [
    // base + size at the minimum rate, capped at 22 s / 30 s
    [{ serverProcessCost: 0, sendBytes: 0, inFlight: 0, network: 'wifi' }, 12_000],
    [{ serverProcessCost: 0, sendBytes: 0, inFlight: 0, network: 'mobile' }, 15_000],
    [{ serverProcessCost: 0, sendBytes: 120 * 1024, inFlight: 0, network: 'wifi' }, 22_000],
    [{ serverProcessCost: 0, sendBytes: 60 * 1024, inFlight: 0, network: 'mobile' }, 30_000],
    // the cap applies before the per-queued-task delay
    [{ serverProcessCost: 0, sendBytes: 120 * 1024, inFlight: 2, network: 'wifi' }, 25_000],
    // 1.5 s / 3 s per task already in flight, counting at most 5
    [{ serverProcessCost: 0, sendBytes: 0, inFlight: 3, network: 'wifi' }, 16_500],
    [{ serverProcessCost: 0, sendBytes: 0, inFlight: 9, network: 'wifi' }, 19_500],
    [{ serverProcessCost: 0, sendBytes: 0, inFlight: 9, network: 'mobile' }, 30_000],
    // server_process_cost replaces the base and is not capped
    [{ serverProcessCost: 30_000, sendBytes: 1024, inFlight: 1, network: 'wifi' }, 30_000 + 83 + 1_500],
    [{ serverProcessCost: 30_000, sendBytes: 1024, inFlight: 0, network: 'mobile' }, 30_250],
    // dynamic "excellent" only when no server cost was given
    [{ serverProcessCost: 0, sendBytes: 5000, inFlight: 2, network: 'wifi', dynamic: 'excellent' }, 10_000],
    [{ serverProcessCost: 0, sendBytes: 5000, inFlight: 2, network: 'mobile', dynamic: 'excellent' }, 16_000],
    [{ serverProcessCost: 100, sendBytes: 0, inFlight: 0, network: 'wifi', dynamic: 'excellent' }, 100],
  ];
  for (const [input, expected] of rows) assert.equal(firstPacketTimeout(input), expected, JSON.stringify(input));
});

test('read/write adds 64 KiB at the minimum rate; packet gap is 8 s / 12 s', () => {
  assert.equal(readWriteTimeout(10_000, 'wifi'), 15_333);
  assert.equal(readWriteTimeout(10_000, 'mobile'), 26_000);
  assert.equal(packetToPacketTimeout('wifi'), 8_000);
  assert.equal(packetToPacketTimeout('mobile'), 12_000);
});

test('task timeout: (15 s + server cost + 5 s) per attempt, capped by the app total', () => {
  assert.equal(taskTimeout({ retryCount: 0, serverProcessCost: 0, totalTimeout: 0 }), 20_000);
  assert.equal(taskTimeout({ retryCount: 3, serverProcessCost: 0, totalTimeout: 0 }), 80_000);
  assert.equal(taskTimeout({ retryCount: 1, serverProcessCost: 10_000, totalTimeout: 0 }), 60_000);
  assert.equal(taskTimeout({ retryCount: 1, serverProcessCost: 0, totalTimeout: 25_000 }), 25_000);
  // a total larger than the computed budget does not extend it
  assert.equal(taskTimeout({ retryCount: 1, serverProcessCost: 0, totalTimeout: 90_000 }), 40_000);
});
