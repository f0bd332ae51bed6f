// The GOP cache holds the frames since the most recent keyframe so that a player who
// arrives mid-stream starts at once, on a keyframe, instead of waiting up to a GOP.
// It is bounded in bytes: a stream whose GOP outgrows the limit (a huge GOP, or a stream
// without keyframes) stops being cached until the next keyframe.
import type { HubFrame } from './frame.ts';

export class GopCache {
  readonly #maxBytes: number;
  #frames: HubFrame[] = [];
  #bytes = 0;
  /** True while frames are being collected after a keyframe that fit in the limit. */
  #collecting = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get frames(): readonly HubFrame[] {
    return this.#frames;
  }

  add(frame: HubFrame): void {
    if (this.#maxBytes <= 0 || frame.kind === 'data') return;
    if (frame.kind === 'video' && frame.isKeyframe) {
      this.clear();
      this.#collecting = true;
    }
    if (!this.#collecting) return;
    if (this.#bytes + frame.payload.byteLength > this.#maxBytes) {
      this.clear();
      return;
    }
    this.#frames.push(frame);
    this.#bytes += frame.payload.byteLength;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
    this.#collecting = false;
  }
}
