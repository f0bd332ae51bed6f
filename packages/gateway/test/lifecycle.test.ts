import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { NOOP_CMDID, NOOP_SEQ, IDENTIFY_SEQ } from '@livelink/link';
import { startGateway, tcpClient, wsClient, text, str, within, eventually, sleep } from './helpers.ts';

const ECHO = 3;
const EMPTY = new Uint8Array(0);

test('slow reader: a client that never reads is cut once its queue passes the cap; memory stays bounded', async (t) => {
  const g = await startGateway({ maxQueueBytes: 1024 * 1024 });
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const reader = await tcpClient(g.tcpPort, { hello: 'reader' });
  // A raw socket that is paused at once: the kernel buffers fill, then the gateway's queue.
  const stalled = connect({ host: '127.0.0.1', port: g.tcpPort });
  stalled.pause();
  stalled.on('error', () => {});
  const stalledClosed = new Promise((r) => stalled.once('close', r));
  await new Promise((r) => stalled.once('connect', r));
  await eventually(() => g.gateway.metrics.tcpConnections === 2, 'stalled link registered');
  const stalledId = 2; // ids are given in accept order: reader is 1

  const chunk = new Uint8Array(64 * 1024);
  const rssBefore = process.memoryUsage().rss;
  let pushed = 0;
  while (g.gateway.pushToConnection(stalledId, 9000, chunk)) {
    pushed += chunk.byteLength;
    if (pushed > 256 * 1024 * 1024) break;
    if (pushed % (4 * 1024 * 1024) === 0) await sleep(1); // let the kernel take what it will
  }
  assert.ok(pushed < 64 * 1024 * 1024, `cut after ${pushed} bytes, not after buffering everything`);
  assert.equal(g.gateway.metrics.slowConnectionsCut, 1);
  assert.ok(g.logs.some((l) => l.fields?.reason === 'slow-client'));
  stalled.resume();
  await within(stalledClosed, 2_000, 'stalled link close');
  const grown = process.memoryUsage().rss - rssBefore;
  assert.ok(grown < 48 * 1024 * 1024, `rss grew by ${grown} bytes`);
  assert.equal(str((await reader.request(ECHO, 1, text('unaffected'))).body), 'unaffected');
});

test('idle timeout runs on the timer wheel: silent links close, links that send noops stay', async (t) => {
  const clock = { now: 10_000_000 };
  const g = await startGateway({ now: () => clock.now, tickMs: 5, idleTimeoutMs: 60_000 });
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const silent = await tcpClient(g.tcpPort);
  const chatty = await wsClient(g.httpPort);
  await eventually(() => g.gateway.metrics.tcpConnections + g.gateway.metrics.wsConnections === 2, 'both links open');
  for (let minute = 0; minute < 4; minute++) {
    clock.now += 20_000;
    await sleep(30); // a few real wheel ticks
    chatty.send({ cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: EMPTY });
    await chatty.next(NOOP_SEQ);
    await sleep(30);
  }
  await within(silent.closed, 1_000, 'silent link close');
  assert.equal(chatty.isClosed(), false);
  assert.equal(str((await chatty.request(ECHO, 1, text('still open'))).body), 'still open');
  assert.ok(g.logs.some((l) => l.fields?.reason === 'idle'));
});

test('with an identify handler, a link that never identifies is closed after the identify timeout', async (t) => {
  const clock = { now: 5_000_000 };
  const g = await startGateway({ now: () => clock.now, tickMs: 5, identifyTimeoutMs: 10_000 });
  t.after(() => g.stop());
  g.gateway.onIdentify(() => ({ userId: 'u' }));
  const lazy = await tcpClient(g.tcpPort);
  const prompt = await tcpClient(g.tcpPort);
  prompt.send({ cmdid: 1, seq: IDENTIFY_SEQ, body: text('token') });
  await prompt.next(IDENTIFY_SEQ);
  clock.now += 9_000;
  await sleep(30);
  assert.equal(lazy.isClosed(), false);
  clock.now += 2_000;
  await within(lazy.closed, 1_000, 'unidentified link close');
  await sleep(30);
  assert.equal(prompt.isClosed(), false);
  assert.ok(g.logs.some((l) => l.fields?.reason === 'identify-timeout'));
});

test('graceful shutdown lets an in-flight slow handler finish and deliver, refuses new links, then closes', async (t) => {
  const g = await startGateway();
  t.after(() => g.http.close());
  g.gateway.handle(ECHO, async (ctx) => {
    await sleep(Number(str(ctx.body)));
    return text(`slept ${str(ctx.body)}`);
  });
  const tcp = await tcpClient(g.tcpPort);
  const ws = await wsClient(g.httpPort);
  const tcpAnswer = tcp.request(ECHO, 1, text('150'));
  const wsAnswer = ws.request(ECHO, 1, text('100'));
  const shortAnswer = fetch(`http://127.0.0.1:${g.httpPort}/link/echo`, { method: 'POST', headers: { 'x-link-cmdid': '3' }, body: '120' });
  await eventually(() => g.gateway.metrics.tasksInFlight === 3, 'three tasks running');
  const closing = g.gateway.close({ drainMs: 2_000 });
  const refusedTcp = new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: g.tcpPort });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.on('close', () => resolve('closed'));
  });
  const lateShort = await fetch(`http://127.0.0.1:${g.httpPort}/link/echo`, { method: 'POST', headers: { 'x-link-cmdid': '3' }, body: '1' });
  assert.equal(lateShort.status, 503);
  assert.equal(str((await tcpAnswer).body), 'slept 150');
  assert.equal(str((await wsAnswer).body), 'slept 100');
  assert.equal(await (await shortAnswer).text(), 'slept 120');
  await within(closing, 3_000, 'close()');
  await within(Promise.all([tcp.closed, ws.closed]), 1_000, 'links closed');
  assert.match(await refusedTcp, /ECONNREFUSED|ECONNRESET|closed/);
  assert.equal(g.gateway.metrics.tcpConnections + g.gateway.metrics.wsConnections, 0);
});

test('shutdown does not wait past drainMs for a handler that never finishes', async (t) => {
  const g = await startGateway({ closeGraceMs: 100 });
  t.after(() => g.http.close());
  g.gateway.handle(ECHO, () => new Promise<Uint8Array>(() => {}));
  const c = await tcpClient(g.tcpPort);
  c.send({ cmdid: ECHO, seq: 1, body: EMPTY });
  await eventually(() => g.gateway.metrics.tasksInFlight === 1, 'task running');
  const started = Date.now();
  await g.gateway.close({ drainMs: 150 });
  assert.ok(Date.now() - started < 1_000);
  await within(c.closed, 1_000, 'link closed');
  assert.ok(g.logs.some((l) => l.message.includes('drain timed out')));
});
