import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeTaskErrorBody,
  TASK_ERROR_CMDID,
  IDENTIFY_SEQ,
  NOOP_CMDID,
  NOOP_SEQ,
  PUSH_SEQ,
  TaskErrorCodes,
} from '@livelink/link';
import { TaskError } from '../src/index.ts';
import { startGateway, tcpClient, wsClient, text, str, eventually, within, packer } from './helpers.ts';

const ECHO = 3;

test('request/response over TCP and WebSocket: same cmdid and seq, handler sees the task', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const seen: string[] = [];
  g.gateway.handle(ECHO, (ctx) => {
    seen.push(`${ctx.channel}:${ctx.connection?.transport}:${ctx.clientId}:${ctx.seq}`);
    return text(`echo ${str(ctx.body)}`);
  });
  const tcp = await tcpClient(g.tcpPort, { hello: 'tcp-client' });
  const ws = await wsClient(g.httpPort, { hello: 'ws-client' });
  const a = await tcp.request(ECHO, 1, text('hello'));
  const b = await ws.request(ECHO, 9, text('hi'));
  assert.deepEqual([a.cmdid, a.seq, str(a.body)], [ECHO, 1, 'echo hello']);
  assert.deepEqual([b.cmdid, b.seq, str(b.body)], [ECHO, 9, 'echo hi']);
  assert.deepEqual(seen, ['long:tcp:tcp-client:1', 'long:ws:ws-client:9']);
  assert.equal(g.gateway.metrics.tasksExecuted, 2);
  assert.deepEqual([g.gateway.metrics.tcpConnections, g.gateway.metrics.wsConnections], [1, 1]);
});

test('answers come back in completion order, each with its own seq', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.handle(ECHO, async (ctx) => {
    await new Promise((r) => setTimeout(r, Number(str(ctx.body))));
    return ctx.body;
  });
  const c = await tcpClient(g.tcpPort);
  const slow = c.request(ECHO, 1, text('80'));
  const fast = c.request(ECHO, 2, text('1'));
  await fast;
  assert.equal(c.frames.length, 0, 'slow answer must not have arrived before the fast one');
  assert.equal(str((await slow).body), '80');
});

test('send-only tasks run but are not answered; returning nothing answers an empty body', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const got: string[] = [];
  g.gateway.handle(20, (ctx) => void got.push(str(ctx.body)), { sendOnly: true });
  g.gateway.handle(21, () => undefined);
  const c = await tcpClient(g.tcpPort);
  c.send({ cmdid: 20, seq: 1, body: text('fire') });
  const empty = await c.request(21, 2, text(''));
  assert.deepEqual([empty.cmdid, empty.seq, empty.body.byteLength], [21, 2, 0]);
  await eventually(() => got.length === 1, 'send-only handler');
  assert.deepEqual(got, ['fire']);
  assert.equal(c.frames.filter((f) => f.seq === 1).length, 0);
});

test('noop is echoed at once, carrying the client_version the client sent', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const c = await tcpClient(g.tcpPort);
  const noop = packer.encode({ cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: new Uint8Array(0), clientVersion: 0x1234 });
  c.sendBytes(noop);
  const echo = await c.next(NOOP_SEQ, NOOP_CMDID);
  assert.equal(echo.clientVersion, 0x1234);
  assert.deepEqual(packer.encode(echo), noop, 'echo is byte for byte');
});

test('every frame the gateway sends carries the latest client_version received', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const c = await tcpClient(g.tcpPort);
  c.sendBytes(packer.encode({ cmdid: ECHO, seq: 1, body: text('a'), clientVersion: 777 }));
  assert.equal((await c.next(1)).clientVersion, 777);
  c.sendBytes(packer.encode({ cmdid: ECHO, seq: 2, body: text('b'), clientVersion: 778 }));
  assert.equal((await c.next(2)).clientVersion, 778);
});

test('task errors: unknown cmdid 404, TaskError keeps its code, other throws are 500 without the message', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.handle(30, () => {
    throw new TaskError(TaskErrorCodes.badRequest, 'missing recipient');
  });
  g.gateway.handle(31, () => {
    throw new Error('database password is hunter2');
  });
  const c = await tcpClient(g.tcpPort);
  const errorOf = async (cmdid: number, seq: number) => {
    const f = await c.request(cmdid, seq, text(''));
    assert.equal(f.cmdid, TASK_ERROR_CMDID);
    return decodeTaskErrorBody(f.body);
  };
  assert.deepEqual(await errorOf(99, 1), { code: 404, message: 'no handler for cmdid 99' });
  assert.deepEqual(await errorOf(30, 2), { code: 400, message: 'missing recipient' });
  const hidden = await errorOf(31, 3);
  assert.equal(hidden.code, 500);
  assert.doesNotMatch(hidden.message, /hunter2/);
  assert.ok(g.logs.some((l) => l.level === 'error' && String(l.fields?.error).includes('hunter2')), 'the real error is logged');
});

