import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { StreamHub } from '../src/hub/stream-hub.ts';
import type { HubFrame } from '../src/hub/frame.ts';
import type { LiveStream } from '../src/hub/live-stream.ts';
import type { Subscriber } from '../src/hub/subscriber.ts';
import { FlushScheduler } from '../src/delivery/flush-scheduler.ts';
import { BatchedWriter, type ByteSink } from '../src/delivery/batched-writer.ts';
import { PlayerQueue } from '../src/delivery/player-queue.ts';
import { PlayerFeed } from '../src/delivery/player-feed.ts';
import { FanoutGroups, FrameLog, type FanoutMember } from '../src/delivery/fanout-group.ts';
import { HubFrame as Frame } from '../src/hub/frame.ts';
import { AVC_BASELINE_64X48, audioFrame, audioSequenceHeader, testPublisher, videoFrame, videoSequenceHeader } from './support/hls-frames.ts';

// Each frame goes out as 5 bytes: its timestamp (unique per frame here) and a letter for its kind.
const FORMAT = 'test/ts+kind';
const encode = (frame: HubFrame): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(frame.timestamp, 0);
  bytes[4] = frame.isSequenceHeader ? 0x43 /* C */ : frame.kind === 'data' ? 0x44 /* D */ : frame.isKeyframe ? 0x4b /* K */ : frame.kind === 'video' ? 0x56 /* V */ : 0x41; /* A */
  return bytes;
};

/** Players skip frames past this backlog; above any GOP burst the property test can build (150 frames of 5 bytes). */
const DROP_BYTES = 1000;

/** A connection end whose kernel drains only when told, recording every byte written and every write call. */
class TestSink implements ByteSink {
  readonly bytes: Buffer[] = [];
  readonly batches: (readonly Buffer[])[] = [];
  backlogBytes = 0;
  stalled = false;

  /** The reader stops reading and the kernel's buffer is full: whatever is written from now on stays. */
  stall(): void {
    this.stalled = true;
    this.backlogBytes = DROP_BYTES + 1;
  }

  writeBatch(chunks: readonly Buffer[]): void {
    this.batches.push(chunks);
    for (const chunk of chunks) this.#write(chunk);
  }

  drain(): void {
    this.stalled = false;
    this.backlogBytes = 0;
  }

  #write(chunk: Buffer): void {
    this.bytes.push(chunk);
    if (this.stalled) this.backlogBytes += chunk.byteLength;
  }

  /** What the player received: [timestamp, kind letter] per frame, the personal markers as 'M'. */
  received(): string[] {
    const all = Buffer.concat(this.bytes);
    const out: string[] = [];
    for (let offset = 0; offset < all.length; offset += 5) out.push(`${all.readUInt32BE(offset)}${String.fromCharCode(all[offset + 4])}`);
    return out;
  }
}

class TestPlayer implements Subscriber {
  readonly id: string;
  readonly protocol = 'flv' as const;
  readonly sink = new TestSink();
  readonly writer: BatchedWriter;
  readonly queue: PlayerQueue;
  readonly feed: PlayerFeed;
  overflowed = false;

  constructor(id: string, scheduler: FlushScheduler, groups: FanoutGroups, limits = { dropBytes: DROP_BYTES, disconnectBytes: 1 << 30, skipTimeoutMs: 1 << 30 }) {
    this.id = id;
    this.writer = new BatchedWriter(this.sink, scheduler);
    this.queue = new PlayerQueue(this.writer, limits, () => {
      this.overflowed = true;
    });
    this.feed = new PlayerFeed(this, this.queue, groups, FORMAT, encode);
  }

  publishStarted(stream: LiveStream): void {
    this.feed.publishStarted(stream);
  }

  deliver(frame: HubFrame): void {
    this.feed.deliver(frame);
  }

  publishEnded(): void {
    // What RTMP's UnpublishNotify is: a personal message that must follow every frame sent before it.
    this.writer.writeNow(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x4d]));
  }
}

function setUp(windowMs: number) {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const scheduler = new FlushScheduler(windowMs);
  const groups = new FanoutGroups(scheduler);
  const stream = hub.publish('live', 'demo', testPublisher());
  let timestamp = 1;
  const ingest = (kind: 'video' | 'audio', key = false) =>
    stream.ingest(kind, timestamp++, kind === 'video' ? videoFrame(key, 20) : audioFrame(10));
  stream.ingest('video', 0, videoSequenceHeader(AVC_BASELINE_64X48));
  stream.ingest('audio', 0, audioSequenceHeader());
  return { hub, scheduler, groups, stream, ingest };
}

test('the frame log makes a run once for every member that asks for it, and forgets what all have taken', () => {
  const log = new FrameLog();
  const frames = [0, 1, 2].map((i) => new Frame('audio', i, Buffer.alloc(1), false, false));
  frames.forEach((frame, i) => log.append(frame, Buffer.from([i, i])));
  assert.equal(log.head, 3);
  const run = log.run(0, 3);
  assert.deepEqual(run.chunks.map((chunk) => chunk[0]), [0, 1, 2]);
  assert.equal(run.byteLength, 6);
  assert.equal(log.run(0, 3), run, 'the same run is the same object');
  assert.deepEqual(log.run(1, 2).chunks, [log.bytes(1)]);
  log.dropBefore(2);
  assert.equal(log.frame(1), undefined);
  assert.equal(log.frame(2), frames[2]);
  assert.equal(log.head, 3);
  log.append(frames[0], Buffer.from([3]));
  assert.deepEqual(log.run(2, 4).chunks.map((chunk) => chunk[0]), [2, 3]);
});

