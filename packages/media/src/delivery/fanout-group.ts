// The players of a stream that share a wire format and keep up take its frames from one
// log instead of one by one. Handing each frame to each player cost a call, an array push
// and a write barrier per frame and player (a fifth of the server's time in throughput mode
// at 1000 players); here a frame costs one append whatever the audience, and each player's
// write takes what arrived since its last one, as one array of buffers made once and shared by
// all the players that write at the same moment.
//
// Players sit in shards of at most SHARD_SIZE, by the phase of the merge window their
// connection flushes in; a shard is one flush target of the FlushScheduler. A player that
// falls behind (its queue starts skipping) leaves its seat and gets frames one by one again,
// so every decision about what a slow or starting player is sent stays in PlayerQueue.
import type { HubFrame } from '../hub/frame.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { FrameSink } from '../hub/subscriber.ts';
import type { FlushScheduler, Flushable } from './flush-scheduler.ts';

/** Players per flush target: a turn's slice of writes (TURN_SLICE) is made of whole shards. */
const SHARD_SIZE = 32;

/** Consecutive frames of a log, as their encoded buffers. Shared: never modified. */
export interface FrameRun {
  readonly from: number;
  readonly to: number;
  readonly chunks: readonly Buffer[];
  readonly byteLength: number;
}

/** The frames of one stream in one wire format, from the oldest one a seated player has yet to take. */
export class FrameLog {
  #frames: HubFrame[] = [];
  #bytes: Buffer[] = [];
  /** Position of #frames[0]; positions count every frame ever appended. */
  #first = 0;
  #run: FrameRun | null = null;

  /** The position the next frame will get. */
  get head(): number {
    return this.#first + this.#frames.length;
  }

  append(frame: HubFrame, bytes: Buffer): void {
    this.#frames.push(frame);
    this.#bytes.push(bytes);
  }

  frame(position: number): HubFrame {
    return this.#frames[position - this.#first];
  }

  bytes(position: number): Buffer {
    return this.#bytes[position - this.#first];
  }

  /**
   * The frames [from, to) as one array of buffers, made once for all the players of a shard (they all ask
   * for the same run). Not joined into one buffer: at 80 runs per second, the joined copies lived until the
   * next scavenge, and with no per-frame garbage left scavenges are rare (~5 MB more RSS at 1000 players).
   */
  run(from: number, to: number): FrameRun {
    const cached = this.#run;
    if (cached !== null && cached.from === from && cached.to === to) return cached;
    const chunks = this.#bytes.slice(from - this.#first, to - this.#first);
    let byteLength = 0;
    for (const chunk of chunks) byteLength += chunk.byteLength;
    this.#run = { from, to, chunks, byteLength };
    return this.#run;
  }

  /** Forgets the frames before `position`: every seated player has taken them. */
  dropBefore(position: number): void {
    const count = position - this.#first;
    if (count <= 0) return;
    this.#frames.splice(0, count);
    this.#bytes.splice(0, count);
    this.#first = position;
    if (this.#run !== null && this.#run.from < position) this.#run = null;
  }
}

/** A player that can take frames in runs. */
export interface FanoutMember {
  /** The frames [from, to) of the log, at the moment this player's connection writes. */
  take(log: FrameLog, from: number, to: number): void;
}

/** A member's place in a group; leave() gives it up. */
export class Seat {
  readonly member: FanoutMember;
  /** The next position of the log this member takes. */
  position: number;
  #shard: Shard | null;

  constructor(member: FanoutMember, position: number, shard: Shard) {
    this.member = member;
    this.position = position;
    this.#shard = shard;
  }

  leave(): void {
    this.#shard?.unseat(this);
    this.#shard = null;
  }
}

/** A flush target: the seats of one phase of the merge window, served together. */
class Shard implements Flushable {
  readonly phase: number;
  readonly seats: Seat[] = [];
  /** Every seat has taken the log up to here. */
  position: number;
  scheduled = false;
  readonly #serve: (shard: Shard) => number;
  readonly #emptied: (shard: Shard) => void;

  constructor(phase: number, position: number, serve: (shard: Shard) => number, emptied: (shard: Shard) => void) {
    this.phase = phase;
    this.position = position;
    this.#serve = serve;
    this.#emptied = emptied;
  }

