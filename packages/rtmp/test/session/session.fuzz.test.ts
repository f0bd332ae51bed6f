import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeAmf0 } from '@livelink/amf';
import { ClientSession, ServerSession, RtmpError, ChunkWriter, dataMessage, serializeMessage, setChunkSizeMessage, windowAckSizeMessage } from '../../src/index.ts';
import type { ServerSessionOptions } from '../../src/index.ts';
import { recordingCallbacks, settle } from './harness.ts';

const MAX_BUFFERED = 2 * 1024 * 1024;

/** A server that accepts everything, with small limits so hostile input hits them fast. */
function acceptingServer(): ServerSession {
  let session: ServerSession | undefined;
  const options: ServerSessionOptions = {
    ...recordingCallbacks([], {
      onPublish: (r) => session!.acceptPublish(r.streamId),
      onPlay: (r) => session!.acceptPlay(r.streamId),
    }),
    send: () => {},
    maxMessageBytes: 1024 * 1024,
    maxBufferedBytes: MAX_BUFFERED,
  };
  session = new ServerSession(options);
  return session;
}

/** What a real publishing client sends: recorded from a ClientSession talking to a ServerSession. */
async function recordClientStream(): Promise<{ bytes: Buffer; handshakeLength: number }> {
  const recorded: Buffer[] = [];
  let client: ClientSession | undefined;
  const serverWithLink = new ServerSession({
    ...recordingCallbacks([], { onPublish: (r) => serverWithLink.acceptPublish(r.streamId) }),
    send: (bytes) => queueMicrotask(() => client!.receive(Buffer.from(bytes))),
  });
  client = new ClientSession({
    tcUrl: 'rtmp://127.0.0.1/live?token=abc', chunkSize: 256,
    send: (bytes) => {
      recorded.push(Buffer.from(bytes));
      queueMicrotask(() => serverWithLink.receive(Buffer.from(bytes)));
    },
  });
  client.start();
  await client.connect();
  client.releaseStream('demo');
  client.fcPublish('demo');
  const id = await client.createStream();
  await client.publish(id, 'demo');
  client.sendMedia(id, dataMessage(['@setDataFrame', 'onMetaData', { width: 320, height: 240 }]));
  for (let i = 0; i < 6; i++) {
    client.sendMedia(id, { typeId: 9, timestamp: 0xffffd0 + i * 40, messageStreamId: id, payload: Buffer.alloc(i === 0 ? 700 : 90, i) });
    client.sendMedia(id, { typeId: 8, timestamp: 0xffffd0 + i * 23, messageStreamId: id, payload: Buffer.alloc(20, i) });
  }
  client.fcUnpublish('demo');
  client.deleteStream(id);
  await settle();
  return { bytes: Buffer.concat(recorded), handshakeLength: 1537 + 1536 };
}

function feed(server: ServerSession, input: Buffer, sizes: number[]): void {
  try {
    for (let offset = 0, i = 0; offset < input.length; i++) {
      const size = Math.max(1, sizes[i % sizes.length]);
      server.receive(input.subarray(offset, offset + size));
      offset += size;
    }
  } catch (error) {
    if (!(error instanceof RtmpError)) throw error;
    assert.equal(server.state, 'closed');
  }
  assert.ok(server.bufferedBytes <= MAX_BUFFERED + 32, `${server.bufferedBytes} bytes buffered`);
}

const slices = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 });

test('the recorded client stream drives a full publish on a fresh server', async () => {
  const { bytes } = await recordClientStream();
  const events: Array<{ type: string }> = [];
  let server: ServerSession | undefined;
  server = new ServerSession({
    ...recordingCallbacks(events as never, { onPublish: (r) => server!.acceptPublish(r.streamId) }),
    send: () => {},
  });
  server.receive(bytes);
  assert.deepEqual(events.map((e) => e.type), ['connect', 'publish', ...Array(13).fill('media'), 'unpublish']);
});

test('session.receive: random bytes after a valid handshake -> progress or RtmpError', async () => {
  const { bytes, handshakeLength } = await recordClientStream();
  const handshake = bytes.subarray(0, handshakeLength);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), slices, (random, sizes) => {
    feed(acceptingServer(), Buffer.concat([handshake, random]), sizes);
  }), { numRuns: 300 });
});

