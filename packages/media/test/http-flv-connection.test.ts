// HTTP-FLV on a connection taken from node:http: the wire format a viewer sees (status line,
// headers, FLV), that node:http's per-request objects are freed while the viewer watches, and
// every way a viewer's connection ends (hang-up, kick, publisher leaving, shutdown). And
// WebSocket-FLV: the same byte stream, whatever the message boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FlvDemuxer, TAG_TYPE_AUDIO, TAG_TYPE_VIDEO, type FlvTag } from '@livelink/flv';
import { MediaServer } from '../src/index.ts';
import type { LiveStream } from '../src/hub/live-stream.ts';
import type { Publisher } from '../src/hub/subscriber.ts';
import { WebSocket } from 'ws';
import { waitFor } from './support/peers.ts';

// FLV tag bodies as an H.264/AAC encoder sends them.
const avcSequenceHeader = Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe0]);
const keyframe = () => Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(200, 7)]);
const interframe = () => Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(80, 9)]);
const aacSequenceHeader = Buffer.from([0xaf, 0x00, 0x12, 0x10]);

interface Harness {
  media: MediaServer;
  port: number;
  /** Every request node:http handed over, held weakly: they must become collectable. */
  requests: Array<WeakRef<IncomingMessage | ServerResponse>>;
  publish(name: string): { stream: LiveStream; stop(): void };
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const media = new MediaServer({ config: {} });
  const requests: Harness['requests'] = [];
  const publishes = new Set<() => void>();
  const http = createServer((req, res) => {
    requests.push(new WeakRef(req), new WeakRef(res));
    if (!media.handleRequest(req, res)) res.writeHead(404).end();
  });
  http.on('upgrade', (req, socket, head) => {
    if (!media.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    media,
    port: (http.address() as AddressInfo).port,
    requests,
    publish(name) {
      const publisher: Publisher = { id: `pub-${name}`, protocol: 'rtmp', remoteAddress: '127.0.0.1:1', query: '', close() {} };
      const stream = media.hub.publish('live', name, publisher);
      stream.ingest('video', 0, avcSequenceHeader);
      stream.ingest('audio', 0, aacSequenceHeader);
      stream.ingest('video', 0, keyframe());
      const stop = () => {
        publishes.delete(stop);
        media.hub.unpublish(stream, publisher);
      };
      publishes.add(stop);
      return { stream, stop };
    },
    async close() {
      http.closeAllConnections();
      // What the RTMP server's close does to its publishers (these are not RTMP connections).
      for (const stop of publishes) stop();
      await Promise.all([media.close(), new Promise((resolve) => http.close(resolve))]);
    },
  };
}

/** A raw HTTP client: what it sent is exactly what the server parses, what it got is every byte. */
interface RawClient {
  socket: Socket;
  received(): Buffer;
  /** Resolves with the peer's FIN (true) or a reset/destroy without one (false). */
  ended: Promise<boolean>;
}

function rawRequest(port: number, request: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request);
      resolve({ socket, received: () => Buffer.concat(chunks), ended });
    });
    let sawEnd = false;
    const ended = new Promise<boolean>((done) => {
      socket.on('end', () => (sawEnd = true));
      socket.on('close', () => done(sawEnd));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
  });
}

/** HTTP-FLV players subscribed to live/{name} (the stream has other subscribers: HLS). */
function viewersOf(server: Harness, name: string): number {
  return [...(server.media.hub.get('live', name)?.subscribers ?? [])].filter((subscriber) => subscriber.protocol === 'flv').length;
}

