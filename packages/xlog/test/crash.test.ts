import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { createLogger, generateKeyPair } from '../src/index.ts';
import { decodeDir, tempDir } from './support.ts';

const CHILD = fileURLToPath(new URL('./fixtures/kill-child.ts', import.meta.url));
const EXIT_CHILD = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));

/** Runs the child until it has acknowledged `target` lines (or 3 s passed), then SIGKILLs it. */
async function runAndKill(dir: string, mode: 'crash-safe' | 'buffered', publicKey: string, target: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir, mode, publicKey], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  let tail = '';
  const killAt = setTimeout(() => child.kill('SIGKILL'), 3000);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop()!;
    for (const line of lines) acked = Math.max(acked, Number(line));
    if (acked >= target) child.kill('SIGKILL');
  });
  const [, signal] = await once(child, 'exit');
  clearTimeout(killAt);
  assert.equal(signal, 'SIGKILL', 'the child died of the kill, not of an error');
  return acked;
}

const cases = [
  { mode: 'crash-safe', encrypted: false },
  { mode: 'crash-safe', encrypted: true },
  { mode: 'buffered', encrypted: false },
] as const;

for (const { mode, encrypted } of cases) {
  test(`kill -9 (${mode}${encrypted ? ', encrypted' : ''}): every acknowledged line is in the log after restart`, async (t) => {
    const dir = tempDir(t);
    const keys = generateKeyPair();
    const acked = await runAndKill(dir, mode, encrypted ? keys.publicKey : '', 30_000);
    assert.ok(acked > 1000, `the child logged for a while (acked ${acked})`);

    // Restart: opening a logger on the same directory rescues the crash buffer.
    const logger = createLogger({ dir, prefix: 'kill', publicKey: encrypted ? keys.publicKey : undefined, handleProcessEvents: false });
    const recovered = logger.stats.recoveredRecords;
    await logger.close();
    if (mode === 'crash-safe') assert.ok(recovered > 0, 'the kill left records only the crash buffer had');

    const seen = new Set<number>();
    for (const r of decodeDir(dir, encrypted ? keys.privateKey : undefined)) {
      if (r.tag === 'load') seen.add(Number(r.message.slice('line '.length)));
    }
    const missing: number[] = [];
    for (let i = 1; i <= acked; i++) if (!seen.has(i)) missing.push(i);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acked} acknowledged lines missing (recovered ${recovered})`);
    assert.ok(fs.existsSync(path.join(dir, 'kill.xbuf')));
  });
}

test('a crash buffer left by a logger that was never closed is rescued by the next one', async (t) => {
  const dir = tempDir(t);
  const abandoned = createLogger({ dir, prefix: 'app', handleProcessEvents: false, flushIntervalMs: 60_000 });
  for (let i = 0; i < 100; i++) abandoned.info('t', `line ${i}`);
  // No flush, no close: only the crash buffer has these records. Its bytes as they are now are
  // what a crash would leave; a second logger on the same live buffer would be refused.
  assert.throws(() => createLogger({ dir, prefix: 'app', handleProcessEvents: false }), { name: 'XlogError', code: 'buffer-in-use' });
  const restartDir = tempDir(t);
  fs.copyFileSync(path.join(dir, 'app.xbuf'), path.join(restartDir, 'app.xbuf'));
  await abandoned.close();
  const next = createLogger({ dir: restartDir, prefix: 'app', handleProcessEvents: false });
  assert.equal(next.stats.recoveredRecords, 100);
  await next.close();
  const records = decodeDir(restartDir);
  assert.deepEqual(records.slice(0, 100).map((r) => r.message), Array.from({ length: 100 }, (_, i) => `line ${i}`));
  assert.match(records[100].message, /^recovered 100 records from the crash buffer/);
  assert.equal(records.length, 101);
});

for (const how of ['signal', 'throw', 'exit'] as const) {
  test(`the process going away (${how}) flushes buffered records into the log file itself`, async (t) => {
    const dir = tempDir(t);
    const child = spawn(process.execPath, [EXIT_CHILD, dir, how], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    if (how === 'signal') {
      const [chunk] = await once(child.stdout, 'data');
      assert.equal(String(chunk), 'ready\n');
      child.kill('SIGTERM');
    }
    const [code, signal] = await once(child, 'exit');
    if (how === 'signal') assert.equal(signal, 'SIGTERM', 'the signal was re-raised, so the process still died of it');
    if (how === 'throw') assert.equal(code, 1, 'the uncaught exception still crashed the process');
    if (how === 'throw') assert.match(stderr, /boom/);
    if (how === 'exit') assert.equal(code, 3);
    // Decoded without opening a logger: no rescue from the crash buffer is involved.
    assert.deepEqual(decodeDir(dir).map((r) => r.message), Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`));
  });
}

test('a crash buffer held by another live process is refused', async (t) => {
  const dir = tempDir(t);
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  const logger = createLogger({ dir, prefix: 'app', handleProcessEvents: false, flushIntervalMs: 60_000 });
  logger.info('t', 'pending');
  // Stamp the live segment with the other process's pid, as if it were the writer.
  const file = path.join(dir, 'app.xbuf');
  const bytes = fs.readFileSync(file);
  bytes.writeUInt32LE(other.pid!, 12);
  bytes.writeUInt32LE(zlib.crc32(bytes.subarray(0, 80)), 80);
  const elsewhere = tempDir(t);
  fs.writeFileSync(path.join(elsewhere, 'app.xbuf'), bytes);
  await logger.close();
  assert.throws(() => createLogger({ dir: elsewhere, prefix: 'app', handleProcessEvents: false }), { name: 'XlogError', code: 'buffer-in-use', message: new RegExp(`live pid ${other.pid}`) });
});
