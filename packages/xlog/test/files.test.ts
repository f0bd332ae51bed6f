import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger, decodeFile } from '../src/index.ts';
import { decodeDir, manualClock, tempDir, xlogFiles } from './support.ts';

const DAY = 24 * 60 * 60 * 1000;
/** Local noon, so no time zone moves the day. */
const NOON_21 = new Date(2026, 10, 21, 12, 0, 0).getTime();

test('rotation by size: PREFIX_DAY.xlog, then _1, _2… each under maxFileBytes, all records in order', async (t) => {
  const dir = tempDir(t);
  const logger = createLogger({ dir, prefix: 'svc', maxFileBytes: 1500, clock: manualClock(NOON_21), handleProcessEvents: false });
  for (let batch = 0; batch < 12; batch++) {
    for (let i = 0; i < 40; i++) logger.info('http', `batch ${batch} req ${i} GET /api/v1/streams/${(batch * 40 + i) * 7919}`);
    await logger.flush(); // one block per batch
  }
  await logger.close();
  const files = xlogFiles(dir);
  assert.ok(files.length >= 3, `split into ${files.length} files`);
  assert.deepEqual(files, files.map((_, i) => `svc_20261121${i === 0 ? '' : `_${i}`}.xlog`));
  for (const name of files) assert.ok(fs.statSync(path.join(dir, name)).size <= 1500, `${name} within the limit`);
  const messages = decodeDir(dir).map((r) => r.message);
  assert.equal(messages.length, 480);
  assert.equal(messages[479], `batch 11 req 39 GET /api/v1/streams/${479 * 7919}`);
});

test('a restarted logger continues the newest file of the day, or the next one when it is full', async (t) => {
  const dir = tempDir(t);
  const clock = manualClock(NOON_21);
  for (let run = 0; run < 3; run++) {
    const logger = createLogger({ dir, prefix: 'svc', maxFileBytes: 100_000, clock, handleProcessEvents: false });
    logger.info('run', `run ${run}`);
    await logger.close();
  }
  assert.deepEqual(xlogFiles(dir), ['svc_20261121.xlog']);
  assert.deepEqual(decodeDir(dir).map((r) => r.message), ['run 0', 'run 1', 'run 2']);

  const small = createLogger({ dir, prefix: 'svc', maxFileBytes: 10, clock, handleProcessEvents: false });
  small.info('run', 'run 3');
  await small.close();
  assert.deepEqual(xlogFiles(dir), ['svc_20261121.xlog', 'svc_20261121_1.xlog']);
});

test('rotation by day follows the injected clock', async (t) => {
  const dir = tempDir(t);
  const clock = manualClock(new Date(2026, 10, 21, 23, 59, 58).getTime());
  const logger = createLogger({ dir, prefix: 'svc', clock, handleProcessEvents: false });
  logger.info('d', 'before midnight');
  await logger.flush();
  clock.set(new Date(2026, 10, 22, 0, 0, 1).getTime());
  logger.info('d', 'after midnight');
  await logger.flush();
  clock.set(new Date(2026, 10, 24, 8, 0, 0).getTime());
  logger.info('d', 'two days later');
  await logger.close();
  assert.deepEqual(xlogFiles(dir), ['svc_20261121.xlog', 'svc_20261122.xlog', 'svc_20261124.xlog']);
  const read = (name: string) => decodeFile(path.join(dir, name)).entries.map((e) => (e.type === 'record' ? e.record.message : ''));
  assert.deepEqual(read('svc_20261121.xlog'), ['before midnight']);
  assert.deepEqual(read('svc_20261122.xlog'), ['after midnight']);
  assert.deepEqual(read('svc_20261124.xlog'), ['two days later']);
});

