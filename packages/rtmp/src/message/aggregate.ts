// Aggregate messages (type 22, spec 7.1.6): sub-messages laid out like FLV tags — type (1), length (3),
// timestamp (3 + 1 high byte, as FLV, ffmpeg, nginx-rtmp and SRS read it), stream id (3), data, then a 4-byte
// back pointer. The aggregate's message stream id replaces the sub-messages', and their timestamps are shifted
// so the first one lands on the aggregate's timestamp.

import { RtmpError } from '../errors.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { MessageType } from './types.ts';

const SUB_HEADER_SIZE = 11;
const BACK_POINTER_SIZE = 4;
/** Only media and data may be aggregated; control or nested aggregates inside one would bypass the session. */
const AGGREGATABLE: ReadonlySet<number> = new Set([MessageType.Audio, MessageType.Video, MessageType.DataAmf0, MessageType.DataAmf3]);

/** Sub-messages of an aggregate; payloads are views into the aggregate's payload. */
export function splitAggregate(aggregate: RtmpMessage): RtmpMessage[] {
  const body = aggregate.payload;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const messages: RtmpMessage[] = [];
  let offset = 0;
  let shift = 0;
  while (offset < body.length) {
    if (body.length - offset < SUB_HEADER_SIZE) {
      throw new RtmpError('bad-message', `aggregate sub-message header cut short at byte ${offset} of ${body.length}`);
    }
    const typeId = body[offset];
    const length = (view.getUint16(offset + 1) << 8) | body[offset + 3];
    const timestamp = (((body[offset + 7] << 24) | (view.getUint16(offset + 4) << 8) | body[offset + 6]) >>> 0);
    const dataStart = offset + SUB_HEADER_SIZE;
    if (dataStart + length > body.length) {
      throw new RtmpError('bad-message', `aggregate sub-message of ${length} bytes at byte ${offset} overruns the ${body.length}-byte aggregate`);
    }
    if (!AGGREGATABLE.has(typeId)) {
      throw new RtmpError('bad-message', `aggregate carries a type-${typeId} sub-message; only audio, video and data may be aggregated`);
    }
    if (messages.length === 0) shift = (aggregate.timestamp - timestamp) >>> 0;
    messages.push({
      typeId,
      timestamp: (timestamp + shift) >>> 0,
      messageStreamId: aggregate.messageStreamId,
      payload: body.subarray(dataStart, dataStart + length),
    });
    // The back pointer only serves backward seeking; a writer that drops the last one loses nothing.
    offset = Math.min(body.length, dataStart + length + BACK_POINTER_SIZE);
  }
  return messages;
}

/** Builds an aggregate from sub-messages (for tests and relays); the aggregate takes the first one's timestamp. */
export function aggregateMessage(messages: readonly RtmpMessage[], messageStreamId: number): RtmpMessage {
  const size = messages.reduce((sum, m) => sum + SUB_HEADER_SIZE + m.payload.length + BACK_POINTER_SIZE, 0);
  const body = Buffer.alloc(size);
  let offset = 0;
  for (const m of messages) {
    const timestamp = m.timestamp >>> 0;
    body[offset] = m.typeId;
    body.writeUIntBE(m.payload.length, offset + 1, 3);
    body.writeUIntBE(timestamp & 0xffffff, offset + 4, 3);
    body[offset + 7] = timestamp >>> 24;
    body.writeUIntBE(m.messageStreamId & 0xffffff, offset + 8, 3);
    body.set(m.payload, offset + SUB_HEADER_SIZE);
    offset += SUB_HEADER_SIZE + m.payload.length;
    body.writeUInt32BE(SUB_HEADER_SIZE + m.payload.length, offset);
    offset += BACK_POINTER_SIZE;
  }
  return { typeId: MessageType.Aggregate, timestamp: messages[0]?.timestamp ?? 0, messageStreamId, payload: body };
}
