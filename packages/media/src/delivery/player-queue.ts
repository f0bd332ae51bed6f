// What a player is sent, and what it is not: memory never grows with a stalled reader.
// A player starts on a keyframe. When its backlog passes the drop threshold it skips
// frames until the next keyframe finds the backlog drained; a player whose backlog passes
// the disconnect threshold, or that has been skipping for too long, is cut. Sequence headers and metadata are never skipped: without them nothing after
// can be decoded.
import type { HubFrame } from '../hub/frame.ts';
import type { BatchedWriter } from './batched-writer.ts';
import type { FrameLog } from './fanout-group.ts';

export interface PlayerQueueLimits {
  /** Backlog (bytes) above which frames are skipped until the next keyframe. */
  dropBytes: number;
  /** Backlog (bytes) above which the player is disconnected. */
  disconnectBytes: number;
  /** A player still skipping after this long is not coming back: disconnect it. */
  skipTimeoutMs: number;
}

export type PlayerQueueState = 'awaiting-keyframe' | 'flowing' | 'skipping';

export class PlayerQueue {
  readonly #writer: BatchedWriter;
  readonly #limits: PlayerQueueLimits;
  readonly #onOverflow: (reason: string) => void;
  #state: PlayerQueueState = 'awaiting-keyframe';
  /** Video must begin on a keyframe even if audio started the player first. */
  #videoStarted = false;
  #droppedFrames = 0;
  #skippingSince = 0;
  #bytesSent = 0;

  constructor(writer: BatchedWriter, limits: PlayerQueueLimits, onOverflow: (reason: string) => void) {
    this.#writer = writer;
    this.#limits = limits;
    this.#onOverflow = onOverflow;
  }

  get state(): PlayerQueueState {
    return this.#state;
  }

  /** Frames skipped because this player fell behind. */
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  /**
   * Flowing, with video (if any) started on a keyframe: from here every frame goes out as it comes
   * until the backlog passes the drop threshold, so the player may take frames in runs.
   */
  get keepsUp(): boolean {
    return this.#state === 'flowing' && this.#videoStarted;
  }

  /** The merge-window phase the player's connection flushes in. */
  get phase(): number {
    return this.#writer.phase;
  }

  /**
   * Offers the frames [from, to) of a fan-out log at the moment the connection writes. While the
   * player keeps up they leave in one write of buffers shared with the other players at the same position;
   * otherwise each frame is decided on as offer() does.
   */
  offerRun(log: FrameLog, from: number, to: number): void {
    if (this.keepsUp && this.#pending() <= this.#limits.dropBytes) {
      const run = log.run(from, to);
      this.#bytesSent += run.byteLength;
      this.#writer.flushWith(run.chunks);
      return;
    }
    for (let position = from; position < to; position++) this.offer(log.frame(position), log.bytes(position));
  }

  /**
   * The backlog as far as the queue's decisions need it: the writer's own bound, read exactly from the
   * transport only above half the drop threshold (below it every decision is the same for both).
   */
  #pending(): number {
    const bound = this.#writer.pendingBytesBound;
    return bound > this.#limits.dropBytes / 2 ? this.#writer.pendingBytes : bound;
  }

  /** A new publish starts: the player waits for its first keyframe again. */
  restart(): void {
    this.#state = 'awaiting-keyframe';
    this.#videoStarted = false;
  }

  /** Offers a frame, encoded for this player's wire format. */
  offer(frame: HubFrame, bytes: Buffer): void {
    const pending = this.#pending();
    if (pending > this.#limits.disconnectBytes) {
      this.#onOverflow(`slow reader: ${pending} bytes pending`);
      return;
    }
    if (frame.isSequenceHeader || frame.kind === 'data') {
      // Rare, and what a starting player waits on: never held back by a merge window.
      this.#send(bytes, true);
      return;
    }
    if (this.#state === 'flowing' && pending > this.#limits.dropBytes) {
      this.#state = 'skipping';
      this.#skippingSince = Date.now();
    }
    if (this.#state === 'skipping' && Date.now() - this.#skippingSince > this.#limits.skipTimeoutMs) {
      this.#onOverflow(`slow reader: could not catch up for ${this.#limits.skipTimeoutMs} ms`);
      return;
    }
    let starting = false;
    if (this.#state !== 'flowing') {
      const drained = this.#state === 'awaiting-keyframe' || pending <= this.#limits.dropBytes / 2;
      if (!(frame.isKeyframe && drained)) {
        if (this.#state === 'skipping') this.#droppedFrames++;
        return;
      }
      starting = this.#state === 'awaiting-keyframe';
      this.#state = 'flowing';
    }
    if (frame.kind === 'video' && !this.#videoStarted) {
      if (!frame.isKeyframe) return;
      this.#videoStarted = true;
      starting = true;
    }
    // The first picture leaves at once (with the cached GOP offered in the same turn): first-frame
    // time does not pay the merge window.
    this.#send(bytes, starting);
  }

  #send(bytes: Buffer, now: boolean): void {
    this.#bytesSent += bytes.byteLength;
    if (now) this.#writer.writeNow(bytes);
    else this.#writer.write(bytes);
  }
}
