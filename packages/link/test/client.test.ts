// The client core under a fake clock and an in-memory carrier: queueing, retries, fallback,
// Mars's timeouts at their computed instants, heartbeat, identify and reconnect policy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLinkClient, IDENTIFY_SEQ, marsPacker, NOOP_CMDID, NOOP_SEQ, TASK_ERROR_CMDID, encodeTaskErrorBody, type LinkClientOptions, type LongLinkStatus } from '../src/index.ts';
import type { ShortLinkFetch } from '../src/client/short-link.ts';
import { FakeClock } from './support/fake-clock.ts';
import { FakeTransport, type FakeConnection } from './support/fake-transport.ts';
import { track } from './support/track.ts';

const utf8 = new TextEncoder();
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

interface ShortCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function setup(options: Partial<LinkClientOptions> & { shortResponder?: (call: ShortCall) => Response | Promise<Response> } = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const statuses: LongLinkStatus[] = [];
  const shortCalls: ShortCall[] = [];
  const { shortResponder, ...rest } = options;
  const fetchFn: ShortLinkFetch = async (url, init) => {
    const call = { url, headers: init.headers, body: text(init.body) };
    shortCalls.push(call);
    return shortResponder!(call);
  };
  const client = createLinkClient({
    longLink: { addresses: ['gw:1'], transport },
    shortLink: shortResponder ? { baseUrl: 'http://gw', fetch: fetchFn } : undefined,
    clock,
    random: () => 0,
    clientId: 'tester',
    ...rest,
    hooks: { onLinkStatus: (s) => statuses.push(s), ...rest.hooks },
  });
  return { clock, transport, client, statuses, shortCalls };
}

/** Opens a connection and answers its first noop, as a healthy gateway would. */
function openHealthy(conn: FakeConnection): void {
  conn.open();
  conn.deliver({ cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: new Uint8Array(0) });
}

test('a new link says hello, then a noop, and a task travels with seq = task id', async () => {
  const { transport, client, statuses } = setup();
  assert.equal(transport.connections.length, 1);
  const conn = transport.last;
  openHealthy(conn);
  assert.deepEqual(statuses, ['connecting', 'connected']);
  assert.deepEqual(conn.sent.map((f) => [f.cmdid, f.seq, text(f.body)]), [[0xffffff01, 0, 'tester'], [NOOP_CMDID, NOOP_SEQ, '']]);
  const task = client.startTask({ cmdid: 3, body: utf8.encode('hello') });
  const t = track(task.promise);
  assert.deepEqual(conn.tasks().map((f) => [f.cmdid, f.seq, text(f.body)]), [[3, task.id, 'hello']]);
  conn.deliver({ cmdid: 3, seq: task.id, body: utf8.encode('world') });
  await task.promise;
  assert.equal(text(t.value), 'world');
  client.close();
});

test('queued tasks leave in priority order, FIFO within a priority', async () => {
  const { transport, client } = setup();
  const priorities = [3, 0, 5, 0, 1, 3];
  const ids = priorities.map((priority) => {
    const task = client.startTask({ cmdid: 10 + priority, body: new Uint8Array(0), channel: 'long', priority });
    track(task.promise);
    return { id: task.id, priority };
  });
  assert.equal(transport.last.tasks().length, 0);
  openHealthy(transport.last);
  const expected = [...ids].sort((a, b) => a.priority - b.priority).map((t) => t.id);
  assert.deepEqual(transport.last.tasks().map((f) => f.seq), expected);
  client.close();
});

test('a task on a broken link is resent with the same seq on the next connection', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 3, body: utf8.encode('x'), channel: 'long' });
  const t = track(task.promise);
  transport.last.close('error');
  // retry gate 1 s, then the task asks for the link: 5 s after the last attempt (foreground, <1 min)
  await clock.advance(4_999);
  assert.equal(transport.connections.length, 1);
  await clock.advance(1);
  assert.equal(transport.connections.length, 2);
  openHealthy(transport.last);
  assert.deepEqual(transport.last.tasks().map((f) => f.seq), [task.id]);
  transport.last.deliver({ cmdid: 3, seq: task.id, body: utf8.encode('ok') });
  await clock.advance(0);
  assert.equal(text(t.value), 'ok');
  assert.equal(transport.connections[0].tasks()[0].seq, task.id);
  client.close();
});

