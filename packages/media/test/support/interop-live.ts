// Runs a body while an external publisher is live on our server.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from './server.ts';
import { waitFor, type Running } from './peers.ts';
import { interrupt } from './gst-peers.ts';

export interface LiveOptions {
  /** The track whose sequence header says the publish is live (default video). */
  track?: 'video' | 'audio';
  /**
   * Media time to let pass before the body starts: encoders' first frames can be irregular
   * (GStreamer's first AAC frames), and players should join a stream already running.
   */
  warmupMs?: number;
}

export async function whilePublishing<T>(
  server: TestServer,
  name: string,
  startPublisher: (url: string) => Running,
  body: (url: string) => Promise<T>,
  options: LiveOptions = {},
): Promise<T> {
  const { track = 'video', warmupMs = 1000 } = options;
  const url = server.rtmpUrl(`live/${name}`);
  const publisher = startPublisher(url);
  try {
    await waitFor(() => {
      const stream = server.media.hub.get('live', name);
      return (track === 'video' ? stream?.videoSequenceHeader : stream?.audioSequenceHeader) != null;
    }, 10_000, `the publish of ${name}`);
    await sleep(warmupMs);
    return await body(url);
  } finally {
    await interrupt(publisher);
  }
}