const get = (path: string, method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** Splits a response at the blank line: status line, headers by lower-case name, body. */
function parseResponse(bytes: Buffer): { status: string; headers: Map<string, string>; body: Buffer } | null {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [status, ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status, headers, body: bytes.subarray(headEnd + 4) };
}

function flvTags(body: Buffer): FlvTag[] {
  return new FlvDemuxer().push(new Uint8Array(body));
}

const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

test('an HTTP-FLV viewer gets a plain 200 head, then FLV, and node:http lets go of its request', async () => {
  const server = await startHarness();
  const { stream } = server.publish('head');
  try {
    const viewer = await rawRequest(server.port, get('/live/head.flv'));
    await waitFor(() => flvTags(parseResponse(viewer.received())?.body ?? Buffer.alloc(0)).length >= 3, 5000, 'the sequence headers and keyframe');
    const response = parseResponse(viewer.received())!;
    assert.equal(response.status, 'HTTP/1.1 200 OK');
    assert.equal(response.headers.get('content-type'), 'video/x-flv');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('connection'), 'close');
    assert.ok(!Number.isNaN(Date.parse(response.headers.get('date') ?? '')), 'a Date header');
    assert.equal(response.headers.has('content-length'), false, 'the body runs until the connection closes');
    assert.equal(response.headers.has('transfer-encoding'), false, 'no chunked coding');
    assert.equal(response.body.subarray(0, 3).toString(), 'FLV');

    stream.ingest('video', 40, interframe());
    await waitFor(() => flvTags(parseResponse(viewer.received())!.body).length === 4, 5000, 'the next frame');
    const tags = flvTags(parseResponse(viewer.received())!.body);
    assert.deepEqual(tags.map((tag) => [tag.type, tag.timestamp]), [
      [TAG_TYPE_VIDEO, 0],
      [TAG_TYPE_AUDIO, 0],
      [TAG_TYPE_VIDEO, 0],
      [TAG_TYPE_VIDEO, 40],
    ]);
    assert.deepEqual(Buffer.from(tags[3].body), interframe());

    // What the heap snapshots showed each viewer costing: node:http's request, response (and parser).
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    assert.equal(server.requests.filter((ref) => ref.deref() !== undefined).length, 0, 'request and response collected while the viewer watches');
    assert.equal(server.media.clients.size, 1);
    viewer.socket.destroy();
  } finally {
    await server.close();
  }
});

test('a viewer hanging up, or shutting down its side, leaves the stream and the client list', async () => {
  const server = await startHarness();
  server.publish('leave');
  try {
    const first = await rawRequest(server.port, get('/live/leave.flv'));
    const second = await rawRequest(server.port, get('/live/leave.flv'));
    await waitFor(() => viewersOf(server, 'leave') === 2, 5000, 'two viewers');

    first.socket.destroy();
    await waitFor(() => viewersOf(server, 'leave') === 1 && server.media.clients.size === 1, 5000, 'the first viewer to leave');
    second.socket.end();
    await second.ended;
    await waitFor(() => viewersOf(server, 'leave') === 0 && server.media.clients.size === 0, 5000, 'the second viewer to leave');
  } finally {
    await server.close();
  }
});

test('kicking an HTTP-FLV viewer through the admin API closes its connection', async () => {
  const server = await startHarness();
  server.publish('kick');
  try {
    const viewer = await rawRequest(server.port, get('/live/kick.flv'));
    await waitFor(() => server.media.clients.size === 1, 5000, 'the viewer');
    const [client] = server.media.clients.all();
    assert.equal(client.protocol, 'flv');
    const kick = parseResponse((await exchange(server.port, get(`/api/v1/clients/${client.id}`, 'DELETE'))))!;
    assert.equal(kick.status, 'HTTP/1.1 200 OK');
    await viewer.ended;
    await waitFor(() => viewersOf(server, 'kick') === 0 && server.media.clients.size === 0, 5000, 'the player to leave');
  } finally {
    await server.close();
  }
});

test('when the publisher leaves, the viewer gets every tag and then the end of the response', async () => {
  const server = await startHarness();
  const { stream, stop } = server.publish('ends');
  try {
    const viewer = await rawRequest(server.port, get('/live/ends.flv'));
    await waitFor(() => viewersOf(server, 'ends') === 1, 5000, 'the viewer');
    stream.ingest('video', 40, interframe());
    stop();
    assert.equal(await viewer.ended, true, 'a graceful end');
    const tags = flvTags(parseResponse(viewer.received())!.body);
    assert.deepEqual(tags.map((tag) => tag.timestamp), [0, 0, 0, 40]);
    await waitFor(() => server.media.clients.size === 0, 5000, 'the player to leave');
  } finally {
    await server.close();
  }
});

test('shutting the server down ends HTTP-FLV viewers', async () => {
  const server = await startHarness();
  server.publish('shutdown');
  const viewer = await rawRequest(server.port, get('/live/shutdown.flv'));
  await waitFor(() => server.media.clients.size === 1, 5000, 'the viewer');
  // node:http's closeAllConnections() no longer reaches the viewer's connection: the publisher's
  // end does, and the server's close must not wait on it forever.
  await server.close();
  assert.equal(await viewer.ended, true);
});

