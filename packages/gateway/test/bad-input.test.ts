import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { HELLO_CMDID, PUSH_SEQ } from '@livelink/link';
import { startGateway, tcpClient, wsClient, text, str, within, eventually, packer } from './helpers.ts';

const ECHO = 3;

async function gatewayWithWitness(t: { after: (fn: () => Promise<void>) => void }, options = {}) {
  const g = await startGateway(options);
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  const witness = await tcpClient(g.tcpPort, { hello: 'witness' });
  return { g, witness };
}

test('garbage bytes close that link; another link keeps working', async (t) => {
  const { g, witness } = await gatewayWithWitness(t);
  const bad = await tcpClient(g.tcpPort);
  // head_length 0x47455420 ("GET ") is fine, but an HTTP request's body_length bytes make it far too large.
  bad.sendBytes(text('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
  await within(bad.closed, 2_000, 'close of the garbage link');
  assert.equal(str((await witness.request(ECHO, 1, text('alive'))).body), 'alive');
  assert.equal(g.gateway.metrics.protocolErrors, 1);
  assert.ok(g.logs.some((l) => l.level === 'warn' && l.fields?.reason === 'protocol'), 'the reason is logged');
});

test('a header below 20 bytes and an oversize frame close the link before any body is buffered', async (t) => {
  const { g, witness } = await gatewayWithWitness(t, { maxFrameBytes: 4_096, maxQueueBytes: 8_192 });
  const shortHeader = await tcpClient(g.tcpPort);
  const header = new Uint8Array(20);
  new DataView(header.buffer).setUint32(0, 16);
  shortHeader.sendBytes(header);
  await within(shortHeader.closed, 2_000, 'close on bad header length');

  const oversize = await tcpClient(g.tcpPort);
  const big = new Uint8Array(20);
  const view = new DataView(big.buffer);
  view.setUint32(0, 20);
  view.setUint32(16, 0x7fffffff); // claims 2 GiB; only the header is ever sent
  oversize.sendBytes(big);
  await within(oversize.closed, 2_000, 'close on oversize frame');
  assert.match(g.logs.map((l) => l.message).join('\n'), /bad-header-length[\s\S]*frame-too-large/);
  assert.equal(str((await witness.request(ECHO, 1, text('ok'))).body), 'ok');
});

test('a truncated frame followed by the client hanging up leaves nothing behind', async (t) => {
  const { g, witness } = await gatewayWithWitness(t);
  const before = g.gateway.metrics.tcpConnections;
  const partial = await tcpClient(g.tcpPort);
  partial.sendBytes(packer.encode({ cmdid: ECHO, seq: 1, body: text('cut short') }).subarray(0, 25));
  await eventually(() => g.gateway.metrics.tcpConnections === before + 1, 'partial link registered');
  partial.socket.end();
  await eventually(() => g.gateway.metrics.tcpConnections === before, 'partial link released');
  assert.equal(g.gateway.metrics.tasksExecuted, 0);
  assert.equal(str((await witness.request(ECHO, 2, text('ok'))).body), 'ok');
});

test('websocket: text messages, two frames in one message, and half a frame are protocol errors (close 1002)', async (t) => {
  const { g, witness } = await gatewayWithWitness(t);
  const codes: number[] = [];
  for (const payload of [
    'a text message',
    Buffer.concat([packer.encode({ cmdid: ECHO, seq: 1, body: text('a') }), packer.encode({ cmdid: ECHO, seq: 2, body: text('b') })]),
    Buffer.from(packer.encode({ cmdid: ECHO, seq: 1, body: text('abc') }).subarray(0, 22)),
  ]) {
    const c = await wsClient(g.httpPort);
    const closeCode = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send(payload);
    codes.push(await within(closeCode, 2_000, 'websocket close'));
  }
  assert.deepEqual(codes, [1002, 1002, 1002]);
  assert.equal(g.gateway.metrics.tasksExecuted, 0);
  assert.equal(str((await witness.request(ECHO, 1, text('ok'))).body), 'ok');
});

test('a client must not send pushes (seq 0) or link-control cmdids other than hello', async (t) => {
  const { g, witness } = await gatewayWithWitness(t);
  const pusher = await tcpClient(g.tcpPort);
  pusher.send({ cmdid: ECHO, seq: PUSH_SEQ, body: text('x') });
  await within(pusher.closed, 2_000, 'close on client push');
  const badHello = await tcpClient(g.tcpPort);
  badHello.send({ cmdid: HELLO_CMDID, seq: 0, body: text('not a valid id!') });
  await within(badHello.closed, 2_000, 'close on bad hello');
  const control = await tcpClient(g.tcpPort);
  control.send({ cmdid: 0xffffff00, seq: 5, body: text('{}') });
  await within(control.closed, 2_000, 'close on control cmdid');
  assert.equal(str((await witness.request(ECHO, 1, text('ok'))).body), 'ok');
});

test('fuzz: random byte streams and mutated frames never take the gateway down', async (t) => {
  const { g, witness } = await gatewayWithWitness(t, { maxFrameBytes: 64 * 1024, maxQueueBytes: 128 * 1024 });
  const valid = packer.encode({ cmdid: ECHO, seq: 9, body: text('payload') });
  const streams = fc.sample(
    fc.oneof(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
      // Valid frames with a few bytes flipped, split at random points.
      fc
        .tuple(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(valid.length))
        .map(([flips, cut]) => {
          const bytes = valid.slice();
          for (const [at, value] of flips) bytes[at] = value;
          return [bytes.subarray(0, cut), bytes.subarray(cut)];
        }),
    ),
    { numRuns: 120, seed: 42 },
  );
  const sockets = streams.map(
    (chunks) =>
      new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: g.tcpPort }, () => {
          for (const chunk of chunks) socket.write(chunk);
          socket.end();
        });
        socket.on('data', () => {});
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      }),
  );
  await within(Promise.all(sockets), 10_000, 'all fuzz links to finish');
  await eventually(() => g.gateway.metrics.tcpConnections === 1, 'fuzz links released');
  for (let seq = 1; seq <= 5; seq++) assert.equal(str((await witness.request(ECHO, seq, text(`ok ${seq}`))).body), `ok ${seq}`);
});
