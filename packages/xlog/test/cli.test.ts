import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, runXlogCommand } from '../src/index.ts';
import { manualClock, tempDir, xlogFiles } from './support.ts';

function capture() {
  const io = { out: '', err: '', stdout: { write: (s: string) => (io.out += s) }, stderr: { write: (s: string) => (io.err += s) } };
  return io;
}

async function keygen(): Promise<{ privateKey: string; publicKey: string }> {
  const io = capture();
  assert.equal(await runXlogCommand(['keygen'], io), 0);
  const privateKey = /^private ([0-9a-f]{64})$/m.exec(io.out)?.[1];
  const publicKey = /^public +([0-9a-f]{64})$/m.exec(io.out)?.[1];
  assert.ok(privateKey && publicKey, io.out);
  return { privateKey, publicKey };
}

async function logSome(dir: string, publicKey?: string) {
  const logger = createLogger({ dir, prefix: 'cli', publicKey, clock: manualClock(Date.UTC(2026, 10, 21, 8, 30)), handleProcessEvents: false });
  logger.info('http', 'req 1', { status: 200 });
  logger.error('db', 'down');
  await logger.close();
  return path.join(dir, xlogFiles(dir)[0]);
}

test('keygen → encrypted log → decode with --key, as text and as JSON', async (t) => {
  const { privateKey, publicKey } = await keygen();
  const file = await logSome(tempDir(t), publicKey);
  const text = capture();
  assert.equal(await runXlogCommand(['decode', file, '--key', privateKey, '--utc'], text), 0);
  assert.equal(text.out, `[I][2026-11-21 +0.0 08:30:00.000][${process.pid}][http] req 1 {"status":200}\n[E][2026-11-21 +0.0 08:30:00.000][${process.pid}][db] down\n`);
  assert.equal(text.err, '');
  const json = capture();
  assert.equal(await runXlogCommand(['decode', path.dirname(file), '--key', privateKey, '--json'], json), 0);
  assert.deepEqual(json.out.trim().split('\n').map((l) => JSON.parse(l).message), ['req 1', 'down']);
});

test('decode: missing or wrong key exits 2 with a clear message; damage exits 1 after printing what survived', async (t) => {
  const { publicKey } = await keygen();
  const other = await keygen();
  const file = await logSome(tempDir(t), publicKey);
  const none = capture();
  assert.equal(await runXlogCommand(['decode', file], none), 2);
  assert.match(none.err, /no private key was given/);
  const wrong = capture();
  assert.equal(await runXlogCommand(['decode', file, '--key', other.privateKey], wrong), 2);
  assert.match(wrong.err, /encrypted for key id [0-9a-f]{8}, the private key given has key id [0-9a-f]{8}/);

  const plainFile = await logSome(tempDir(t));
  fs.appendFileSync(plainFile, Buffer.from('trailing junk'));
  const damaged = capture();
  assert.equal(await runXlogCommand(['decode', plainFile], damaged), 1);
  assert.equal(damaged.out.split('\n').length, 3);
  assert.match(damaged.err, /garbage: 13 bytes belong to no block/);
});

test('usage errors exit 2', async () => {
  for (const argv of [[], ['frobnicate'], ['decode'], ['decode', '/nonexistent/file.xlog'], ['decode', 'x', '--bogus'], ['decode', 'x', '--key', 'zz']]) {
    const io = capture();
    assert.equal(await runXlogCommand(argv, io), 2, argv.join(' '));
    assert.ok(io.err.length > 0);
  }
});

test('the bin script runs the command', async (t) => {
  const file = await logSome(tempDir(t));
  const bin = fileURLToPath(new URL('../bin/xlog.ts', import.meta.url));
  const out = execFileSync(process.execPath, [bin, 'decode', '--json', file], { encoding: 'utf8' });
  assert.equal(out.trim().split('\n').length, 2);
});
