// A media message as the hub fans it out. Each output serialises a frame at most once per
// wire format (RTMP chunks at one chunk size, an FLV tag, ...) and every player of that
// format gets the same bytes: the cost of a frame is per format, not per player.

export type FrameKind = 'audio' | 'video' | 'data';

export class HubFrame {
  readonly kind: FrameKind;
  /** Milliseconds on the stream's output timeline (32-bit, wraps like RTMP timestamps). */
  readonly timestamp: number;
  readonly payload: Buffer;
  /** A video keyframe, or any audio frame of an audio-only stream: a point a player may start from. */
  readonly isKeyframe: boolean;
  readonly isSequenceHeader: boolean;
  /**
   * The first wire format asked for and its bytes, outside the map: a stream's players nearly all share
   * one format, and this lookup runs for every frame and player.
   */
  #firstFormat: string | null = null;
  #firstEncoding: Buffer | null = null;
  #otherEncodings: Map<string, Buffer> | undefined;

  constructor(kind: FrameKind, timestamp: number, payload: Buffer, isKeyframe: boolean, isSequenceHeader: boolean) {
    this.kind = kind;
    this.timestamp = timestamp;
    this.payload = payload;
    this.isKeyframe = isKeyframe;
    this.isSequenceHeader = isSequenceHeader;
  }

  /**
   * The frame in the wire format named by `format`, encoded on first use and shared afterwards.
   * `format` must identify the encoding completely (e.g. "rtmp/4096/1"), since all players asking
   * with the same name receive the same buffer.
   */
  encoded(format: string, encode: (frame: HubFrame) => Buffer): Buffer {
    if (format === this.#firstFormat) return this.#firstEncoding!;
    if (this.#firstFormat === null) {
      this.#firstFormat = format;
      this.#firstEncoding = encode(this);
      return this.#firstEncoding;
    }
    this.#otherEncodings ??= new Map();
    let bytes = this.#otherEncodings.get(format);
    if (bytes === undefined) {
      bytes = encode(this);
      this.#otherEncodings.set(format, bytes);
    }
    return bytes;
  }
}