test('HEAD answers with the viewer headers and no player; OPTIONS with CORS; refusals keep their reason', async () => {
  const server = await startHarness();
  server.publish('meta');
  try {
    const head = parseResponse(await exchange(server.port, get('/live/meta.flv', 'HEAD')))!;
    assert.equal(head.status, 'HTTP/1.1 200 OK');
    assert.equal(head.headers.get('content-type'), 'video/x-flv');
    assert.equal(head.headers.get('access-control-allow-origin'), '*');
    assert.equal(head.body.length, 0);
    assert.equal(server.media.clients.size, 0);

    const options = parseResponse(await exchange(server.port, get('/live/meta.flv', 'OPTIONS')))!;
    assert.equal(options.status, 'HTTP/1.1 204 No Content');
    assert.equal(options.headers.get('access-control-allow-origin'), '*');
    assert.match(options.headers.get('access-control-allow-methods') ?? '', /GET/);

    const missing = parseResponse(await exchange(server.port, get('/live/nobody.flv')))!;
    assert.equal(missing.status, 'HTTP/1.1 404 Not Found');
    assert.equal(missing.headers.get('access-control-allow-origin'), '*');
    assert.match(missing.body.toString(), /no live stream live\/nobody/);
  } finally {
    await server.close();
  }
});

test('an HTTP-FLV request pipelined behind another request is served once the first is answered', async () => {
  const server = await startHarness();
  server.publish('pipelined');
  try {
    // Both requests are authorised asynchronously: the second's response is queued behind the first's.
    const viewer = await rawRequest(server.port, get('/live/nobody.flv') + get('/live/pipelined.flv'));
    await waitFor(() => viewer.received().includes('FLV'), 5000, 'the FLV response');
    assert.equal(parseResponse(viewer.received())!.status, 'HTTP/1.1 404 Not Found');
    const second = () => parseResponse(viewer.received().subarray(viewer.received().indexOf('HTTP/1.1 200 OK')))!;
    assert.equal(second().headers.get('content-type'), 'video/x-flv');
    await waitFor(() => flvTags(second().body).length === 3, 5000, 'the FLV tags');
    viewer.socket.destroy();
  } finally {
    await server.close();
  }
});

test('a WebSocket-FLV viewer gets the FLV byte stream across its messages, and is cut when kicked', async () => {
  const server = await startHarness();
  const { stream } = server.publish('ws');
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/live/ws.flv`);
    const messages: Buffer[] = [];
    ws.on('message', (data: Buffer) => messages.push(data));
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await waitFor(() => flvTags(Buffer.concat(messages)).length === 3, 5000, 'the sequence headers and keyframe');
    // Audio and video in one turn: one batch of two tags.
    stream.ingest('audio', 40, Buffer.from([0xaf, 0x01, 1, 2, 3]));
    stream.ingest('video', 40, interframe());
    await waitFor(() => flvTags(Buffer.concat(messages)).length === 5, 5000, 'the next frames');
    const bytes = Buffer.concat(messages);
    assert.equal(bytes.subarray(0, 3).toString(), 'FLV');
    const tags = flvTags(bytes);
    assert.deepEqual(tags.map((tag) => [tag.type, tag.timestamp]), [
      [TAG_TYPE_VIDEO, 0],
      [TAG_TYPE_AUDIO, 0],
      [TAG_TYPE_VIDEO, 0],
      [TAG_TYPE_AUDIO, 40],
      [TAG_TYPE_VIDEO, 40],
    ]);
    assert.deepEqual(Buffer.from(tags[4].body), interframe());

    const [client] = server.media.clients.all();
    assert.equal(client.protocol, 'ws');
    assert.equal(parseResponse(await exchange(server.port, get(`/api/v1/clients/${client.id}`, 'DELETE')))!.status, 'HTTP/1.1 200 OK');
    await closed;
    await waitFor(() => server.media.clients.size === 0, 5000, 'the player to leave');
  } finally {
    await server.close();
  }
});

/** One request on its own connection, answered completely (the server closes it or the body is complete). */
async function exchange(port: number, request: string): Promise<Buffer> {
  const client = await rawRequest(port, request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
  await client.ended;
  return client.received();
}