test("a 'both' task whose long link dies is retried on the short link with the same seq", async () => {
  const { clock, transport, client, shortCalls } = setup({ shortResponder: () => new Response('via-short') });
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 3, cgi: '/link/echo', body: utf8.encode('payload') });
  const t = track(task.promise);
  assert.equal(transport.last.tasks().length, 1);
  transport.last.close('error');
  await clock.advance(999);
  assert.equal(shortCalls.length, 0);
  await clock.advance(1);
  assert.equal(shortCalls.length, 1);
  assert.equal(shortCalls[0].url, 'http://gw/link/echo');
  assert.equal(shortCalls[0].headers['x-link-seq'], String(task.id));
  assert.equal(shortCalls[0].headers['x-link-client'], 'tester');
  assert.equal(shortCalls[0].body, 'payload');
  assert.equal(text(t.value), 'via-short');
  client.close();
});

test('the whole-task timeout fires at the computed instant while the task waits for a link', async () => {
  const { clock, client } = setup();
  const defaults = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), channel: 'long' }).promise);
  const capped = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), channel: 'long', totalTimeout: 25_000 }).promise);
  const longer = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), channel: 'long', retryCount: 2, serverProcessCost: 5_000 }).promise);
  await clock.advance(24_999);
  assert.equal(capped.settled, false);
  await clock.advance(1);
  assert.equal(capped.error?.code, 'timeout');
  await clock.advance(14_999);
  assert.equal(defaults.settled, false);
  await clock.advance(1);
  assert.equal(defaults.error?.code, 'timeout');
  assert.equal(defaults.error?.errType, 9);
  assert.equal(defaults.error?.errCode, -1);
  assert.match(defaults.error!.message, /long link connect failed/);
  // (15 s + 5 s server cost + 5 s) × 3 attempts
  await clock.advance(75_000 - 40_000 - 1);
  assert.equal(longer.settled, false);
  await clock.advance(1);
  assert.equal(longer.error?.errCode, -1);
  client.close();
});

test('first-packet timeouts fire at the computed instants and reset the link', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const conn = transport.last;
  // 1 KiB, nothing in flight: 12 000 + 1000·1024/12288 = 12 083 ms
  const first = track(client.startTask({ cmdid: 3, body: new Uint8Array(1024), retryCount: 0 }).promise);
  // empty, one task in flight ahead: 12 000 + 1 500 = 13 500 ms — but the link reset at 12 083 fails it first
  const second = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 }).promise);
  await clock.advance(12_082);
  assert.equal(first.settled, false);
  await clock.advance(1);
  assert.equal(first.error?.code, 'timeout');
  assert.equal(first.error?.errCode, -500);
  assert.equal(first.error?.errType, 6);
  assert.ok(conn.closedByClient, 'the silent link is dropped');
  assert.equal(second.error?.code, 'timeout');
  assert.equal(second.error?.errCode, 0);
  client.close();
});

test('the second task in flight gets 1.5 s more for its first packet', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const first = client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 });
  track(first.promise);
  const second = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 }).promise);
  transport.last.deliver({ cmdid: 3, seq: first.id, body: new Uint8Array(0) });
  await clock.advance(13_499);
  assert.equal(second.settled, false);
  await clock.advance(1);
  assert.equal(second.error?.errCode, -500);
  client.close();
});

test('a response that stalls mid-frame fails after the packet-to-packet gap', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 });
  const t = track(task.promise);
  const response = marsPacker().encode({ cmdid: 3, seq: task.id, body: new Uint8Array(500) });
  await clock.advance(1_000);
  transport.last.deliverBytes(response.subarray(0, 100));
  await clock.advance(5_000);
  transport.last.deliverBytes(response.subarray(100, 200));
  // 8 s WiFi gap from the last packet at 6 s; the first-packet deadline (12 s) no longer applies
  await clock.advance(7_999);
  assert.equal(t.settled, false);
  await clock.advance(1);
  assert.equal(t.error?.errCode, -501);
  client.close();
});