test('seated players get each run in one write of the same shared buffers', async () => {
  const { hub, scheduler, groups, ingest } = setUp(40); // 4 phases of 10 ms
  const players = Array.from({ length: 8 }, (_, i) => new TestPlayer(`p${i}`, scheduler, groups));
  ingest('video', true);
  for (const player of players) hub.subscribe('live', 'demo', player);
  await sleep(60);
  for (const player of players) assert.ok(player.queue.keepsUp);
  const batchesBefore = players.map((player) => player.sink.batches.length);
  for (let i = 0; i < 6; i++) ingest(i % 2 ? 'audio' : 'video');
  await sleep(60);
  for (const [i, player] of players.entries()) {
    assert.equal(player.sink.batches.length, batchesBefore[i] + 1, `${player.id}: the window's frames leave in one write`);
    assert.deepEqual(player.sink.received().slice(-6), ['2V', '3A', '4V', '5A', '6V', '7A']);
  }
  // Every phase found the same six frames since its last write: all share one run.
  for (const player of players) assert.equal(player.sink.batches.at(-1), players[0].sink.batches.at(-1));
});

test('the publisher leaving first sends what the window held, then the players hear of it', async () => {
  const { hub, scheduler, groups, stream, ingest } = setUp(200);
  const player = new TestPlayer('p', scheduler, groups);
  hub.subscribe('live', 'demo', player);
  ingest('video', true);
  await nextTurn();
  assert.ok(player.queue.keepsUp);
  ingest('audio');
  ingest('video');
  hub.unpublish(stream, stream.publisher!);
  await nextTurn();
  assert.deepEqual(player.sink.received(), ['0C', '0C', '1K', '2A', '3V', '4294967295M']);
});

test('a player that leaves the stream leaves its group, and an empty group stops taking frames', async () => {
  const { hub, scheduler, groups, stream, ingest } = setUp(0);
  const player = new TestPlayer('p', scheduler, groups);
  hub.subscribe('live', 'demo', player);
  ingest('video', true);
  await nextTurn();
  const seen: number[] = [];
  const watcher: FanoutMember = { take: (_log, from, to) => void seen.push(to - from) };
  const seat = groups.seat(stream, FORMAT, encode, watcher, 0);
  player.feed.stop();
  hub.unsubscribe(stream, player);
  const written = player.sink.received().length;
  ingest('audio');
  await nextTurn();
  assert.equal(player.sink.received().length, written, 'nothing more for a player that left');
  assert.deepEqual(seen, [1]);
  seat.leave();
  ingest('audio');
  await nextTurn();
  assert.deepEqual(seen, [1], 'a member that left takes nothing');
});

type Step =
  | { op: 'frame'; kind: 'video' | 'audio'; key: boolean }
  | { op: 'turn' }
  | { op: 'join' }
  | { op: 'leave'; player: number }
  | { op: 'stall'; player: number }
  | { op: 'drain'; player: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('frame' as const), kind: fc.constantFrom('video' as const, 'audio' as const), key: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ op: 'turn' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'join' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('leave' as const), player: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('stall' as const), player: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drain' as const), player: fc.nat(3) }) },
);

test('whatever joins, stalls and drains, each player gets frames in order, once, resuming only on keyframes, and one that never stalls misses nothing', async () => {
  // The runs must reach what they check: players that take frames in runs, and players that skip and resume.
  const coverage = { frames: 0, resumes: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 150 }), async (steps) => {
      const { hub, scheduler, groups, stream, ingest } = setUp(0);
      const players: TestPlayer[] = [];
      const everStalled = new Set<TestPlayer>();
      const left = new Set<TestPlayer>();
      const join = () => {
        const player = new TestPlayer(`p${players.length}`, scheduler, groups);
        players.push(player);
        hub.subscribe('live', 'demo', player);
      };
      join();
      for (const s of steps) {
        const player = players[('player' in s ? s.player : 0) % players.length];
        if (s.op === 'frame') ingest(s.kind, s.kind === 'video' && s.key);
        else if (s.op === 'turn') await nextTurn();
        else if (s.op === 'join') join();
        else if (s.op === 'leave' && !left.has(player)) {
          left.add(player);
          player.feed.stop();
          hub.unsubscribe(stream, player);
        } else if (s.op === 'stall') {
          player.sink.stall();
          everStalled.add(player);
        } else if (s.op === 'drain') player.sink.drain();
      }
      await nextTurn();
      await nextTurn();
      const lastTimestamp = steps.filter((s) => s.op === 'frame').length;
      for (const player of players) {
        const media = player.sink.received().filter((entry) => !entry.endsWith('C'));
        const timestamps = media.map((entry) => Number.parseInt(entry, 10));
        for (let i = 1; i < timestamps.length; i++) {
          assert.ok(timestamps[i] > timestamps[i - 1], `${player.id}: in order, once: ${media.join(' ')}`);
          const gap = timestamps[i] !== timestamps[i - 1] + 1;
          if (gap) {
            coverage.resumes++;
            assert.ok(everStalled.has(player), `${player.id}: a gap without a stall: ${media.join(' ')}`);
            assert.ok(media[i].endsWith('K'), `${player.id}: resumes on a keyframe: ${media.join(' ')}`);
          }
        }
        coverage.frames += media.length;
        if (media.length === 0) continue;
        assert.ok(media[0].endsWith('K'), `${player.id}: starts on a keyframe`);
        if (!everStalled.has(player) && !left.has(player)) assert.equal(timestamps.at(-1), lastTimestamp, `${player.id}: has the last frame`);
        assert.equal(player.overflowed, false);
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(coverage.frames > 2_000, `frames received over all runs: ${coverage.frames}`);
  assert.ok(coverage.resumes > 5, `resumes after a stall over all runs: ${coverage.resumes}`);
});
