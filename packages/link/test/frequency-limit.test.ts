import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adler32, FREQUENCY_LIMIT, FrequencyLimit } from '../src/client/frequency-limit.ts';

const utf8 = new TextEncoder();

test('adler32 matches the RFC 1950 reference values', () => {
  assert.equal(adler32(new Uint8Array(0)), 1);
  assert.equal(adler32(utf8.encode('Wikipedia')), 0x11e60398);
  // long input exercises the block-wise modulo
  const long = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
  assert.equal(adler32(long), adler32Reference(long));
});

function adler32Reference(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

test('the 106th identical request is blocked; different requests are not', () => {
  const limit = new FrequencyLimit(0);
  const body = utf8.encode('same');
  for (let i = 1; i <= FREQUENCY_LIMIT.blockAbove; i++) assert.equal(limit.check(3, '/link/x', body, i), true, `request ${i}`);
  assert.equal(limit.check(3, '/link/x', body, 200), false);
  assert.equal(limit.check(3, '/link/x', utf8.encode('other'), 201), true);
  assert.equal(limit.check(4, '/link/x', body, 202), true);
});

test('hourly cleaning drops cold records and keeps hot ones just under the limit', () => {
  const limit = new FrequencyLimit(0);
  const hot = utf8.encode('hot');
  const cold = utf8.encode('cold');
  for (let i = 0; i < 80; i++) limit.check(1, '', cold, 1_000);
  for (let i = 0; i < 104; i++) limit.check(1, '', hot, 55 * 60_000);
  // at 60 min: cold (last used at 1 s) is dropped, hot (used 5 min ago, count 104) is capped at 99
  assert.equal(limit.check(1, '', cold, 60 * 60_000), true);
  for (let i = 0; i < 6; i++) assert.equal(limit.check(1, '', hot, 60 * 60_000), true, `hot ${i}`);
  assert.equal(limit.check(1, '', hot, 60 * 60_000), false);
});

test('a full table evicts the least recently used record', () => {
  const limit = new FrequencyLimit(0);
  const first = utf8.encode('first');
  for (let i = 0; i < 105; i++) limit.check(1, '', first, 0);
  for (let i = 0; i < FREQUENCY_LIMIT.maxRecords; i++) limit.check(1, '', utf8.encode(`other-${i}`), 1 + i);
  // "first" was evicted, so its count restarted
  assert.equal(limit.check(1, '', first, 100), true);
});
