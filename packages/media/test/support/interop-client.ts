// Our own RTMP client (ClientSession from @livelink/rtmp) on a socket, for flows that must
// be scripted exactly: OBS's command order, timestamps placed around the 24-bit boundary.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ClientSession, type ClientSessionOptions, type Command, type RtmpMessage } from '@livelink/rtmp';
import type { Amf0Value } from '@livelink/amf';
import { FlvDemuxer } from '@livelink/flv';

export interface ScriptedClient {
  session: ClientSession;
  /** onStatus codes in arrival order, with the message stream they came on. */
  statuses: { streamId: number; code: string }[];
  /** Commands other than replies and onStatus (onBWDone, onFCPublish, onFCUnpublish...). */
  commands: Command[];
  /** Audio, video and data messages received. */
  media: RtmpMessage[];
  socket: Socket;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

export async function openClient(url: string, options: Pick<ClientSessionOptions, 'chunkSize' | 'connectProperties'> = {}): Promise<ScriptedClient> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  const statuses: ScriptedClient['statuses'] = [];
  const commands: Command[] = [];
  const media: RtmpMessage[] = [];
  const session = new ClientSession({
    ...options,
    tcUrl: url,
    send: (bytes) => socket.write(bytes),
    onStatus: (streamId, info: Record<string, Amf0Value>) => statuses.push({ streamId, code: String(info.code) }),
    onCommand: (_streamId, command) => commands.push(command),
    onMedia: (_streamId, message) => media.push(message),
  });
  socket.on('data', (bytes) => session.receive(bytes));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  session.start();
  return { session, statuses, commands, media, socket, closed, close: () => { session.close(); socket.destroy(); } };
}

const tagTypeIds = { 8: 8, 9: 9, 18: 18 } as const;

/**
 * Sends a clip's tags on `streamId` in real time, media timestamps moved to start at
 * `timestampBase` (metadata stays at 0, as encoders send @setDataFrame). Stop with the returned function.
 */
export function publishClip(session: ClientSession, streamId: number, clip: string, timestampBase: number): () => void {
  const tags = new FlvDemuxer().push(readFileSync(clip));
  const messages: RtmpMessage[] = tags.map((tag) => ({
    typeId: tagTypeIds[tag.type],
    timestamp: tag.type === 18 ? 0 : (timestampBase + tag.timestamp) >>> 0,
    messageStreamId: streamId,
    payload: Buffer.from(tag.body),
  }));
  const startedAt = Date.now();
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    const due = Date.now() - startedAt;
    while (next < tags.length && tags[next].timestamp <= due) session.sendMedia(streamId, messages[next++]);
    if (next < tags.length) timer = setTimeout(pump, Math.max(0, tags[next].timestamp - due));
  };
  pump();
  return () => clearTimeout(timer);
}