  flush(): number {
    this.scheduled = false;
    return this.#serve(this);
  }

  unseat(seat: Seat): void {
    const index = this.seats.indexOf(seat);
    if (index === -1) return;
    // Order does not matter within a shard: swap with the last seat instead of shifting.
    this.seats[index] = this.seats[this.seats.length - 1];
    this.seats.pop();
    if (this.seats.length === 0) this.#emptied(this);
  }
}

/** One stream's seated players of one wire format. */
export class FanoutGroup implements FrameSink {
  readonly #format: string;
  readonly #encode: (frame: HubFrame) => Buffer;
  readonly #scheduler: FlushScheduler;
  readonly #onEmpty: () => void;
  readonly #log = new FrameLog();
  readonly #shards: Shard[] = [];
  readonly #serve = (shard: Shard): number => this.#serveShard(shard);
  readonly #emptied = (shard: Shard): void => this.#removeShard(shard);

  constructor(format: string, encode: (frame: HubFrame) => Buffer, scheduler: FlushScheduler, onEmpty: () => void) {
    this.#format = format;
    this.#encode = encode;
    this.#scheduler = scheduler;
    this.#onEmpty = onEmpty;
  }

  /** Seats a member that has taken every frame so far; it takes the next ones when its phase of the window comes. */
  seat(member: FanoutMember, phase: number): Seat {
    const head = this.#log.head;
    let shard = this.#shards.find((candidate) => candidate.phase === phase && candidate.seats.length < SHARD_SIZE);
    if (shard === undefined) {
      shard = new Shard(phase, head, this.#serve, this.#emptied);
      this.#shards.push(shard);
    }
    const seat = new Seat(member, head, shard);
    shard.seats.push(seat);
    return seat;
  }

  deliver(frame: HubFrame): void {
    this.#log.append(frame, frame.encoded(this.#format, this.#encode));
    for (const shard of this.#shards) {
      if (shard.scheduled) continue;
      shard.scheduled = true;
      this.#scheduler.schedule(shard, shard.phase);
    }
  }

  settle(): void {
    for (const shard of [...this.#shards]) this.#serveShard(shard);
  }

  /** Hands each seat of the shard what arrived since it last took. */
  #serveShard(shard: Shard): number {
    const head = this.#log.head;
    const seats = shard.seats;
    const written = seats.length;
    // Backwards: a member that falls behind leaves during take(), and the seat swapped into its
    // place has already been served (a seat served twice finds nothing new).
    for (let i = seats.length - 1; i >= 0; i--) {
      const seat = seats[i];
      if (seat === undefined) continue;
      const from = seat.position;
      seat.position = head;
      if (from < head) seat.member.take(this.#log, from, head);
    }
    shard.position = head;
    this.#dropTaken();
    return written;
  }

  #removeShard(shard: Shard): void {
    this.#shards.splice(this.#shards.indexOf(shard), 1);
    if (this.#shards.length === 0) this.#onEmpty();
    else this.#dropTaken();
  }

  #dropTaken(): void {
    let oldest = this.#log.head;
    for (const shard of this.#shards) if (shard.position < oldest) oldest = shard.position;
    this.#log.dropBefore(oldest);
  }
}

/** The fan-out groups of every stream, by wire format; a group lives while it seats someone. */
export class FanoutGroups {
  readonly #scheduler: FlushScheduler;
  readonly #byStream = new WeakMap<LiveStream, Map<string, FanoutGroup>>();

  constructor(scheduler: FlushScheduler) {
    this.#scheduler = scheduler;
  }

  /**
   * Seats a member in the stream's group for `format` (created on first use). `encode` must give the
   * same bytes for every member of the format, as HubFrame.encoded requires.
   */
  seat(stream: LiveStream, format: string, encode: (frame: HubFrame) => Buffer, member: FanoutMember, phase: number): Seat {
    let groups = this.#byStream.get(stream);
    if (groups === undefined) {
      groups = new Map();
      this.#byStream.set(stream, groups);
    }
    let group = groups.get(format);
    if (group === undefined) {
      const created = new FanoutGroup(format, encode, this.#scheduler, () => {
        groups.delete(format);
        stream.removeFrameSink(created);
      });
      groups.set(format, created);
      stream.addFrameSink(created);
      group = created;
    }
    return group.seat(member, phase);
  }
}
