import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BatchedWriter, writableSink, type ByteSink } from '../src/delivery/batched-writer.ts';
import { FlushScheduler } from '../src/delivery/flush-scheduler.ts';

/** Records every batch as the list of its chunks' first bytes (copied: the array is only lent). */
function recordingSink(onBatch: () => void = () => {}) {
  const batches: number[][] = [];
  const sink: ByteSink = {
    writeBatch(chunks) {
      batches.push(chunks.map((chunk) => chunk[0]));
      onBatch();
    },
    backlogBytes: 0,
  };
  return { sink, batches };
}

const chunk = (tag: number) => Buffer.from([tag, 0, 0]);

test('what is written in one turn leaves after the turn, as one batch, in order', async () => {
  const scheduler = new FlushScheduler(0);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  writer.write(chunk(1));
  writer.write(chunk(2));
  writer.write(chunk(3));
  assert.equal(writer.pendingBytes, 9);
  assert.deepEqual(batches, []);
  await nextTurn();
  assert.deepEqual(batches, [[1, 2, 3]]);
  assert.equal(writer.pendingBytes, 0);
});

test('each batch carries only its own chunks', async () => {
  const scheduler = new FlushScheduler(0);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  for (let turn = 0; turn < 4; turn++) {
    for (let i = 0; i <= turn; i++) writer.write(chunk(turn * 10 + i));
    await nextTurn();
  }
  assert.deepEqual(batches, [[0], [10, 11], [20, 21, 22], [30, 31, 32, 33]]);
});

test('a writer scheduled while a flush runs goes out on the next run, once', async () => {
  const scheduler = new FlushScheduler(0);
  const late = recordingSink();
  const lateWriter = new BatchedWriter(late.sink, scheduler);
  let wrote = false;
  const early = recordingSink(() => {
    // e.g. a socket error handler that answers on another connection, synchronously
    if (!wrote) lateWriter.write(chunk(9));
    wrote = true;
  });
  const earlyWriter = new BatchedWriter(early.sink, scheduler);
  earlyWriter.write(chunk(1));
  await nextTurn();
  assert.deepEqual(early.batches, [[1]]);
  assert.deepEqual(late.batches, []);
  await nextTurn();
  assert.deepEqual(late.batches, [[9]]);
  await nextTurn();
  assert.deepEqual(late.batches, [[9]]);
  assert.deepEqual(early.batches, [[1]]);
});

test('steady flushing lends the sink the same two arrays over and over, emptied after each batch', async () => {
  const scheduler = new FlushScheduler(0);
  const lent: Buffer[][] = [];
  const sink: ByteSink = { writeBatch: (chunks) => void lent.push(chunks as Buffer[]), backlogBytes: 0 };
  const writer = new BatchedWriter(sink, scheduler);
  for (let turn = 0; turn < 6; turn++) {
    writer.write(chunk(turn));
    writer.write(chunk(turn));
    await nextTurn();
    assert.equal(lent[turn].length, 0, `batch ${turn} is emptied once the sink returns`);
  }
  assert.equal(new Set(lent).size, 2);
});

test('a flush from inside the sink never refills the array being written', async () => {
  const scheduler = new FlushScheduler(0);
  const batches: number[][] = [];
  const sink: ByteSink = {
    writeBatch(chunks) {
      batches.push(chunks.map((c) => c[0]));
      // e.g. an error handler that answers on the same connection and flushes it, then writes again
      if (batches.length === 1) {
        writer.write(chunk(2));
        writer.flush();
      } else if (batches.length === 2) {
        writer.write(chunk(3));
      }
    },
    backlogBytes: 0,
  };
  const writer = new BatchedWriter(sink, scheduler);
  writer.write(chunk(1));
  await nextTurn();
  await nextTurn();
  assert.deepEqual(batches, [[1], [2], [3]]);
});

test('close drops what is pending and ignores later writes', async () => {
  const scheduler = new FlushScheduler(0);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  writer.write(chunk(1));
  writer.close();
  writer.write(chunk(2));
  await nextTurn();
  assert.deepEqual(batches, []);
  assert.equal(writer.pendingBytes, 0);
});

test('a merge window holds writes until it ends', async () => {
  const scheduler = new FlushScheduler(30);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  writer.write(chunk(1));
  await nextTurn();
  writer.write(chunk(2));
  assert.deepEqual(batches, []);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(batches, [[1, 2]]);
});