test('stopTask rejects as canceled once; a late answer is ignored', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 3, body: new Uint8Array(0) });
  const t = track(task.promise);
  assert.equal(client.stopTask(task.id), true);
  assert.equal(client.stopTask(task.id), false);
  transport.last.deliver({ cmdid: 3, seq: task.id, body: new Uint8Array(1) });
  await clock.advance(0);
  assert.equal(t.settleCount, 1);
  assert.equal(t.error?.code, 'canceled');
  assert.equal(t.error?.errCode, -7);
  assert.equal(t.error?.taskId, task.id);
  client.close();
});

test('a task error frame fails the task as a server error without retry', async () => {
  const { clock, transport, client } = setup();
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 9, body: new Uint8Array(0), retryCount: 3 });
  const t = track(task.promise);
  transport.last.deliver({ cmdid: TASK_ERROR_CMDID, seq: task.id, body: encodeTaskErrorBody({ code: 404, message: 'no handler' }) });
  await clock.advance(0);
  assert.equal(t.error?.code, 'server');
  assert.equal(t.error?.errCode, 404);
  assert.equal(transport.last.tasks().length, 1);
  client.close();
});

test('sendOnly succeeds once written; pushes reach hooks and subscribers', async () => {
  const pushes: string[] = [];
  const { clock, transport, client } = setup({ hooks: { onPush: (cmdid, body) => pushes.push(`hook ${cmdid} ${text(body)}`) } });
  openHealthy(transport.last);
  const t = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), sendOnly: true }).promise);
  await clock.advance(0);
  assert.deepEqual(t.value, new Uint8Array(0));
  const off = client.onPush(10001, (body) => pushes.push(`sub ${text(body)}`));
  transport.last.deliver({ cmdid: 10001, seq: 0, body: utf8.encode('news') });
  off();
  transport.last.deliver({ cmdid: 10001, seq: 0, body: utf8.encode('more') });
  assert.deepEqual(pushes, ['hook 10001 news', 'sub news', 'hook 10001 more']);
  client.close();
});

test('needAuthed tasks wait for makeSureAuthed, re-asking every second', async () => {
  let authed = false;
  const { clock, transport, client } = setup({ hooks: { makeSureAuthed: () => authed } });
  openHealthy(transport.last);
  track(client.startTask({ cmdid: 3, body: new Uint8Array(0), needAuthed: true }).promise);
  track(client.startTask({ cmdid: 4, body: new Uint8Array(0) }).promise);
  assert.deepEqual(transport.last.tasks().map((f) => f.cmdid), [4]);
  authed = true;
  await clock.advance(999);
  assert.deepEqual(transport.last.tasks().map((f) => f.cmdid), [4]);
  await clock.advance(1);
  assert.deepEqual(transport.last.tasks().map((f) => f.cmdid), [4, 3]);
  client.close();
});

test('an unanswered heartbeat declares the link dead after 8 s', async () => {
  const { clock, transport, client, statuses } = setup({ heartbeatIntervalMs: 30_000 });
  openHealthy(transport.last);
  await clock.advance(30_000);
  assert.deepEqual(transport.last.sent.at(-1), { clientVersion: 200, cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: new Uint8Array(0) });
  const t = track(client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 }).promise);
  await clock.advance(7_999);
  assert.equal(statuses.at(-1), 'connected');
  await clock.advance(1);
  assert.equal(statuses.at(-1), 'disconnected');
  assert.equal(t.error?.code, 'socket');
  assert.equal(t.error?.errCode, -10093);
  client.close();
});

test('heartbeats only fill silence: traffic postpones them', async () => {
  const { clock, transport, client } = setup({ heartbeatIntervalMs: 30_000 });
  openHealthy(transport.last);
  await clock.advance(20_000);
  track(client.startTask({ cmdid: 3, body: new Uint8Array(0), sendOnly: true }).promise);
  await clock.advance(20_000);
  const noops = () => transport.last.sent.filter((f) => f.cmdid === NOOP_CMDID).length;
  assert.equal(noops(), 1);
  await clock.advance(10_000);
  assert.equal(noops(), 2);
  client.close();
});