test('session.receive: mutations and truncations of a recorded client stream -> progress or RtmpError', async () => {
  const { bytes, handshakeLength } = await recordClientStream();
  const tail = bytes.length - handshakeLength;
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), fc.nat(), slices,
    (mutations, cut, sizes) => {
      const input = Buffer.from(bytes);
      for (const [at, value] of mutations) input[handshakeLength + (at % tail)] = value;
      feed(acceptingServer(), input.subarray(0, handshakeLength + (cut % (tail + 1))), sizes);
    },
  ), { numRuns: 400 });
});

test('session.receive: random bytes from the first byte -> progress or RtmpError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), slices, (random, sizes) => {
    const input = Buffer.from(random);
    if (input.length > 0) input[0] = 3;
    feed(acceptingServer(), input, sizes);
  }), { numRuns: 200 });
});

/** A recorded handshake, then Set Chunk Size 256: hostile messages follow, written by a writer at that size. */
async function handshakePrefix(): Promise<{ prefix: Buffer; writer: () => ChunkWriter }> {
  const { bytes, handshakeLength } = await recordClientStream();
  const prefix = Buffer.concat([bytes.subarray(0, handshakeLength), serializeMessage(setChunkSizeMessage(256), { chunkSize: 128, chunkStreamId: 2 })]);
  return {
    prefix,
    writer: () => {
      const writer = new ChunkWriter();
      writer.chunkSize = 256;
      return writer;
    },
  };
}

function expectRtmpError(input: Buffer, code: string, options: Partial<ServerSessionOptions> = {}): ServerSession {
  const server = new ServerSession({ ...recordingCallbacks([]), send: () => {}, ...options });
  assert.throws(() => server.receive(input), (error: unknown) => error instanceof RtmpError && error.code === code);
  assert.equal(server.state, 'closed');
  return server;
}

test('hostile input: 16 MiB message length, chunk size 0 and 2^31, many chunk streams, AMF nesting bombs', async () => {
  const { prefix, writer } = await handshakePrefix();
  const header = (chunkStreamId: number, length: number) => {
    const out = serializeMessage({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: Buffer.alloc(0) }, { chunkSize: 128, chunkStreamId });
    out.writeUIntBE(length, out.length - 8, 3);
    return out;
  };
  expectRtmpError(Buffer.concat([prefix, header(6, 0xffffff)]), 'message-too-large', { maxMessageBytes: 1024 * 1024 });

  // Within the default limit the declared 16 MiB is not allocated up front.
  const server = new ServerSession({ ...recordingCallbacks([]), send: () => {} });
  server.receive(Buffer.concat([prefix, header(6, 0xffffff), Buffer.alloc(100)]));
  assert.ok(server.bufferedBytes <= 64 * 1024);

  for (const size of ['00000000', '80000000', 'ffffffff']) {
    expectRtmpError(Buffer.concat([prefix, Buffer.from(`020000000000040100000000${size}`, 'hex')]), 'bad-chunk-size');
  }

  // Complete messages on 2000 distinct chunk streams (control messages, legal before connect)...
  const manyIds = Buffer.concat([prefix, ...Array.from({ length: 2000 }, (_, i) => serializeMessage(
    windowAckSizeMessage(1_000_000), { chunkSize: 128, chunkStreamId: 10 + i }))]);
  expectRtmpError(manyIds, 'too-many-chunk-streams');
  // ...and 100 messages left open after their first chunk.
  const manyOpen = Buffer.concat([prefix, ...Array.from({ length: 100 }, (_, i) => Buffer.concat([header(10 + i, 1000), Buffer.alloc(256)]))]);
  expectRtmpError(manyOpen, 'too-many-chunk-streams');

  // Connect commands nesting 80 000 strict arrays, then 33 000 objects: refused at the AMF depth limit.
  for (const unit of ['0a00000001', '03000161']) {
    const payload = Buffer.concat([Buffer.from(encodeAmf0(['connect', 1])), Buffer.alloc(unit.length * 40_000).fill(Buffer.from(unit, 'hex'))]);
    expectRtmpError(Buffer.concat([prefix, writer().write({ typeId: 20, timestamp: 0, messageStreamId: 0, payload }, 3)]), 'amf');
  }
});
