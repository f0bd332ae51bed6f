// The gateway's WebSocket carrier byte by byte: a raw TCP client writes the handshake and
// masked frames itself and reads the server's frames, so every control frame and every
// close step is visible (the ws and browser clients in the other tests hide them).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { IDENTIFY_SEQ, TASK_ERROR_CMDID } from '@livelink/link';
import { TaskError, type GatewayOptions } from '../src/index.ts';
import { startGateway, tcpClient, packer, text, str, within, eventually, sleep } from './helpers.ts';

const ECHO = 3;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** A client frame: FIN set, masked with a fixed key (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Uint8Array | readonly number[], options: { fin?: boolean; masked?: boolean } = {}): Buffer {
  const key = [0x11, 0x22, 0x33, 0x44];
  const length = payload.length;
  const first = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  const mask = (options.masked ?? true) ? 0x80 : 0;
  const header = length < 126 ? [first, mask | length] : [first, mask | 126, length >> 8, length & 0xff];
  const body = Array.from(payload, (b, i) => (mask ? b ^ key[i % 4] : b));
  return Buffer.from([...header, ...(mask ? key : []), ...body]);
}

const closePayload = (code: number, reason = '') => [code >> 8, code & 0xff, ...Buffer.from(reason)];

interface RawWs {
  socket: Socket;
  /** Status line and headers of the server's answer. */
  response: string;
  frames: ServerFrame[];
  /** Resolves with the next server frame of `opcode`. */
  next(opcode: number, timeoutMs?: number): Promise<ServerFrame>;
  /** The server ended its side of the TCP connection. */
  ended: Promise<void>;
  closed: Promise<void>;
}

