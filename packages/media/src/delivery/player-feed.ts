// How one player gets a stream's frames: one by one while it starts or catches up, where its
// PlayerQueue decides on each frame, and from the stream's fan-out group while it keeps up,
// where a frame costs it nothing until its connection writes.
import type { HubFrame } from '../hub/frame.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { FanoutGroups, FanoutMember, FrameLog, Seat } from './fanout-group.ts';
import type { PlayerQueue } from './player-queue.ts';

export class PlayerFeed implements FanoutMember {
  readonly queue: PlayerQueue;
  readonly #subscriber: Subscriber;
  readonly #groups: FanoutGroups;
  readonly #format: string;
  readonly #encode: (frame: HubFrame) => Buffer;
  #stream: LiveStream | null = null;
  #seat: Seat | null = null;

  /** `format` names the encoding `encode` produces completely (see HubFrame.encoded). */
  constructor(subscriber: Subscriber, queue: PlayerQueue, groups: FanoutGroups, format: string, encode: (frame: HubFrame) => Buffer) {
    this.#subscriber = subscriber;
    this.queue = queue;
    this.#groups = groups;
    this.#format = format;
    this.#encode = encode;
  }

  /** The stream (re)starts: the player waits for a keyframe again, frame by frame. */
  publishStarted(stream: LiveStream): void {
    this.#leaveGroup();
    this.#stream = stream;
    this.queue.restart();
  }

  deliver(frame: HubFrame): void {
    this.queue.offer(frame, frame.encoded(this.#format, this.#encode));
    if (this.#seat === null && this.#stream !== null && this.queue.keepsUp) this.#joinGroup(this.#stream);
  }

  take(log: FrameLog, from: number, to: number): void {
    this.queue.offerRun(log, from, to);
    if (!this.queue.keepsUp) this.#leaveGroup();
  }

  /** The player leaves the stream: call before unsubscribing it. */
  stop(): void {
    this.#leaveGroup();
    this.#stream = null;
  }

  #joinGroup(stream: LiveStream): void {
    stream.pauseDelivery(this.#subscriber);
    this.#seat = this.#groups.seat(stream, this.#format, this.#encode, this, this.queue.phase);
  }

  #leaveGroup(): void {
    if (this.#seat === null) return;
    this.#seat.leave();
    this.#seat = null;
    this.#stream?.resumeDelivery(this.#subscriber);
  }
}