test('identify gates tasks; a rejected identify fails the connection', async () => {
  const { clock, transport, client, statuses } = setup({ hooks: { identify: () => ({ cmdid: 1, body: utf8.encode('token') }) } });
  transport.last.open();
  assert.deepEqual(transport.last.sent.map((f) => [f.cmdid, f.seq]), [[0xffffff01, 0], [1, IDENTIFY_SEQ]]);
  track(client.startTask({ cmdid: 3, body: new Uint8Array(0), channel: 'long' }).promise);
  assert.equal(transport.last.tasks().filter((f) => f.cmdid === 3).length, 0);
  transport.last.deliver({ cmdid: 1, seq: IDENTIFY_SEQ, body: new Uint8Array(0) });
  assert.equal(statuses.at(-1), 'connected');
  assert.equal(transport.last.tasks().filter((f) => f.cmdid === 3).length, 1);
  transport.last.close('error');
  // reconnect: this time the gateway refuses the identify
  await clock.advance(5_000);
  transport.last.open();
  transport.last.deliver({ cmdid: TASK_ERROR_CMDID, seq: IDENTIFY_SEQ, body: encodeTaskErrorBody({ code: 401, message: 'bad token' }) });
  assert.equal(statuses.at(-1), 'connect-failed');
  assert.ok(transport.last.closedByClient);
  client.close();
});

test('no identify answer within the noop timeout fails the connection', async () => {
  const { clock, transport, client, statuses } = setup({ hooks: { identify: () => ({ cmdid: 1, body: new Uint8Array(0) }) } });
  transport.last.open();
  await clock.advance(7_999);
  assert.equal(statuses.at(-1), 'connecting');
  await clock.advance(1);
  assert.equal(statuses.at(-1), 'connect-failed');
  client.close();
});

test('reconnect spacing follows the app state; a server close waits for a task', async () => {
  const foreground = setup();
  openHealthy(foreground.transport.last);
  foreground.transport.last.close('error');
  // auto reconnect, foreground <1 min: 15 s after the previous attempt (at 0)
  await foreground.clock.advance(14_999);
  assert.equal(foreground.transport.connections.length, 1);
  await foreground.clock.advance(1);
  assert.equal(foreground.transport.connections.length, 2);
  foreground.client.close();

  const background = setup({ appState: 'background' });
  openHealthy(background.transport.last);
  await background.clock.advance(1_000);
  background.transport.last.close('error');
  await background.clock.advance(298_999);
  assert.equal(background.transport.connections.length, 1);
  await background.clock.advance(1);
  assert.equal(background.transport.connections.length, 2);
  background.client.close();

  const kicked = setup();
  openHealthy(kicked.transport.last);
  kicked.transport.last.close('peer-closed');
  await kicked.clock.advance(3_600_000);
  assert.equal(kicked.transport.connections.length, 1);
  track(kicked.client.startTask({ cmdid: 3, body: new Uint8Array(0), channel: 'long' }).promise);
  assert.equal(kicked.transport.connections.length, 2);
  kicked.client.close();
});

test('staggered connect: the next address starts 2.5 s later and the first to open wins', async () => {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const statuses: LongLinkStatus[] = [];
  const client = createLinkClient({
    longLink: { addresses: ['a:1', 'b:1', 'c:1'], transport },
    clock,
    random: () => 0,
    hooks: { onLinkStatus: (s) => statuses.push(s) },
  });
  const a = transport.last;
  assert.equal(a.address, 'a:1');
  await clock.advance(2_499);
  assert.equal(transport.connections.length, 1);
  await clock.advance(1);
  const b = transport.last;
  assert.equal(b.address, 'b:1');
  await clock.advance(500);
  openHealthy(b);
  assert.ok(a.closedByClient, 'the slower candidate is dropped');
  await clock.advance(10_000);
  assert.equal(transport.connections.length, 2, 'no third candidate after a winner');
  assert.equal(statuses.at(-1), 'connected');
  client.close();
});

test('when every address fails the link reports connect-failed with a dial error', async () => {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const errors: string[] = [];
  const client = createLinkClient({
    longLink: { addresses: ['a:1', 'b:1'], transport },
    clock,
    random: () => 0,
    hooks: { onLinkStatus: (s, e) => errors.push(`${s} ${e?.code ?? ''}`) },
  });
  transport.last.close('connect-failed', 'refused');
  await clock.advance(2_500);
  transport.last.close('connect-failed', 'refused');
  assert.deepEqual(errors, ['connecting ', 'connect-failed dial']);
  client.close();
});

