// Gathers the buffers bound for one connection during a turn (or a merge window) and hands
// them to the connection in one go. Buffers are never copied: the same shared frame encodings
// go out to every player. What a peer waits on (command replies, the start of playback) is
// written with writeNow and leaves at the end of the turn even in throughput mode.
import type { FlushScheduler, Flushable } from './flush-scheduler.ts';

/** The connection end of a player: a TCP socket, an HTTP response, a WebSocket. */
export interface ByteSink {
  /**
   * Writes the buffers in order, as one system call where the transport allows. The array is only lent:
   * it is reused (or shared with other sinks) after this returns, and must not be modified.
   */
  writeBatch(chunks: readonly Buffer[]): void;
  /** Bytes accepted by the transport but not yet sent to the kernel. */
  readonly backlogBytes: number;
}

/** The largest emptied batch array kept for reuse. */
const SPARE_BATCH_MAX = 32;

export class BatchedWriter implements Flushable {
  readonly #sink: ByteSink;
  readonly #scheduler: FlushScheduler;
  readonly #phase: number;
  #batch: Buffer[] = [];
  /**
   * The array lent to the sink last time, emptied for the next batch: with a fresh array per flush, 1000
   * players allocated ~3.7 KB/s each of arrays alone, and that garbage is what grows V8's young generation.
   * null while lent, so a flush from inside writeBatch cannot refill the array being written.
   */
  #spare: Buffer[] | null = [];
  #batchBytes = 0;
  /** The transport's backlog right after the last batch was handed to it. */
  #backlogAtFlush = 0;
  /** The batch leaves at the end of this turn, whatever the merge window. */
  #urgent = false;
  #closed = false;

  constructor(sink: ByteSink, scheduler: FlushScheduler) {
    this.#sink = sink;
    this.#scheduler = scheduler;
    this.#phase = scheduler.assignPhase();
  }

  /** The share of the merge window this writer flushes in (what a fan-out group seats it by). */
  get phase(): number {
    return this.#phase;
  }

  /** Everything not yet on its way to the kernel: our batch plus the transport's own buffer. */
  get pendingBytes(): number {
    return this.#batchBytes + this.#sink.backlogBytes;
  }

  /**
   * An upper bound of pendingBytes from this object alone: the transport's backlog only shrinks between
   * our flushes. Checking every frame for every player through the socket's own state cost ~4% of the
   * server's time in throughput mode (1000 players: cache misses on objects the frame does not need).
   */
  get pendingBytesBound(): number {
    return this.#batchBytes + this.#backlogAtFlush;
  }

  /** Queues a chunk to leave within the merge window (at the end of the turn without one). */
  write(chunk: Buffer): void {
    if (this.#closed) return;
    // A batch emptied early by writeNow may leave a stale entry in the window; its flush finds nothing to do.
    if (this.#batch.length === 0 && !this.#urgent) this.#scheduler.schedule(this, this.#phase);
    this.#batch.push(chunk);
    this.#batchBytes += chunk.byteLength;
  }

  /** Queues a chunk to leave at the end of this turn, with everything queued before it. */
  writeNow(chunk: Buffer): void {
    if (this.#closed) return;
    if (!this.#urgent) {
      this.#urgent = true;
      this.#scheduler.scheduleNow(this);
    }
    this.#batch.push(chunk);
    this.#batchBytes += chunk.byteLength;
  }

  /**
   * Sends the batch now with `chunks` at its end. For a fan-out group's flush, which has done the batching:
   * its players have nothing of the stream batched, usually nothing at all, and then its shared run goes as it is.
   */
  flushWith(chunks: readonly Buffer[]): void {
    if (this.#closed) return;
    if (this.#batch.length > 0) {
      for (const chunk of chunks) {
        this.#batch.push(chunk);
        this.#batchBytes += chunk.byteLength;
      }
      this.flush();
      return;
    }
    this.#sink.writeBatch(chunks);
    this.#backlogAtFlush = this.#sink.backlogBytes;
  }

  flush(): number {
    this.#urgent = false;
    if (this.#batch.length === 0 || this.#closed) return 0;
    const batch = this.#batch;
    this.#batch = this.#spare ?? [];
    this.#spare = null;
    this.#batchBytes = 0;
    this.#sink.writeBatch(batch);
    this.#backlogAtFlush = this.#sink.backlogBytes;
    // A player's first batch carries the cached GOP (~100 frames); kept as the spare, that array and
    // the one swapped with it held ~1 KB per player for the whole session (heap snapshot at 1000
    // players). Steady batches are a few frames (about 15 per 200 ms merge window): those arrays are reused.
    if (batch.length > SPARE_BATCH_MAX) {
      this.#spare = [];
      return 1;
    }
    // pop() keeps the array's capacity, where `length = 0` would free it and the next push reallocate.
    while (batch.length > 0) batch.pop();
    this.#spare = batch;
    return 1;
  }

  /** Drops anything unsent; later writes are ignored. */
  close(): void {
    this.#closed = true;
    this.#batch = [];
    this.#spare = null;
    this.#batchBytes = 0;
  }
}

/** What a WritableSink needs of a net.Socket (or any stream.Writable). */
interface CorkableWritable {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer): boolean;
  readonly writableLength: number;
}

/**
 * A ByteSink over a net.Socket: cork/uncork turns the batch into one writev. A class rather than an
 * object literal: a getter in a literal gives every instance its own hidden class, and the backlog
 * check that runs for every frame and player went megamorphic (V8's LoadIC was 16% of the server's
 * time in throughput mode with 1000 players).
 */
class WritableSink implements ByteSink {
  readonly #writable: CorkableWritable;

  constructor(writable: CorkableWritable) {
    this.#writable = writable;
  }

  writeBatch(chunks: readonly Buffer[]): void {
    const writable = this.#writable;
    if (chunks.length === 1) {
      writable.write(chunks[0]);
      return;
    }
    writable.cork();
    for (const chunk of chunks) writable.write(chunk);
    writable.uncork();
  }

  get backlogBytes(): number {
    return this.#writable.writableLength;
  }
}

export function writableSink(writable: CorkableWritable): ByteSink {
  return new WritableSink(writable);
}
