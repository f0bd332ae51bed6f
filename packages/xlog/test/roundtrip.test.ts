import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { crc32 } from '../src/crc32.ts';
import { createLogger, decodeBytes, decodeFile, formatEntry, generateKeyPair, XlogError, type Compression, type Fields, type RecordLevel } from '../src/index.ts';
import { decodeDir, manualClock, tempDir, xlogFiles } from './support.ts';

interface Line {
  level: RecordLevel;
  tag: string;
  message: string;
  fields?: Fields;
}

function sampleLines(n: number): Line[] {
  const levels: RecordLevel[] = ['verbose', 'debug', 'info', 'warn', 'error'];
  const lines: Line[] = [];
  for (let i = 0; i < n; i++) {
    const line: Line = { level: levels[i % levels.length], tag: i % 7 === 0 ? 'db' : 'http', message: `req ${i} GET /api/v1/streams 200 ${(i % 90) / 10}ms user=abc` };
    if (i % 3 === 0) line.fields = { i, user: 'abc', path: '/api/v1/streams', ok: i % 2 === 0 };
    lines.push(line);
  }
  // Text that needs no escaping in our format but would in a line-based one, and non-ASCII.
  lines.push({ level: 'info', tag: 'edge', message: 'multi\nline\ttabbed ] [bracket' }, { level: 'warn', tag: '标签', message: 'ünïcödé 日本語 🎥', fields: { emoji: '🎥' } }, { level: 'info', tag: 'edge', message: '' });
  return lines;
}

async function writeAll(dir: string, lines: Line[], options: { publicKey?: string; compression?: Compression; crashSafe?: boolean }) {
  const clock = manualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
  const logger = createLogger({ dir, prefix: 'app', level: 'verbose', clock, handleProcessEvents: false, ...options });
  for (const line of lines) {
    clock.advance(3);
    logger.log(line.level, line.tag, line.message, line.fields);
  }
  await logger.close();
  return { logger, start: Date.UTC(2026, 10, 21, 12, 0, 0) };
}

function assertSameLines(records: ReturnType<typeof decodeDir>, lines: Line[], start: number) {
  assert.equal(records.length, lines.length);
  records.forEach((r, i) => {
    assert.deepEqual({ level: r.level, tag: r.tag, message: r.message, fields: r.fields }, { ...lines[i], fields: lines[i].fields });
    assert.equal(r.time, start + 3 * (i + 1));
    assert.equal(r.seq, i + 1);
  });
}

for (const compression of ['zstd', 'deflate', 'none'] as const) {
  for (const crashSafe of [true, false]) {
    test(`round trip, plain, ${compression}, ${crashSafe ? 'crash-safe' : 'buffered'}: every line decodes as written`, async (t) => {
      const dir = tempDir(t);
      const lines = sampleLines(5000);
      const { start, logger } = await writeAll(dir, lines, { compression, crashSafe });
      assertSameLines(decodeDir(dir), lines, start);
      assert.ok(logger.stats.blocks >= 2, 'more than one segment was filled');
    });
  }
}

test('round trip, encrypted: decodes with the private key; no key and a wrong key fail with typed errors', async (t) => {
  const dir = tempDir(t);
  const keys = generateKeyPair();
  const lines = sampleLines(3000);
  const { start } = await writeAll(dir, lines, { publicKey: keys.publicKey });
  assertSameLines(decodeDir(dir, keys.privateKey), lines, start);

  const file = path.join(dir, xlogFiles(dir)[0]);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.includes(Buffer.from('GET /api/v1/streams')), false, 'no plaintext in the file');
  assert.throws(() => decodeFile(file), (e) => e instanceof XlogError && e.code === 'key-required');
  assert.throws(() => decodeFile(file, { privateKey: generateKeyPair().privateKey }), (e) => e instanceof XlogError && e.code === 'wrong-key');
  assert.throws(() => decodeFile(file, { privateKey: 'abcd' }), (e) => e instanceof XlogError && e.code === 'bad-key');
  const crashBuffer = fs.readFileSync(path.join(dir, 'app.xbuf'));
  assert.equal(crashBuffer.includes(Buffer.from('GET /api')), false, 'no plaintext in the crash buffer either');
});

