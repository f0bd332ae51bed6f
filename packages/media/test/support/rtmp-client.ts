// Our own RTMP client over a real socket, for scenarios that need exact control of the
// protocol (status codes, timing, a reader that stops reading).
import { connect, type Socket } from 'node:net';
import { ClientSession, type RtmpMessage, type StatusInfo } from '@livelink/rtmp';

export interface TestClient {
  session: ClientSession;
  socket: Socket;
  statuses: string[];
  media: RtmpMessage[];
  close(): void;
}

export async function connectClient(url: string): Promise<TestClient> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  const statuses: string[] = [];
  const media: RtmpMessage[] = [];
  const session = new ClientSession({
    tcUrl: url.slice(0, url.lastIndexOf('/')),
    send: (bytes) => socket.write(bytes),
    onStatus: (_streamId: number, info: StatusInfo) => statuses.push(info.code),
    onMedia: (_streamId: number, message: RtmpMessage) => media.push(message),
  });
  socket.on('data', (bytes) => session.receive(bytes));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  session.start();
  await session.connect();
  return { session, socket, statuses, media, close: () => socket.destroy() };
}

/** FLV tag bodies shaped like an H.264/AAC encoder's. */
export const tags = {
  avcSequenceHeader: Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xeb]),
  keyframe: (size: number) => Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x11)]),
  interframe: (size: number) => Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x22)]),
  aacSequenceHeader: Buffer.from([0xaf, 0x00, 0x12, 0x10]),
};

export const media = (typeId: 8 | 9, timestamp: number, payload: Buffer): RtmpMessage => ({ typeId, timestamp, messageStreamId: 1, payload });
