// Issue 3 acceptance 1 (Node side): a Node link client runs tasks and receives pushes
// through a running `livelink serve`, over the TCP long link, the WebSocket long link and
// the HTTP short link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkClient, type LinkClient } from '@livelink/link';
import { tcpTransport } from '@livelink/link/node';
import { startServe, type ServeProcess } from './support/serve-process.ts';
import { LinkServiceCmdids } from '../src/link-services.ts';

let serve: ServeProcess;
const clients: LinkClient[] = [];
before(async () => {
  serve = await startServe();
});
after(async () => {
  for (const client of clients) client.close();
  assert.equal(await serve.stop(), 0);
});

const utf8 = new TextEncoder();
const json = (value: unknown) => utf8.encode(JSON.stringify(value));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function client(carrier: 'tcp' | 'ws') {
  const pushes: string[] = [];
  const c = createLinkClient({
    longLink: carrier === 'tcp' ? { addresses: [`127.0.0.1:${serve.linkPort}`], transport: tcpTransport() } : { url: `ws://127.0.0.1:${serve.httpPort}/link` },
    shortLink: { baseUrl: `http://127.0.0.1:${serve.httpPort}` },
    hooks: { onPush: (cmdid, body) => pushes.push(`${cmdid} ${text(body)}`) },
  });
  clients.push(c);
  return { c, pushes };
}

for (const carrier of ['tcp', 'ws'] as const) {
  test(`request/response over the ${carrier} long link and the short link`, async () => {
    const { c } = client(carrier);
    const long = await c.startTask({ cmdid: LinkServiceCmdids.echo, body: utf8.encode(`hello over ${carrier}`), channel: 'long' }).promise;
    assert.equal(text(long), `hello over ${carrier}`);
    const short = await c.startTask({ cmdid: LinkServiceCmdids.echo, cgi: '/link/echo', body: utf8.encode('hello over http'), channel: 'short' }).promise;
    assert.equal(text(short), 'hello over http');
  });
}

test('pushes reach every long link in a room, TCP and WebSocket alike', async () => {
  const a = client('tcp');
  const b = client('ws');
  for (const { c } of [a, b]) await c.startTask({ cmdid: LinkServiceCmdids.joinRoom, body: json({ room: 'lobby' }), channel: 'long' }).promise;
  await a.c.startTask({ cmdid: LinkServiceCmdids.say, body: json({ room: 'lobby', text: 'hi all' }), channel: 'long' }).promise;
  const deadline = Date.now() + 5000;
  while ((a.pushes.length === 0 || b.pushes.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const { pushes } of [a, b]) {
    assert.equal(pushes.length, 1);
    assert.match(pushes[0], /^10001 \{"room":"lobby","from":".+","text":"hi all"\}$/);
  }
});
