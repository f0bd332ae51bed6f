// RTMP clients of our own (ClientSession over a socket) for scenarios that need exact control
// of the protocol: status codes, timing, a reader that stops reading.
import type { RtmpMessage } from '@livelink/rtmp';
import { openClient, type ScriptedClient } from './interop-client.ts';

/** A client that has completed connect, ready for createStream/publish/play. */
export async function connectClient(url: string): Promise<ScriptedClient> {
  const client = await openClient(url.slice(0, url.lastIndexOf('/')));
  await client.session.connect();
  return client;
}

/** True once an onStatus with `code` has arrived. */
export const hasStatus = (client: ScriptedClient, code: string) => client.statuses.some((status) => status.code === code);

/** FLV tag bodies shaped like an H.264/AAC encoder's. */
export const tags = {
  avcSequenceHeader: Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xeb]),
  keyframe: (size: number) => Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x11)]),
  interframe: (size: number) => Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x22)]),
  aacSequenceHeader: Buffer.from([0xaf, 0x00, 0x12, 0x10]),
};

export const media = (typeId: 8 | 9, timestamp: number, payload: Buffer): RtmpMessage => ({ typeId, timestamp, messageStreamId: 1, payload });