test('in a merge window, writers spread over its phases and each waits at most one window', async () => {
  const windowMs = 80; // 8 phases of 10 ms
  const scheduler = new FlushScheduler(windowMs);
  const flushedAt: number[][] = [];
  const writers = Array.from({ length: 16 }, (_, i) => {
    flushedAt.push([]);
    const sink: ByteSink = { writeBatch: () => void flushedAt[i].push(performance.now()), backlogBytes: 0 };
    return new BatchedWriter(sink, scheduler);
  });
  const writtenAt = performance.now();
  for (const writer of writers) writer.write(chunk(1));
  await new Promise((resolve) => setTimeout(resolve, windowMs + 40));
  const waits = flushedAt.map((times) => {
    assert.equal(times.length, 1, 'one batch per writer');
    return times[0] - writtenAt;
  });
  // Same frame, same moment, yet not one burst: the writers leave in 8 groups spread over the window.
  const groups = new Set(waits.map((wait) => Math.round(wait / 10)));
  assert.ok(groups.size >= 6, `flushes spread over the window, got waits ${waits.map((w) => w.toFixed(1)).join(', ')}`);
  // Timers may run late on a loaded machine; the cadence itself never adds up past one window.
  assert.ok(Math.max(...waits) <= windowMs + 25, `longest wait ${Math.max(...waits).toFixed(1)} ms`);
});

test('a writer writing steadily in a merge window flushes once per window, not per write', async () => {
  const scheduler = new FlushScheduler(40);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  const startedAt = performance.now();
  for (let i = 0; i < 24; i++) {
    writer.write(chunk(i));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 60));
  const elapsed = performance.now() - startedAt;
  assert.deepEqual(batches.flat(), Array.from({ length: 24 }, (_, i) => i), 'every chunk, in order');
  assert.ok(batches.length <= Math.ceil(elapsed / 40) + 1, `${batches.length} batches in ${elapsed.toFixed(0)} ms`);
  assert.ok(batches.length >= 2, 'the window ends; writes are not held forever');
});

test('writeNow leaves at the end of the turn, taking the merge window\'s pending writes along in order', async () => {
  const scheduler = new FlushScheduler(200);
  const { sink, batches } = recordingSink();
  const writer = new BatchedWriter(sink, scheduler);
  writer.write(chunk(1));
  writer.writeNow(chunk(2));
  writer.write(chunk(3));
  await nextTurn();
  assert.deepEqual(batches, [[1, 2, 3]]);
  writer.write(chunk(4));
  await nextTurn();
  assert.deepEqual(batches, [[1, 2, 3]], 'plain writes wait for the window again');
  await new Promise((resolve) => setTimeout(resolve, 230));
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
});

test('the socket sink writes a single buffer as is and a batch corked, as one writev', () => {
  const calls: string[] = [];
  const writable = {
    cork: () => calls.push('cork'),
    uncork: () => calls.push('uncork'),
    write: (bytes: Buffer) => calls.push(`write ${bytes[0]}`) > 0,
    writableLength: 7,
  };
  const sink = writableSink(writable);
  sink.writeBatch([chunk(1)]);
  sink.writeBatch([chunk(2), chunk(3)]);
  assert.deepEqual(calls, ['write 1', 'cork', 'write 2', 'write 3', 'uncork']);
  assert.equal(sink.backlogBytes, 7);
});

test('each run flushes only what was scheduled since the last one', async () => {
  const scheduler = new FlushScheduler(0);
  const flushed: string[] = [];
  const target = (name: string) => ({
    flush: () => {
      flushed.push(name);
      return 1;
    },
  });
  const [a, b, c] = [target('a'), target('b'), target('c')];
  scheduler.schedule(a, 0);
  scheduler.scheduleNow(b);
  await nextTurn();
  scheduler.schedule(c, 3);
  await nextTurn();
  await nextTurn();
  scheduler.schedule(a, 0);
  await nextTurn();
  assert.deepEqual(flushed, ['a', 'b', 'c', 'a']);
});

test('many writers flush over several turns in order, and a write arriving in between joins a pending batch', async () => {
  const scheduler = new FlushScheduler(0);
  const sinks = Array.from({ length: 1000 }, () => recordingSink());
  const writers = sinks.map(({ sink }) => new BatchedWriter(sink, scheduler));
  for (const writer of writers) writer.write(chunk(1));
  await nextTurn();
  const flushedFirst = sinks.filter(({ batches }) => batches.length > 0).length;
  assert.ok(flushedFirst > 0 && flushedFirst < 1000, `one turn flushed a slice, not all: ${flushedFirst}`);
  assert.ok(sinks.slice(0, flushedFirst).every(({ batches }) => batches.length === 1), 'writers flush in the order they were scheduled');
  // The next message arrives while the rest still wait (the event loop polled between slices).
  for (const writer of writers) writer.write(chunk(2));
  for (let turn = 0; turn < 1000 && sinks.some(({ batches }) => batches.flat().length < 2); turn++) await nextTurn();
  for (const { batches } of sinks) assert.deepEqual(batches.flat(), [1, 2]);
  const merged = sinks.filter(({ batches }) => batches.length === 1).length;
  assert.equal(merged, 1000 - flushedFirst, 'every writer not yet flushed sent both chunks in one batch');
});