/** Splits a file into its blocks by decoding it, so tests can aim damage at one block. */
function blockOffsets(bytes: Uint8Array, privateKey?: string): number[] {
  const offsets = new Set<number>();
  for (const e of decodeBytes(bytes, { privateKey }).entries) if (e.type === 'record') offsets.add(e.origin.offset);
  return [...offsets].sort((a, b) => a - b);
}

for (const encrypted of [false, true]) {
  test(`damage (${encrypted ? 'encrypted' : 'plain'}): a corrupted block is reported, every other block decodes`, async (t) => {
    const dir = tempDir(t);
    const keys = generateKeyPair();
    const lines = sampleLines(6000);
    await writeAll(dir, lines, encrypted ? { publicKey: keys.publicKey } : {});
    const privateKey = encrypted ? keys.privateKey : undefined;
    const bytes = fs.readFileSync(path.join(dir, xlogFiles(dir)[0]));
    const offsets = blockOffsets(bytes, privateKey);
    assert.ok(offsets.length >= 3, `need 3 blocks, got ${offsets.length}`);
    const all = decodeBytes(bytes, { privateKey }).entries.length;

    const corrupted = Buffer.from(bytes);
    const target = offsets[1] + 150;
    corrupted[target] ^= 0x40;
    const damaged = decodeBytes(corrupted, { privateKey });
    // The lost block is reported twice over: as damage where it lies, and as a gap in the session's block sequence.
    assert.deepEqual(damaged.issues.map((i) => [i.code, i.offset]), [['corrupt-block', offsets[1]], ['missing-blocks', offsets[2]]]);
    const lostInBlock = decodeBytes(bytes.subarray(offsets[1], offsets[2]), { privateKey }).entries.length;
    assert.equal(damaged.entries.length, all - lostInBlock);
    assert.ok(damaged.entries.every((e) => e.type === 'record' && e.origin.offset !== offsets[1]));

    // Cut inside the last block: everything before it decodes and the cut is reported.
    const last = offsets[offsets.length - 1];
    const truncated = bytes.subarray(0, last + 200);
    const cut = decodeBytes(truncated, { privateKey });
    assert.deepEqual(cut.issues.map((i) => [i.code, i.offset]), [['truncated-block', last]]);
    assert.equal(cut.entries.length, all - decodeBytes(bytes.subarray(last), { privateKey }).entries.length);

    // Garbage spliced between blocks is skipped and reported with its extent.
    const junk = Buffer.alloc(333, 0x89);
    const spliced = Buffer.concat([bytes.subarray(0, offsets[2]), junk, bytes.subarray(offsets[2])]);
    const resynced = decodeBytes(spliced, { privateKey });
    assert.deepEqual(resynced.issues.map((i) => [i.code, i.offset, i.length]), [['garbage', offsets[2], 333]]);
    assert.equal(resynced.entries.length, all);
  });
}

test('a tampered encrypted block fails authentication even with a matching checksum', async (t) => {
  const dir = tempDir(t);
  const keys = generateKeyPair();
  await writeAll(dir, sampleLines(100), { publicKey: keys.publicKey });
  const bytes = Buffer.from(fs.readFileSync(path.join(dir, xlogFiles(dir)[0])));
  // Flip a ciphertext byte and fix the payload CRC (offset 40) and header CRC (offset 108) to match.
  const payloadLength = bytes.readUInt32LE(32);
  bytes[112 + 5] ^= 1;
  bytes.writeUInt32LE(zlib.crc32(bytes.subarray(112, 112 + payloadLength)), 40);
  bytes.writeUInt32LE(zlib.crc32(bytes.subarray(0, 108)), 108);
  const result = decodeBytes(bytes.subarray(0, 112 + payloadLength), { privateKey: keys.privateKey });
  assert.deepEqual(result.issues.map((i) => i.code), ['auth-failed']);
});

