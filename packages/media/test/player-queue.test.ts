import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlayerQueue } from '../src/delivery/player-queue.ts';
import { BatchedWriter, type ByteSink } from '../src/delivery/batched-writer.ts';
import { FlushScheduler } from '../src/delivery/flush-scheduler.ts';
import { HubFrame } from '../src/hub/frame.ts';

/** A sink whose kernel never drains: everything written stays in its backlog. */
function stalledSink() {
  const written: Buffer[] = [];
  const sink: ByteSink & { written: Buffer[] } = {
    written,
    writeBatch(chunks) {
      written.push(...chunks);
    },
    get backlogBytes() {
      return written.reduce((n, b) => n + b.byteLength, 0);
    },
  };
  return sink;
}

const frame = (kind: 'video' | 'audio', key: boolean, size: number, header = false) =>
  new HubFrame(kind, 0, Buffer.alloc(size, key ? 1 : 0), key, header);

test('a player starts on a keyframe, even when audio arrives first', () => {
  const sink = stalledSink();
  const writer = new BatchedWriter(sink, new FlushScheduler(0));
  const queue = new PlayerQueue(writer, { dropBytes: 1 << 20, disconnectBytes: 1 << 22, skipTimeoutMs: 10_000 }, () => assert.fail('no overflow'));
  const offer = (f: HubFrame) => queue.offer(f, f.payload);
  offer(frame('video', false, 10)); // inter frame before any keyframe: skipped
  offer(frame('audio', false, 5)); // audio of a video stream before the keyframe: skipped
  offer(frame('video', true, 20, true)); // sequence header: always sent
  offer(frame('video', true, 30));
  offer(frame('video', false, 40));
  writer.flush();
  assert.deepEqual(sink.written.map((b) => b.byteLength), [20, 30, 40]);
});

test('a stalled reader skips to keyframes past the drop limit and is cut past the disconnect limit', () => {
  const sink = stalledSink();
  const writer = new BatchedWriter(sink, new FlushScheduler(0));
  let overflow = '';
  const queue = new PlayerQueue(writer, { dropBytes: 1000, disconnectBytes: 5000, skipTimeoutMs: 10_000 }, (reason) => (overflow = reason));
  const offer = (f: HubFrame) => {
    queue.offer(f, f.payload);
    writer.flush();
  };
  offer(frame('video', true, 600));
  offer(frame('video', false, 600)); // backlog 1200 > 1000 from now on
  offer(frame('video', false, 600));
  assert.equal(queue.state, 'skipping');
  assert.equal(queue.droppedFrames, 1);
  offer(frame('video', true, 600)); // a keyframe does not resume while the backlog is not drained
  assert.equal(queue.droppedFrames, 2);
  for (let i = 0; i < 10 && overflow === ''; i++) offer(frame('video', true, 1000, true)); // headers still go out
  assert.match(overflow, /slow reader/);
  const backlog = sink.backlogBytes;
  assert.ok(backlog <= 5000 + 1000, `backlog stays bounded: ${backlog}`);
});

test('a reader whose backlog drained between flushes resumes on the next keyframe', () => {
  // The queue checks a bound kept at the last flush; a kernel that drained since must still be seen.
  let backlog = 0;
  const sink: ByteSink = {
    writeBatch(chunks) {
      for (const chunk of chunks) backlog += chunk.byteLength;
    },
    get backlogBytes() {
      return backlog;
    },
  };
  const writer = new BatchedWriter(sink, new FlushScheduler(0));
  const queue = new PlayerQueue(writer, { dropBytes: 1000, disconnectBytes: 5000, skipTimeoutMs: 10_000 }, () => assert.fail('no overflow'));
  const offer = (f: HubFrame) => queue.offer(f, f.payload);
  offer(frame('video', true, 1200));
  writer.flush();
  offer(frame('video', false, 100));
  assert.equal(queue.state, 'skipping');
  assert.ok(writer.pendingBytesBound >= writer.pendingBytes);
  backlog = 0; // the kernel took everything; no flush since
  offer(frame('video', true, 100));
  assert.equal(queue.state, 'flowing');
  writer.flush();
  assert.equal(writer.pendingBytesBound, writer.pendingBytes);
});

test('in throughput mode a starting player gets its first picture at the end of the turn, live frames within the window', async () => {
  const sink = stalledSink();
  const writer = new BatchedWriter(sink, new FlushScheduler(150));
  const queue = new PlayerQueue(writer, { dropBytes: 1 << 20, disconnectBytes: 1 << 22, skipTimeoutMs: 10_000 }, () => assert.fail('no overflow'));
  const offer = (f: HubFrame) => queue.offer(f, f.payload);
  // What the hub hands a new player in one turn: sequence header, then the cached GOP.
  offer(frame('video', true, 20, true));
  offer(frame('video', true, 30));
  offer(frame('video', false, 40));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sink.written.map((b) => b.byteLength), [20, 30, 40]);
  offer(frame('video', false, 50)); // live
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sink.written.length, 3, 'a live frame waits for the merge window');
  await new Promise((resolve) => setTimeout(resolve, 180));
  assert.deepEqual(sink.written.map((b) => b.byteLength), [20, 30, 40, 50]);
});
