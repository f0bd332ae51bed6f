// Runs a body while an external publisher is live on our server, with a tap on the hub that
// sees every frame the server took in, to compare with what each player received.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubFrame } from '../../src/hub/frame.ts';
import type { Subscriber } from '../../src/hub/subscriber.ts';
import type { TestServer } from './server.ts';
import { waitFor } from './peers.ts';

export interface LiveOptions {
  /** The track whose sequence header says the publish is live (default video). */
  track?: 'video' | 'audio';
  /**
   * Media time to let pass before the body starts: encoders' first frames can be irregular
   * (GStreamer's first AAC frames), and players should join a stream already running.
   */
  warmupMs?: number;
}

/** A coded frame as the server forwards it: timestamp and codec payload size. */
export interface SentFrame {
  timestamp: number;
  size: number;
}

export interface SentFrames {
  video: SentFrame[];
  audio: SentFrame[];
}

/** FLV tag header bytes before the codec payload: AVC (flags, packet type, composition time), AAC (flags, packet type). */
const codecHeaderBytes = { video: 5, audio: 2 } as const;

/**
 * Attaches a subscriber to the stream that records every coded frame the hub delivers; attached
 * before any player, it has every frame a player can be sent (GOP cache included).
 */
export function tapStream(server: TestServer, name: string): { sent: SentFrames; detach(): void } {
  const sent: SentFrames = { video: [], audio: [] };
  const subscriber: Subscriber = {
    id: 'interop-tap',
    protocol: 'relay',
    publishStarted() {},
    publishEnded() {},
    deliver(frame: HubFrame) {
      if (frame.kind === 'data' || frame.isSequenceHeader) return;
      sent[frame.kind].push({ timestamp: frame.timestamp, size: frame.payload.length - codecHeaderBytes[frame.kind] });
    },
  };
  const stream = server.media.hub.subscribe('live', name, subscriber);
  return { sent, detach: () => server.media.hub.unsubscribe(stream, subscriber) };
}

/** A publisher: a peer process (Running) or a scripted client. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

export async function whilePublishing<T>(
  server: TestServer,
  name: string,
  startPublisher: (url: string) => Stoppable | Promise<Stoppable>,
  body: (url: string, sent: SentFrames) => Promise<T>,
  options: LiveOptions = {},
): Promise<T> {
  const { track = 'video', warmupMs = 1000 } = options;
  const url = server.rtmpUrl(`live/${name}`);
  const publisher = await startPublisher(url);
  try {
    await waitFor(() => {
      const stream = server.media.hub.get('live', name);
      return (track === 'video' ? stream?.videoSequenceHeader : stream?.audioSequenceHeader) != null;
    }, 10_000, `the publish of ${name}`);
    const tap = tapStream(server, name);
    try {
      await sleep(warmupMs);
      return await body(url, tap.sent);
    } finally {
      tap.detach();
    }
  } finally {
    await publisher.stop();
  }
}
