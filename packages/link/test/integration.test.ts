// Real sockets on 127.0.0.1: the client's TCP long link through a fault-injecting proxy to a small
// responder, plus a node:http short link. Time runs 20× faster in the client (scaled clock) so
// Mars's multi-second constants are kept as they are; 1 ms of event-loop jitter is 20 ms of client time.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createLinkClient, type LinkClient } from '../src/index.ts';
import { tcpTransport } from '../src/node.ts';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.ts';
import { ExecutionLog, startHttpLinkServer, startTcpLinkServer, type HttpLinkServer, type TcpLinkServer } from './support/link-servers.ts';
import { scaledClock } from './support/scaled-clock.ts';
import { track } from './support/track.ts';

const SPEEDUP = 20;
const utf8 = new TextEncoder();
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let log: ExecutionLog;
let handlerDelayMs = 0;
let tcp: TcpLinkServer;
let http: HttpLinkServer;
let proxy: FaultProxy;
let current: LinkClient | undefined;

const handler = async ({ body }: { body: Uint8Array }) => {
  if (handlerDelayMs > 0) await sleep(handlerDelayMs);
  return utf8.encode(`echo:${text(body)}`);
};

before(async () => {
  log = new ExecutionLog();
  tcp = await startTcpLinkServer(log, (r) => handler(r));
  http = await startHttpLinkServer(log, (r) => handler(r));
});

after(async () => {
  await tcp.close();
  await http.close();
});

// Runs even when a test fails, so a failure never leaves sockets or timers holding the process open.
afterEach(async () => {
  current?.close();
  current = undefined;
  await proxy.close();
});

async function freshClient({ keepAlive = true } = {}): Promise<LinkClient> {
  log.deliveries.length = 0;
  log.executions.length = 0;
  handlerDelayMs = 0;
  proxy = await startFaultProxy({ host: '127.0.0.1', port: tcp.port });
  const created = createLinkClient({
    longLink: { addresses: [proxy.address], transport: tcpTransport(), keepAlive },
    shortLink: { baseUrl: http.baseUrl },
    clock: scaledClock(SPEEDUP),
  });
  // connected, and the first noop echoed (20 bytes), so a fault set next hits tasks, not the handshake
  current = created;
  created.makeSureLongLinkConnected();
  for (let i = 0; i < 200 && (created.linkStatus !== 'connected' || proxy.bytesToClient < 20); i++) await sleep(5);
  assert.equal(created.linkStatus, 'connected');
  return created;
}

test('twenty concurrent tasks over TCP each run once and get their own answer', async () => {
  const client = await freshClient();
  const tasks = Array.from({ length: 20 }, (_, i) => client.startTask({ cmdid: 3, body: utf8.encode(`m${i}`), channel: 'long' }));
  const answers = await Promise.all(tasks.map((t) => t.promise));
  assert.deepEqual(answers.map(text), tasks.map((_, i) => `echo:m${i}`));
  assert.equal(new Set(log.executions).size, 20);
  assert.equal(log.executions.length, 20);
});

test('connections reset mid-task: tasks are resent with the same seq, run once, and succeed', async () => {
  const client = await freshClient();
  handlerDelayMs = 40;
  const tasks = Array.from({ length: 5 }, (_, i) => client.startTask({ cmdid: 3, body: utf8.encode(`r${i}`), channel: 'long', retryCount: 2 }));
  for (let i = 0; i < 100 && log.deliveries.length < 5; i++) await sleep(2);
  assert.equal(log.deliveries.length, 5);
  proxy.resetAll();
  const answers = await Promise.all(tasks.map((t) => t.promise));
  assert.deepEqual(answers.map(text), tasks.map((_, i) => `echo:r${i}`));
  assert.equal(proxy.accepted, 2, 'one reconnect');
  assert.equal(log.executions.length, 5, 'the handler ran once per task');
  assert.equal(log.deliveries.length, 10, 'every task reached the server twice (same client id and seq)');
});

test("a long link that swallows answers: 'both' tasks fall back to the short link and run once", async () => {
  // Without keep-alive the link is rebuilt only when a task asks, so the retries cannot race a
  // background reconnect onto the same broken path (that race is legal, just not this test's subject).
  const client = await freshClient({ keepAlive: false });
  proxy.setMode({ kind: 'blackhole', direction: 'toClient' });
  const started = performance.now();
  const tasks = Array.from({ length: 3 }, (_, i) => client.startTask({ cmdid: 3, cgi: '/link/echo', body: utf8.encode(`b${i}`) }));
  const answers = await Promise.all(tasks.map((t) => t.promise));
  const elapsed = (performance.now() - started) * SPEEDUP;
  assert.deepEqual(answers.map(text), ['echo:b0', 'echo:b1', 'echo:b2']);
  assert.deepEqual(log.deliveries.map((d) => d.split(' via ')[1]).sort(), ['long', 'long', 'long', 'short', 'short', 'short']);
  assert.equal(log.executions.length, 3, 'the retry on the short link did not run the handler again');
  // first-packet timeout (12 s) + retry interval (1 s), in client time
  assert.ok(elapsed >= 13_000 && elapsed < 20_000, `fell back after ${elapsed} ms`);
});

test('a blackholed link fails a task at the computed first-packet deadline', async () => {
  const client = await freshClient();
  proxy.setMode({ kind: 'blackhole' });
  const started = performance.now();
  const t = track(client.startTask({ cmdid: 3, body: new Uint8Array(1024), channel: 'long', retryCount: 0 }).promise);
  for (let i = 0; i < 500 && !t.settled; i++) await sleep(2);
  const elapsed = (performance.now() - started) * SPEEDUP;
  assert.equal(`${t.error?.code} ${t.error?.errCode}`, 'timeout -500');
  // Node timers may fire up to ~1 ms (20 ms scaled) early against performance.now()
  assert.ok(elapsed >= 12_083 - 40 && elapsed < 12_083 + 1_500, `failed after ${elapsed} ms, expected 12 083`);
  assert.equal(log.executions.length, 0);
});

test('a slow network delays answers without failing them', async () => {
  const client = await freshClient();
  const delayMs = 20;
  proxy.setMode({ kind: 'delay', ms: delayMs });
  const started = performance.now();
  const answer = await client.startTask({ cmdid: 3, body: utf8.encode('slow'), channel: 'long' }).promise;
  const elapsed = (performance.now() - started) * SPEEDUP;
  assert.equal(text(answer), 'echo:slow');
  // request and answer each held for delayMs of real time
  assert.ok(elapsed >= 2 * delayMs * SPEEDUP - 40, `answered after ${elapsed} ms`);
});

test('a stalled link that recovers before the deadline delivers the held answer', async () => {
  const client = await freshClient();
  proxy.setMode({ kind: 'stall' });
  const t = track(client.startTask({ cmdid: 3, body: utf8.encode('held'), channel: 'long', retryCount: 0 }).promise);
  await sleep(50);
  assert.equal(t.settled, false);
  proxy.setMode({ kind: 'pass' });
  for (let i = 0; i < 200 && !t.settled; i++) await sleep(2);
  assert.equal(text(t.value), 'echo:held');
});
