import type { HubFrame } from './frame.ts';
import type { LiveStream } from './live-stream.ts';

export type PlayerProtocol = 'rtmp' | 'flv' | 'ws' | 'hls';

/** Anything that consumes a live stream: a remote player, a recorder, an HLS segmenter. */
export interface Subscriber {
  readonly id: string;
  readonly protocol: PlayerProtocol | 'record' | 'relay';
  /** The stream (re)started publishing. Called before its first frame reaches `deliver`. */
  publishStarted(stream: LiveStream): void;
  /** Frames in stream order: metadata, sequence headers and the GOP cache first, then live frames. */
  deliver(frame: HubFrame): void;
  /** The publisher left; the subscriber stays attached and resumes if it comes back. */
  publishEnded(stream: LiveStream): void;
}

/**
 * Takes a stream's frames on behalf of subscribers that left the per-frame loop: a fan-out group
 * (delivery/fanout-group.ts) that holds them for its players until their next write.
 */
export interface FrameSink {
  deliver(frame: HubFrame): void;
  /** Sends whatever it holds: the publisher is leaving, and the players hear of it right after. */
  settle(): void;
}

/** Who is publishing a stream; the hub uses it to describe and, when asked, stop the publisher. */
export interface Publisher {
  readonly id: string;
  readonly protocol: 'rtmp';
  readonly remoteAddress: string;
  /** The query string of the publish URL (tokens), without the '?'. */
  readonly query: string;
  close(reason: string): void;
}