function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const all = { Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13', ...headers };
  return `GET /link HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** Connects, writes the handshake (plus `head`, in the same write) and reads the answer. */
async function rawWs(port: number, options: { headers?: Record<string, string>; head?: Buffer } = {}): Promise<RawWs> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(Buffer.concat([Buffer.from(upgradeRequest(port, options.headers)), options.head ?? Buffer.alloc(0)]));
  const ended = new Promise<void>((resolve) => socket.once('end', resolve));
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));
  const frames: ServerFrame[] = [];
  const waiters: { opcode: number; resolve: (f: ServerFrame) => void }[] = [];
  let response: string | undefined;
  let onResponse!: () => void;
  const responded = new Promise<void>((resolve) => (onResponse = resolve));
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (response === undefined) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      response = buffered.subarray(0, end).toString('latin1');
      buffered = buffered.subarray(end + 4);
      onResponse();
    }
    if (!response.startsWith('HTTP/1.1 101 ')) return; // a refusal's body is not frames
    for (;;) {
      if (buffered.length < 2) return;
      assert.equal(buffered[1] & 0x80, 0, 'server frames are not masked');
      let length = buffered[1] & 0x7f;
      let at = 2;
      if (length === 126) [length, at] = [buffered.readUInt16BE(2), 4];
      else if (length === 127) [length, at] = [Number(buffered.readBigUInt64BE(2)), 10];
      if (buffered.length < at + length) return;
      const frame = { opcode: buffered[0] & 0x0f, payload: Buffer.from(buffered.subarray(at, at + length)) };
      assert.equal(buffered[0] & 0xf0, 0x80, 'every server frame is final, without reserved bits');
      buffered = buffered.subarray(at + length);
      const waiter = waiters.findIndex((w) => w.opcode === frame.opcode);
      if (waiter === -1) frames.push(frame);
      else waiters.splice(waiter, 1)[0].resolve(frame);
    }
  });
  await within(Promise.race([responded, closed]), 2_000, 'handshake answer');
  return {
    socket,
    response: response ?? '',
    frames,
    next(opcode, timeoutMs = 2_000) {
      const index = frames.findIndex((f) => f.opcode === opcode);
      if (index !== -1) return Promise.resolve(frames.splice(index, 1)[0]);
      return within(new Promise((resolve) => waiters.push({ opcode, resolve })), timeoutMs, `server frame 0x${opcode.toString(16)}`);
    },
    ended,
    closed,
  };
}

const closeCodeOf = (frame: ServerFrame) => frame.payload.readUInt16BE(0);

async function gateway(t: { after: (fn: () => Promise<void>) => void }, options: GatewayOptions = {}) {
  // Raw clients do not answer the shutdown's close frame: keep the wait for them short.
  const g = await startGateway({ closeGraceMs: 100, ...options });
  t.after(() => g.stop());
  g.gateway.handle(ECHO, (ctx) => ctx.body);
  return g;
}

test('the RFC 6455 §1.3 key gets its accept value; offered subprotocols and extensions are declined', async (t) => {
  const g = await gateway(t);
  const c = await rawWs(g.httpPort, { headers: { 'Sec-WebSocket-Protocol': 'chat', 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } });
  const [status, ...headers] = c.response.split('\r\n');
  assert.equal(status, 'HTTP/1.1 101 Switching Protocols');
  assert.deepEqual(headers.sort(), ['Connection: Upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'Upgrade: websocket']);
  c.socket.write(clientFrame(2, packer.encode({ cmdid: ECHO, seq: 1, body: text('raw') })));
  const [answer] = packer.createDecoder().push((await c.next(2)).payload);
  assert.deepEqual([answer.seq, str(answer.body)], [1, 'raw']);
  assert.equal(g.gateway.metrics.wsConnections, 1);
});

test('a refused upgrade gets a plain 400 or 426 and the connection closes; no link is made', async (t) => {
  const g = await gateway(t);
  const version = await rawWs(g.httpPort, { headers: { 'Sec-WebSocket-Version': '8' } });
  assert.match(version.response, /^HTTP\/1\.1 426 Upgrade Required\r\n[\s\S]*Sec-WebSocket-Version: 13/);
  const key = await rawWs(g.httpPort, { headers: { 'Sec-WebSocket-Key': 'short' } });
  assert.match(key.response, /^HTTP\/1\.1 400 Bad Request\r\n/);
  await within(Promise.all([version.closed, key.closed]), 2_000, 'refused connections to close');
  assert.equal(g.gateway.metrics.wsConnections, 0);
  assert.ok(g.logs.some((l) => l.message === 'websocket upgrade refused' && l.fields?.code === 'bad-version'));
});

test('frames sent with the handshake (the upgrade head) are read, and a ping among them is answered', async (t) => {
  const g = await gateway(t);
  const head = Buffer.concat([
    clientFrame(2, packer.encode({ cmdid: ECHO, seq: 7, body: text('early') })),
    clientFrame(9, [...Buffer.from('Hello')]),
  ]);
  const c = await rawWs(g.httpPort, { head });
  const [answer] = packer.createDecoder().push((await c.next(2)).payload);
  assert.deepEqual([answer.seq, str(answer.body)], [7, 'early']);
  assert.equal((await c.next(0xa)).payload.toString(), 'Hello', 'the pong carries the ping payload');
});

test('a fragmented message written one byte at a time is one link frame', async (t) => {
  const g = await gateway(t);
  const c = await rawWs(g.httpPort);
  const frame = packer.encode({ cmdid: ECHO, seq: 2, body: text('in pieces') });
  const bytes = Buffer.concat([clientFrame(2, frame.subarray(0, 10), { fin: false }), clientFrame(9, []), clientFrame(0, frame.subarray(10))]);
  for (const byte of bytes) {
    c.socket.write(Uint8Array.of(byte));
    await sleep(0);
  }
  const [answer] = packer.createDecoder().push((await c.next(2)).payload);
  assert.equal(str(answer.body), 'in pieces');
  assert.equal((await c.next(0xa)).payload.length, 0);
});

test('a client close is echoed with its code, then the server ends the TCP connection', async (t) => {
  const g = await gateway(t);
  const c = await rawWs(g.httpPort);
  c.socket.write(clientFrame(8, closePayload(4001, 'leaving')));
  const close = await c.next(8);
  assert.equal(closeCodeOf(close), 4001);
  await within(c.ended, 2_000, 'server FIN');
  c.socket.end();
  await within(c.closed, 2_000, 'close');
  await eventually(() => g.gateway.metrics.wsConnections === 0, 'link released');
  // A close without a code is answered with an empty close (1005 never goes on the wire).
  const bare = await rawWs(g.httpPort);
  bare.socket.write(clientFrame(8, []));
  assert.equal((await bare.next(8)).payload.length, 0);
});

test('a gateway close waits for the client\'s close frame, and no frame follows its own', async (t) => {
  const g = await gateway(t);
  g.gateway.onIdentify(() => {
    throw new TaskError(401, 'no entry');
  });
  const c = await rawWs(g.httpPort);
  c.socket.write(clientFrame(2, packer.encode({ cmdid: 1, seq: IDENTIFY_SEQ, body: text('token') })));
  const [refusal] = packer.createDecoder().push((await c.next(2)).payload);
  assert.equal(refusal.cmdid, TASK_ERROR_CMDID);
  const close = await c.next(8);
  assert.equal(closeCodeOf(close), 1008);
  assert.equal(close.payload.subarray(2).toString(), 'identify rejected');
  // Neither a ping's pong nor a push may follow: the server has said goodbye.
  c.socket.write(clientFrame(9, [1]));
  assert.equal(g.gateway.pushToConnection(1, 10001, text('too late')), false);
  await sleep(50);
  assert.equal(c.frames.length, 0, 'nothing after the close frame');
  let ended = false;
  void c.ended.then(() => (ended = true));
  await sleep(20);
  assert.equal(ended, false, 'the server waits for the client to answer the close');
  c.socket.write(clientFrame(8, closePayload(1008)));
  await within(c.ended, 2_000, 'server FIN after the client close');
  assert.equal(c.frames.length, 0);
});

test('a client that never answers the close is dropped after the close grace (timer wheel)', async (t) => {
  const g = await gateway(t, { closeGraceMs: 100, tickMs: 10 });
  g.gateway.onIdentify(() => {
    throw new Error('refused');
  });
  const c = await rawWs(g.httpPort);
  c.socket.write(clientFrame(2, packer.encode({ cmdid: 1, seq: IDENTIFY_SEQ, body: text('x') })));
  await c.next(8);
  await within(c.closed, 1_000, 'destroy after the grace');
  await eventually(() => g.gateway.metrics.wsConnections === 0, 'link released');
});

test('WebSocket protocol errors get a close frame with their code, then the server ends the connection at once', async (t) => {
  const g = await gateway(t, { maxFrameBytes: 4_096, maxQueueBytes: 8_192 });
  const witness = await tcpClient(g.tcpPort);
  const cases: [string, Buffer, number][] = [
    ['unmasked', clientFrame(2, [1, 2, 3], { masked: false }), 1002],
    ['text', clientFrame(1, [...Buffer.from('hi')]), 1002],
    ['reserved bits', Buffer.from([0xc2, 0x80, 0, 0, 0, 0]), 1002],
    ['bad close code', clientFrame(8, closePayload(1005)), 1002],
    // Only the header: 5000 bytes claimed, none sent.
    ['oversize', Buffer.from([0x82, 0xfe, 0x13, 0x88, 1, 2, 3, 4]), 1009],
  ];
  for (const [what, bytes, code] of cases) {
    const c = await rawWs(g.httpPort);
    c.socket.write(bytes);
    assert.equal(closeCodeOf(await c.next(8)), code, what);
    // The byte stream cannot be parsed past the error, so no close answer is awaited.
    await within(c.ended, 1_000, `server FIN (${what})`);
  }
  assert.equal(g.gateway.metrics.protocolErrors, cases.length);
  assert.equal(str((await witness.request(ECHO, 1, text('alive'))).body), 'alive');
});

test('a link-level protocol error closes with 1002 and the usual close handshake', async (t) => {
  const g = await gateway(t);
  const c = await rawWs(g.httpPort);
  c.socket.write(clientFrame(2, [...Buffer.from('not a link frame: far too short')]));
  assert.equal(closeCodeOf(await c.next(8)), 1002);
  c.socket.write(clientFrame(8, closePayload(1002)));
  await within(c.ended, 1_000, 'server FIN after the client close');
  assert.equal(g.gateway.metrics.protocolErrors, 1);
});

test('shutdown sends close 1001 to WebSocket links and completes when they answer', async (t) => {
  const g = await startGateway();
  t.after(() => g.http.close());
  const c = await rawWs(g.httpPort);
  await eventually(() => g.gateway.metrics.wsConnections === 1, 'link open');
  const closing = g.gateway.close({ drainMs: 100 });
  assert.equal(closeCodeOf(await c.next(8)), 1001);
  c.socket.write(clientFrame(8, closePayload(1001)));
  await within(closing, 1_000, 'close() after the client answered');
  await within(c.ended, 1_000, 'server FIN');
});

test('fuzz: random and mutated client frames never take the gateway down or leak links', async (t) => {
  const g = await gateway(t, { maxFrameBytes: 4_096, maxQueueBytes: 8_192 });
  const witness = await tcpClient(g.tcpPort);
  const valid = Buffer.concat([clientFrame(2, packer.encode({ cmdid: ECHO, seq: 5, body: text('payload') })), clientFrame(9, [1, 2])]);
  const streams = fc.sample(
    fc.oneof(
      fc.array(fc.uint8Array({ maxLength: 100, size: 'max' }), { minLength: 1, maxLength: 4 }),
      fc
        .tuple(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(valid.length))
        .map(([flips, cut]) => {
          const bytes = Buffer.from(valid);
          for (const [at, value] of flips) bytes[at] = value;
          return [bytes.subarray(0, cut), bytes.subarray(cut)];
        }),
    ),
    { numRuns: 60, seed: 7 },
  );
  await within(
    Promise.all(
      streams.map(async (chunks) => {
        const c = await rawWs(g.httpPort);
        for (const chunk of chunks) c.socket.write(chunk);
        c.socket.end();
        await c.closed;
      }),
    ),
    10_000,
    'all fuzz links to finish',
  );
  await eventually(() => g.gateway.metrics.wsConnections === 0, 'fuzz links released', 5_000);
  assert.equal(str((await witness.request(ECHO, 1, text('ok'))).body), 'ok');
});
