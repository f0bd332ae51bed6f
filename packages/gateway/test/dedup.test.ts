import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTaskErrorBody, TASK_ERROR_CMDID } from '@livelink/link';
import { TaskError } from '../src/index.ts';
import { startGateway, tcpClient, wsClient, text, str } from './helpers.ts';

const CHARGE = 12;

test('a task retried on a new link with the same client id and seq runs once and gets the stored answer', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  let charges = 0;
  g.gateway.handle(CHARGE, () => text(`charge #${++charges}`));
  const first = await tcpClient(g.tcpPort, { hello: 'device-1' });
  assert.equal(str((await first.request(CHARGE, 7, text('10 EUR'))).body), 'charge #1');
  first.close();
  const second = await wsClient(g.httpPort, { hello: 'device-1' });
  assert.equal(str((await second.request(CHARGE, 7, text('10 EUR'))).body), 'charge #1');
  assert.equal(str((await second.request(CHARGE, 8, text('10 EUR'))).body), 'charge #2');
  // Another client's seq 7 is another task.
  const other = await tcpClient(g.tcpPort, { hello: 'device-2' });
  assert.equal(str((await other.request(CHARGE, 7, text('10 EUR'))).body), 'charge #3');
  assert.equal(charges, 3);
  assert.deepEqual([g.gateway.metrics.tasksExecuted, g.gateway.metrics.tasksReplayed], [3, 1]);
});

test('a retry arriving while the first attempt still runs waits for that attempt', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  g.gateway.handle(CHARGE, async () => {
    runs++;
    await gate;
    return text('done once');
  });
  const a = await tcpClient(g.tcpPort, { hello: 'impatient' });
  const b = await tcpClient(g.tcpPort, { hello: 'impatient' });
  const firstAnswer = a.request(CHARGE, 3, text(''));
  await new Promise((r) => setTimeout(r, 20));
  const retryAnswer = b.request(CHARGE, 3, text(''));
  await new Promise((r) => setTimeout(r, 20));
  release();
  const answers = await Promise.all([firstAnswer, retryAnswer]);
  assert.deepEqual(answers.map((f) => str(f.body)), ['done once', 'done once']);
  assert.equal(runs, 1);
});

test('a stored task error is replayed too; without a hello retries are matched only within the link', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  let runs = 0;
  g.gateway.handle(CHARGE, () => {
    runs++;
    throw new TaskError(402, 'insufficient funds');
  });
  const a = await tcpClient(g.tcpPort, { hello: 'payer' });
  const b = await tcpClient(g.tcpPort, { hello: 'payer' });
  for (const c of [a, b]) {
    const f = await c.request(CHARGE, 1, text(''));
    assert.equal(f.cmdid, TASK_ERROR_CMDID);
    assert.deepEqual(decodeTaskErrorBody(f.body), { code: 402, message: 'insufficient funds' });
  }
  assert.equal(runs, 1);

  const marsA = await tcpClient(g.tcpPort);
  const marsB = await tcpClient(g.tcpPort);
  await marsA.request(CHARGE, 1, text(''));
  await marsA.request(CHARGE, 1, text(''));
  await marsB.request(CHARGE, 1, text(''));
  assert.equal(runs, 3, 'same link: once; a different anonymous link: its own task');
});

test('the de-duplication window expires on the gateway clock', async (t) => {
  const clock = { now: 1_000_000 };
  const g = await startGateway({ now: () => clock.now, dedup: { ttlMs: 60_000 } });
  t.after(() => g.stop());
  let runs = 0;
  g.gateway.handle(CHARGE, () => text(`run ${++runs}`));
  const c = await tcpClient(g.tcpPort, { hello: 'clocked' });
  assert.equal(str((await c.request(CHARGE, 1, text(''))).body), 'run 1');
  clock.now += 59_000;
  assert.equal(str((await c.request(CHARGE, 1, text(''))).body), 'run 1');
  clock.now += 2_000;
  assert.equal(str((await c.request(CHARGE, 1, text(''))).body), 'run 2');
});