test('identify binds the link to a user; pushToUser reaches all of that user\'s links on both carriers', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.onIdentify(({ body }) => {
    const token = str(body);
    if (!token.startsWith('token-')) throw new Error('bad token');
    return { userId: token.slice('token-'.length), reply: text('welcome') };
  });
  g.gateway.handle(ECHO, (ctx) => text(`${ctx.userId}`));
  const aliceTcp = await tcpClient(g.tcpPort, { hello: 'a1' });
  const aliceWs = await wsClient(g.httpPort, { hello: 'a2' });
  const bob = await tcpClient(g.tcpPort, { hello: 'b1' });
  for (const [c, user] of [[aliceTcp, 'alice'], [aliceWs, 'alice'], [bob, 'bob']] as const) {
    c.send({ cmdid: 1, seq: IDENTIFY_SEQ, body: text(`token-${user}`) });
    const answer = await c.next(IDENTIFY_SEQ, 1);
    assert.equal(str(answer.body), 'welcome');
  }
  assert.equal(g.gateway.metrics.users, 2);
  assert.equal(str((await aliceWs.request(ECHO, 5, text(''))).body), 'alice');

  g.gateway.pushToUser('alice', 10001, text('for alice'));
  const pushes = await Promise.all([aliceTcp.next(PUSH_SEQ, 10001), aliceWs.next(PUSH_SEQ, 10001)]);
  assert.deepEqual(pushes.map((p) => str(p.body)), ['for alice', 'for alice']);
  g.gateway.pushToUser('bob', 10001, text('for bob'));
  assert.equal(str((await bob.next(PUSH_SEQ, 10001)).body), 'for bob');
  assert.equal(aliceTcp.frames.filter((f) => f.seq === PUSH_SEQ).length, 0, 'alice did not get bob\'s push');
  assert.equal(g.gateway.metrics.pushesDelivered, 3);

  aliceTcp.close();
  await eventually(() => g.gateway.metrics.tcpConnections === 1, 'alice tcp link gone');
  g.gateway.pushToUser('alice', 10001, text('again'));
  assert.equal(str((await aliceWs.next(PUSH_SEQ, 10001)).body), 'again');
});

test('tasks before identify get 401; a refused identify gets a task error and the link closes', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.onIdentify(({ body }) => {
    if (str(body) !== 'good') throw new TaskError(TaskErrorCodes.notIdentified, 'token expired');
    return { userId: 'u' };
  });
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const c = await tcpClient(g.tcpPort);
  const early = await c.request(ECHO, 1, text('x'));
  assert.deepEqual([early.cmdid, decodeTaskErrorBody(early.body).code], [TASK_ERROR_CMDID, 401]);
  c.send({ cmdid: 1, seq: IDENTIFY_SEQ, body: text('bad') });
  const refusal = await c.next(IDENTIFY_SEQ, TASK_ERROR_CMDID);
  assert.deepEqual(decodeTaskErrorBody(refusal.body), { code: 401, message: 'token expired' });
  await within(c.closed, 2_000, 'link close after refused identify');

  const ok = await tcpClient(g.tcpPort);
  ok.send({ cmdid: 1, seq: IDENTIFY_SEQ, body: text('good') });
  await ok.next(IDENTIFY_SEQ, 1);
  assert.equal(str((await ok.request(ECHO, 1, text('after'))).body), 'after');
});

test('without an identify handler an identify frame is simply accepted', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const c = await tcpClient(g.tcpPort);
  c.send({ cmdid: 42, seq: IDENTIFY_SEQ, body: text('whatever') });
  const answer = await c.next(IDENTIFY_SEQ);
  assert.deepEqual([answer.cmdid, answer.body.byteLength], [42, 0]);
});

test('group push reaches members only; leave and disconnect stop it', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const ids: number[] = [];
  g.gateway.handle(50, (ctx) => {
    ids.push(ctx.connection!.id);
    g.gateway.join(ctx.connection!.id, str(ctx.body));
  });
  const members = [await tcpClient(g.tcpPort), await wsClient(g.httpPort), await tcpClient(g.tcpPort)];
  const outsider = await tcpClient(g.tcpPort);
  for (const [i, c] of members.entries()) await c.request(50, i + 1, text('room-1'));
  assert.equal(g.gateway.metrics.groups, 1);
  g.gateway.pushToGroup('room-1', 7000, text('hello room'));
  for (const c of members) assert.equal(str((await c.next(PUSH_SEQ, 7000)).body), 'hello room');

  assert.equal(g.gateway.leave(ids[0], 'room-1'), true);
  assert.equal(g.gateway.leave(ids[0], 'room-1'), false);
  assert.equal(g.gateway.disconnect(ids[1], 'test kick'), true);
  await within(members[1].closed, 2_000, 'kicked link close');
  g.gateway.pushToGroup('room-1', 7000, text('second'));
  assert.equal(str((await members[2].next(PUSH_SEQ, 7000)).body), 'second');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(members[0].frames.length, 0);
  assert.equal(outsider.frames.length, 0);
  assert.equal(g.gateway.pushToConnection(ids[2], 7001, text('direct')), true);
  assert.equal(str((await members[2].next(PUSH_SEQ, 7001)).body), 'direct');
  assert.equal(g.gateway.pushToConnection(999_999, 7001, text('nobody')), false);
});

test('too many concurrent tasks on one link are answered 429', async (t) => {
  const g = await startGateway({ maxTasksPerConnection: 2 });
  t.after(() => g.stop());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  g.gateway.handle(ECHO, async (ctx) => {
    await gate;
    return ctx.body;
  });
  const c = await tcpClient(g.tcpPort);
  const first = c.request(ECHO, 1, text('1'));
  const second = c.request(ECHO, 2, text('2'));
  const third = await c.request(ECHO, 3, text('3'));
  assert.equal(decodeTaskErrorBody(third.body).code, 429);
  release();
  assert.deepEqual([str((await first).body), str((await second).body)], ['1', '2']);
});

test('a client_version outside the configured range closes that link only', async (t) => {
  const g = await startGateway({ clientVersions: { min: 200, max: 299 } });
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const old = await tcpClient(g.tcpPort);
  const current = await tcpClient(g.tcpPort);
  old.sendBytes(packer.encode({ cmdid: ECHO, seq: 1, body: text('x'), clientVersion: 100 }));
  await within(old.closed, 2_000, 'close of the old client');
  assert.equal(str((await current.request(ECHO, 1, text('still here'))).body), 'still here');
  assert.ok(g.logs.some((l) => l.message.includes('client-version-rejected')));
});
