// A viewer of a live stream as FLV: over HTTP (a body that runs until the connection closes)
// or WebSocket (binary messages). Each frame is framed as an FLV tag once per stream and
// shared by all viewers.
import { flvFileHeader, flvTagSize, writeFlvTag, TAG_TYPE_AUDIO, TAG_TYPE_VIDEO, TAG_TYPE_SCRIPT } from '@livelink/flv';
import type { HubFrame } from '../hub/frame.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { PlayerQueue } from '../delivery/player-queue.ts';
import type { FanoutGroups } from '../delivery/fanout-group.ts';
import { PlayerFeed } from '../delivery/player-feed.ts';

const tagTypeOf = { audio: TAG_TYPE_AUDIO, video: TAG_TYPE_VIDEO, data: TAG_TYPE_SCRIPT } as const;
const FLV_FORMAT = 'flv';

function encodeTag(frame: HubFrame): Buffer {
  const out = Buffer.allocUnsafe(flvTagSize(frame.payload.byteLength));
  writeFlvTag({ type: tagTypeOf[frame.kind], timestamp: frame.timestamp, body: frame.payload }, out, 0);
  return out;
}

export class FlvPlayer implements Subscriber {
  readonly id: string;
  readonly protocol: 'flv' | 'ws';
  readonly queue: PlayerQueue;
  readonly #writeHeader: (header: Buffer) => void;
  readonly #end: (reason: string, graceful: boolean) => void;
  readonly #feed: PlayerFeed;
  #headerSent = false;

  /**
   * `writeHeader` sends the 13-byte FLV file header (through the same queue as the tags);
   * `end` finishes the response when the publisher leaves: an FLV byte stream cannot
   * announce a new publish, so viewers reconnect instead.
   */
  constructor(
    id: string,
    protocol: 'flv' | 'ws',
    queue: PlayerQueue,
    groups: FanoutGroups,
    writeHeader: (header: Buffer) => void,
    end: (reason: string, graceful: boolean) => void,
  ) {
    this.id = id;
    this.protocol = protocol;
    this.queue = queue;
    this.#writeHeader = writeHeader;
    this.#end = end;
    this.#feed = new PlayerFeed(this, queue, groups, FLV_FORMAT, encodeTag);
  }

  publishStarted(stream: LiveStream): void {
    this.#feed.publishStarted(stream);
    if (this.#headerSent) return;
    this.#headerSent = true;
    // The header's track flags are only hints to players; both are set unless the stream's
    // metadata has arrived and says otherwise, since players wait for a track the header names.
    const hasVideo = stream.videoSequenceHeader !== null || stream.metadata === null;
    const hasAudio = stream.audioSequenceHeader !== null || stream.metadata === null;
    this.#writeHeader(Buffer.from(flvFileHeader({ audio: hasAudio, video: hasVideo })));
  }

  deliver(frame: HubFrame): void {
    this.#feed.deliver(frame);
  }

  /** The viewer leaves: call before unsubscribing. */
  stop(): void {
    this.#feed.stop();
  }

  publishEnded(): void {
    this.#end('publisher left', true);
  }
}