test('expiry deletes only our own files whose day ended more than retentionDays (default 10) ago', async (t) => {
  const dir = tempDir(t);
  const now = NOON_21;
  // Day ends: Nov 2 (19.5 days ago), Nov 11 (10.5 days ago), Nov 16 (5.5 days ago).
  for (const name of ['svc_20261101.xlog', 'svc_20261110_3.xlog', 'svc_20261115.xlog', 'other_20261101.xlog', 'notes.txt']) {
    fs.writeFileSync(path.join(dir, name), 'x');
  }
  const logger = createLogger({ dir, prefix: 'svc', clock: manualClock(now), handleProcessEvents: false });
  logger.info('x', 'today');
  await logger.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['notes.txt', 'other_20261101.xlog', 'svc.xbuf', 'svc_20261115.xlog', 'svc_20261121.xlog']);

  const short = createLogger({ dir, prefix: 'svc', retentionDays: 3, clock: manualClock(now), handleProcessEvents: false });
  await short.close();
  assert.deepEqual(xlogFiles(dir), ['other_20261101.xlog', 'svc_20261121.xlog']);
});

test('expiry also runs when the day changes under a running logger', async (t) => {
  const dir = tempDir(t);
  const clock = manualClock(NOON_21);
  const logger = createLogger({ dir, prefix: 'svc', retentionDays: 2, clock, handleProcessEvents: false });
  logger.info('x', 'day 21');
  await logger.flush();
  clock.set(NOON_21 + 3 * DAY);
  logger.info('x', 'day 24');
  await logger.close();
  assert.deepEqual(xlogFiles(dir), ['svc_20261124.xlog']);
});

test('retentionDays below 1 is refused, as Mars ignores it', (t) => {
  assert.throws(() => createLogger({ dir: tempDir(t), prefix: 'svc', retentionDays: 0.5 }), { name: 'XlogError', code: 'bad-option' });
});

test('cache dir: files and crash buffer live there while written, then move to the log dir', async (t) => {
  const dir = tempDir(t);
  const cacheDir = path.join(tempDir(t), 'cache');
  const logger = createLogger({ dir, cacheDir, prefix: 'svc', clock: manualClock(NOON_21), handleProcessEvents: false });
  logger.info('x', 'one');
  await logger.flush();
  assert.deepEqual(xlogFiles(cacheDir), ['svc_20261121.xlog']);
  assert.deepEqual(xlogFiles(dir), []);
  assert.ok(fs.existsSync(path.join(cacheDir, 'svc.xbuf')));
  await logger.close();
  assert.deepEqual(xlogFiles(cacheDir), []);
  assert.deepEqual(decodeDir(dir).map((r) => r.message), ['one']);

  // A second run appends to the same day's file once moved: blocks concatenate into a valid file.
  const again = createLogger({ dir, cacheDir, prefix: 'svc', clock: manualClock(NOON_21), handleProcessEvents: false });
  again.info('x', 'two');
  await again.close();
  assert.deepEqual(decodeDir(dir).map((r) => r.message), ['one', 'two']);
});

test('cache dir with cacheDays keeps recent files in the cache and moves older ones', async (t) => {
  const dir = tempDir(t);
  const cacheDir = tempDir(t);
  const clock = manualClock(NOON_21 - 2 * DAY);
  const first = createLogger({ dir, cacheDir, cacheDays: 1, prefix: 'svc', clock, handleProcessEvents: false });
  first.info('x', 'day 19');
  await first.close();
  assert.deepEqual(xlogFiles(cacheDir), ['svc_20261119.xlog'], 'today is younger than cacheDays: stays');
  clock.set(NOON_21);
  const second = createLogger({ dir, cacheDir, cacheDays: 1, prefix: 'svc', clock, handleProcessEvents: false });
  second.info('x', 'day 21');
  await second.close();
  assert.deepEqual(xlogFiles(cacheDir), ['svc_20261121.xlog']);
  assert.deepEqual(xlogFiles(dir), ['svc_20261119.xlog']);
  assert.deepEqual(decodeDir(dir).map((r) => r.message), ['day 19']);
});
