import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { decodeTaskErrorBody } from '@livelink/link';
import { createGateway } from '../src/index.ts';
import { startGateway, tcpClient, text, str, within } from './helpers.ts';

const SEND_MESSAGE = 3;

function post(port: number, path: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
}

test('POST /link/{cgi} with X-Link-Cmdid runs the task and answers 200 with the response body', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.handle(SEND_MESSAGE, (ctx) => text(`${ctx.channel} ${ctx.clientId} ${ctx.seq} ${str(ctx.body)}`));
  const res = await post(g.httpPort, '/link/sendmsg', 'hello', { 'x-link-cmdid': '3', 'x-link-seq': '1', 'x-link-client': 'c3f1a9d07b2e4f58' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.equal(await res.text(), 'short c3f1a9d07b2e4f58 1 hello');
});

test('a cgi route table gives the cmdid when the header is absent', async (t) => {
  const g = await startGateway({ shortLinkRoutes: { '/link/mars/sendmessage': SEND_MESSAGE } });
  t.after(() => g.stop());
  g.gateway.handle(SEND_MESSAGE, (ctx) => ctx.body);
  const res = await post(g.httpPort, '/link/mars/sendmessage?x=1', 'routed');
  assert.deepEqual([res.status, await res.text()], [200, 'routed']);
  const unknown = await post(g.httpPort, '/link/mars/other', 'x');
  assert.equal(unknown.status, 422);
  assert.equal(unknown.headers.get('x-link-error'), 'task');
  assert.equal(decodeTaskErrorBody(new Uint8Array(await unknown.arrayBuffer())).code, 404);
});

test('task errors are 422 + X-Link-Error: task + JSON; bad headers and oversize bodies too', async (t) => {
  const g = await startGateway({ maxFrameBytes: 1_024, maxQueueBytes: 4_096 });
  t.after(() => g.stop());
  g.gateway.handle(SEND_MESSAGE, (ctx) => ctx.body);
  const codeOf = async (res: Response) => {
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('x-link-error'), 'task');
    assert.equal(res.headers.get('access-control-expose-headers'), 'x-link-error');
    return decodeTaskErrorBody(new Uint8Array(await res.arrayBuffer())).code;
  };
  assert.equal(await codeOf(await post(g.httpPort, '/link/x', 'a', { 'x-link-cmdid': '77' })), 404);
  assert.equal(await codeOf(await post(g.httpPort, '/link/x', 'a', { 'x-link-cmdid': 'three' })), 400);
  assert.equal(await codeOf(await post(g.httpPort, '/link/x', 'a', { 'x-link-cmdid': String(0xffffff01) })), 400);
  assert.equal(await codeOf(await post(g.httpPort, '/link/x', 'a', { 'x-link-cmdid': '3', 'x-link-seq': '1', 'x-link-client': 'bad id!' })), 400);
  assert.equal(await codeOf(await post(g.httpPort, '/link/x', 'x'.repeat(2_000), { 'x-link-cmdid': '3' })), 413);
  const ok = await post(g.httpPort, '/link/x', 'x'.repeat(1_000), { 'x-link-cmdid': '3' });
  assert.equal((await ok.text()).length, 1_000);
});

test('CORS preflight, wrong methods and the bare WebSocket path', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  const preflight = await fetch(`http://127.0.0.1:${g.httpPort}/link/sendmsg`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-link-cmdid.*x-link-seq.*x-link-client/);
  assert.equal((await fetch(`http://127.0.0.1:${g.httpPort}/link/sendmsg`)).status, 405);
  assert.equal((await fetch(`http://127.0.0.1:${g.httpPort}/link`)).status, 426);
});

test('on a shared server the link claims only its own paths, for requests and upgrades', async (t) => {
  const gateway = createGateway({ log: () => {} });
  gateway.handle(SEND_MESSAGE, (ctx) => ctx.body);
  const link = gateway.httpHandlers({ path: '/link' });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (link.handleRequest(req, res)) return;
    res.writeHead(200).end(`media:${req.url}`);
  });
  const otherUpgrades: string[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (link.handleUpgrade(req, socket, head)) return;
    otherUpgrades.push(req.url ?? '');
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    await gateway.close({ drainMs: 10 });
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const port = (server.address() as AddressInfo).port;
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/live/stream.flv`)).text(), 'media:/live/stream.flv');
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/linkage`)).text(), 'media:/linkage');
  assert.equal(await (await post(port, '/link/echo', 'mine', { 'x-link-cmdid': '3' })).text(), 'mine');

  const foreign = new WebSocket(`ws://127.0.0.1:${port}/live/ws`);
  foreign.on('error', () => {});
  await within(new Promise((r) => foreign.once('close', r)), 2_000, 'foreign upgrade refused by its owner');
  assert.deepEqual(otherUpgrades, ['/live/ws']);
  const own = new WebSocket(`ws://127.0.0.1:${port}/link`);
  await within(new Promise((r) => own.once('open', r)), 2_000, 'link upgrade');
  own.terminate();
});

test('a task retried over HTTP after the long link broke runs once (same client id and seq)', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  let runs = 0;
  g.gateway.handle(SEND_MESSAGE, async (ctx) => {
    runs++;
    await new Promise((r) => setTimeout(r, 30));
    return text(`stored ${str(ctx.body)} ${ctx.channel}`);
  });
  const c = await tcpClient(g.tcpPort, { hello: 'roaming-client' });
  c.send({ cmdid: SEND_MESSAGE, seq: 41, body: text('first') });
  c.close(); // the link breaks before the answer arrives
  const retry = await post(g.httpPort, '/link/sendmsg', 'first', { 'x-link-cmdid': '3', 'x-link-seq': '41', 'x-link-client': 'roaming-client' });
  assert.equal(await retry.text(), 'stored first long');
  assert.equal(runs, 1);
  assert.equal(g.gateway.metrics.tasksReplayed, 1);
});