test('a WebSocket message that is not exactly one frame breaks the link', async () => {
  const clock = new FakeClock();
  const transport = new FakeTransport('message');
  const client = createLinkClient({ longLink: { addresses: ['ws://gw/link'], transport }, clock, random: () => 0 });
  openHealthy(transport.last);
  const task = client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 0 });
  const t = track(task.promise);
  const packer = marsPacker();
  const one = packer.encode({ cmdid: 3, seq: task.id, body: new Uint8Array(0) });
  const two = new Uint8Array([...one, ...one]);
  transport.last.deliverBytes(two);
  await clock.advance(0);
  assert.equal(t.error?.code, 'socket');
  assert.equal(t.error?.errCode, -10504);
  client.close();
});

test('local rejections: bad parameters, no channel, no network, anti-avalanche, closed client', async () => {
  const { clock, transport, client } = setup({ network: { available: false, type: 'wifi' } });
  const errors = async (p: Promise<Uint8Array>) => {
    const t = track(p);
    await clock.advance(0);
    return `${t.error?.code} ${t.error?.errCode}`;
  };
  assert.equal(await errors(client.startTask({ cmdid: 3, body: new Uint8Array(0), retryCount: 31 }).promise), 'local -12');
  assert.equal(await errors(client.startTask({ cmdid: 0xffffff00, body: new Uint8Array(0) }).promise), 'local -12');
  assert.equal(await errors(client.startTask({ cgi: '/link/x', body: new Uint8Array(0) }).promise), 'local -5');
  assert.equal(await errors(client.startTask({ cmdid: 3, body: new Uint8Array(0), networkStatusSensitive: true }).promise), 'local -6');
  openHealthy(transport.last);
  const results = [];
  for (let i = 0; i < 106; i++) results.push(track(client.startTask({ cmdid: 3, body: utf8.encode('same'), sendOnly: true }).promise));
  await clock.advance(0);
  assert.equal(results.filter((r) => r.value).length, 105);
  assert.equal(results[105].error?.errCode, -4);
  const pending = track(client.startTask({ cmdid: 5, body: new Uint8Array(0) }).promise);
  client.close();
  await clock.advance(0);
  assert.equal(`${pending.error?.code} ${pending.error?.errCode}`, 'local -9');
  assert.equal(await errors(client.startTask({ cmdid: 3, body: new Uint8Array(0) }).promise), 'local -9');
});

test('short-link HTTP errors are retried within the retry count, then reported with the status', async () => {
  let calls = 0;
  const { clock, client } = setup({
    longLink: undefined,
    shortResponder: () => (++calls === 1 ? new Response('busy', { status: 502 }) : new Response('fine')),
  });
  const retried = track(client.startTask({ cgi: '/link/a', body: new Uint8Array(0) }).promise);
  await clock.advance(0);
  assert.equal(retried.settled, false);
  await clock.advance(1_000);
  assert.equal(text(retried.value), 'fine');
  assert.equal(calls, 2);
  const exhausted = setup({ longLink: undefined, shortResponder: () => new Response('', { status: 503 }) });
  const failed = track(exhausted.client.startTask({ cgi: '/link/a', body: new Uint8Array(0), retryCount: 0 }).promise);
  await exhausted.clock.advance(0);
  assert.equal(`${failed.error?.code} ${failed.error?.errCode}`, 'http 503');
  client.close();
  exhausted.client.close();
});

test('a short-link response that never arrives times out at the first-packet deadline', async () => {
  let aborted = false;
  const clock = new FakeClock();
  const client = createLinkClient({
    clock,
    shortLink: {
      baseUrl: 'http://gw',
      fetch: (_url, init) =>
        new Promise<Response>((_, reject) => {
          init.signal.addEventListener('abort', () => {
            aborted = true;
            reject(init.signal.reason);
          });
        }),
    },
  });
  const t = track(client.startTask({ cgi: '/link/slow', body: new Uint8Array(0), retryCount: 0 }).promise);
  await clock.advance(11_999);
  assert.equal(t.settled, false);
  await clock.advance(1);
  assert.equal(`${t.error?.code} ${t.error?.errType} ${t.error?.errCode}`, 'timeout 5 -500');
  assert.ok(aborted, 'the HTTP request is aborted');
  client.close();
});