test('levels below the threshold are dropped at the call; child loggers carry their tag', async (t) => {
  const dir = tempDir(t);
  const logger = createLogger({ dir, prefix: 'app', level: 'warn', handleProcessEvents: false });
  logger.info('x', 'dropped');
  logger.debug('x', 'dropped');
  const child = logger.child('media');
  child.warn('kept 1', { a: 1 });
  child.info('dropped');
  logger.error('x', 'kept 2');
  assert.equal(logger.isEnabled('info'), false);
  logger.setLevel('info');
  child.info('kept 3');
  await logger.close();
  assert.deepEqual(decodeDir(dir).map((r) => [r.level, r.tag, r.message]), [
    ['warn', 'media', 'kept 1'],
    ['error', 'x', 'kept 2'],
    ['info', 'media', 'kept 3'],
  ]);
  assert.equal(logger.stats.records, 3);
});

test('fatal flushes synchronously: the block is in the file when the call returns', (t) => {
  const dir = tempDir(t);
  const logger = createLogger({ dir, prefix: 'app', handleProcessEvents: false });
  logger.info('boot', 'starting');
  logger.fatal('boot', 'cannot bind', { port: 1935 });
  assert.deepEqual(decodeDir(dir).map((r) => r.message), ['starting', 'cannot bind']);
  return logger.close();
});

test('oversized messages and unserializable fields never throw and stay bounded', async (t) => {
  const dir = tempDir(t);
  const logger = createLogger({ dir, prefix: 'app', handleProcessEvents: false });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  logger.info('big', 'x'.repeat(200_000), { blob: '\u0001'.repeat(100_000) });
  logger.info('big', 'circular', circular);
  logger.info('big', 'bigint', { n: 10n } as unknown as Fields);
  await logger.close();
  const [big, circ, bigint] = decodeDir(dir);
  assert.ok(big.message.length < 17_000 && big.message.endsWith('…[truncated]'));
  assert.equal((big.fields as { length: number }).length, JSON.stringify({ blob: '\u0001'.repeat(100_000) }).length);
  assert.match(String(circ.fields?.unserializableFields), /circular/i);
  assert.match(String(bigint.fields?.unserializableFields), /BigInt/);
});

test('console sink prints pretty lines, coloured only when asked', async (t) => {
  const dir = tempDir(t);
  let out = '';
  const stream = Object.assign(new (await import('node:stream')).Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }), { isTTY: false });
  const logger = createLogger({ dir, prefix: 'app', console: { stream }, handleProcessEvents: false, clock: manualClock(new Date(2026, 10, 21, 9, 5, 7, 42).getTime()) });
  logger.warn('rtmp', 'publish refused', { app: 'live' });
  await logger.close();
  assert.equal(out, '09:05:07.042 W rtmp: publish refused {"app":"live"}\n');

  let coloured = '';
  const tty = new (await import('node:stream')).Writable({ write(chunk, _enc, cb) { coloured += String(chunk); cb(); } });
  const second = createLogger({ dir, prefix: 'app2', console: { stream: tty, colors: true }, handleProcessEvents: false });
  second.error('x', 'boom');
  await second.close();
  assert.match(coloured, /\x1b\[31mE\x1b\[0m x: boom/);
});

test('text and JSON renderings', async (t) => {
  const dir = tempDir(t);
  const logger = createLogger({ dir, prefix: 'app', handleProcessEvents: false, clock: manualClock(Date.UTC(2026, 10, 21, 10, 0, 0, 123)) });
  logger.info('http', 'req 1 GET /', { status: 200 });
  await logger.close();
  const [entry] = decodeFile(path.join(dir, xlogFiles(dir)[0])).entries;
  assert.equal(formatEntry(entry, { timeZone: 'utc' }), `[I][2026-11-21 +0.0 10:00:00.123][${process.pid}][http] req 1 GET / {"status":200}`);
  const json = JSON.parse(formatEntry(entry, { json: true }));
  assert.deepEqual({ ...json, session: undefined }, { time: '2026-11-21T10:00:00.123Z', level: 'info', tag: 'http', message: 'req 1 GET /', fields: { status: 200 }, seq: 1, pid: process.pid, session: undefined });
});

test('the pure CRC-32 matches zlib, including continued (seeded) values', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog');
  assert.equal(crc32(data), 0x414fa339);
  for (const seed of [0, 1, 0xdeadbeef, 0xffffffff]) assert.equal(crc32(data, seed), zlib.crc32(data, seed));
});
