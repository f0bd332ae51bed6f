// The browser carrier against a real WebSocket server (ws) on 127.0.0.1: one binary message per
// frame, hello first, noops echoed, responses matched by seq, pushes delivered.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer, type RawData } from 'ws';
import { createLinkClient, decodeHelloBody, HELLO_CMDID, isNoop, marsPacker, type LinkFrame } from '../src/index.ts';

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('tasks and pushes over the WebSocket long link', async () => {
  const packer = marsPacker();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const seen: string[] = [];
  server.on('connection', (ws) => {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      assert.ok(isBinary);
      const [frame] = packer.createDecoder().push(new Uint8Array(data as Buffer));
      const reply = (f: LinkFrame) => ws.send(packer.encode(f));
      if (frame.cmdid === HELLO_CMDID) {
        seen.push(`hello ${decodeHelloBody(frame.body)}`);
        reply({ cmdid: 10001, seq: 0, body: utf8.encode('welcome') });
      } else if (isNoop(frame)) {
        seen.push('noop');
        reply(frame);
      } else {
        seen.push(`task ${frame.seq}`);
        reply({ cmdid: frame.cmdid, seq: frame.seq, body: utf8.encode(`echo:${text(frame.body)}`) });
      }
    });
  });
  const { port } = server.address() as AddressInfo;
  const pushes: string[] = [];
  const client = createLinkClient({ longLink: { url: `ws://127.0.0.1:${port}/link` }, clientId: 'browser-1', hooks: { onPush: (_c, body) => pushes.push(text(body)) } });
  try {
    const answers = await Promise.all(['a', 'b', 'c'].map((m) => client.startTask({ cmdid: 7, body: utf8.encode(m), channel: 'long' }).promise));
    assert.deepEqual(answers.map(text), ['echo:a', 'echo:b', 'echo:c']);
    assert.deepEqual(seen.slice(0, 2), ['hello browser-1', 'noop']);
    assert.deepEqual(seen.slice(2).sort(), ['task 1', 'task 2', 'task 3']);
    assert.deepEqual(pushes, ['welcome']);
  } finally {
    client.close();
    for (const ws of server.clients) ws.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
