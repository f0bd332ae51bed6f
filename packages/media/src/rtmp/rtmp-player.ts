// A remote RTMP player of one live stream: frames go out as RTMP chunks serialised once
// per (chunk size, message stream id) and shared with every player that has the same pair.
import { serializeMessage, ChunkStreamId, MessageType, type ServerSession } from '@livelink/rtmp';
import type { HubFrame } from '../hub/frame.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { PlayerQueue } from '../delivery/player-queue.ts';
import type { FanoutGroups } from '../delivery/fanout-group.ts';
import { PlayerFeed } from '../delivery/player-feed.ts';

const typeIdOf = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.DataAmf0 } as const;
const chunkStreamOf = { audio: ChunkStreamId.Audio, video: ChunkStreamId.Video, data: ChunkStreamId.Data } as const;

export class RtmpPlayer implements Subscriber {
  readonly id: string;
  readonly protocol = 'rtmp' as const;
  readonly streamId: number;
  readonly queue: PlayerQueue;
  readonly #session: ServerSession;
  readonly #feed: PlayerFeed;
  #publishSeen = false;

  constructor(id: string, session: ServerSession, streamId: number, queue: PlayerQueue, groups: FanoutGroups) {
    this.id = id;
    this.#session = session;
    this.streamId = streamId;
    this.queue = queue;
    const chunkSize = session.outChunkSize;
    const encode = (frame: HubFrame) =>
      serializeMessage(
        { typeId: typeIdOf[frame.kind], timestamp: frame.timestamp, messageStreamId: streamId, payload: frame.payload },
        { chunkSize, chunkStreamId: chunkStreamOf[frame.kind] },
      );
    this.#feed = new PlayerFeed(this, queue, groups, `rtmp/${chunkSize}/${streamId}`, encode);
  }

  publishStarted(stream: LiveStream): void {
    // The first publish is announced by the Play.Start the player already got; a republish
    // is announced so players (and our tests) can tell the stream came back.
    if (this.#publishSeen) {
      this.#session.sendUserControl('stream-begin', this.streamId);
      this.#session.sendStatus(this.streamId, 'status', 'NetStream.Play.PublishNotify', `${stream.name} is now published.`);
    }
    this.#publishSeen = true;
    this.#feed.publishStarted(stream);
  }

  deliver(frame: HubFrame): void {
    this.#feed.deliver(frame);
  }

  /** The play ends: call before unsubscribing. */
  stop(): void {
    this.#feed.stop();
  }

  publishEnded(stream: LiveStream): void {
    this.#session.sendStatus(this.streamId, 'status', 'NetStream.Play.UnpublishNotify', `${stream.name} is now unpublished.`);
  }
}
