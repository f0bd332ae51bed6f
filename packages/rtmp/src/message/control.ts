// Protocol control messages (types 1, 2, 3, 5, 6) and User Control messages (type 4): fixed big-endian layouts,
// always on message stream 0.

import { RtmpError } from '../errors.ts';
import { isValidChunkSize } from '../chunk/types.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { MessageType, UserControlEventType } from './types.ts';
import type { PeerBandwidthLimitType, StreamEventName, UserControl } from './types.ts';

function controlMessage(typeId: number, payload: Buffer): RtmpMessage {
  return { typeId, timestamp: 0, messageStreamId: 0, payload };
}

function uint32Payload(value: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value >>> 0, 0);
  return payload;
}

export function setChunkSizeMessage(chunkSize: number): RtmpMessage {
  if (!isValidChunkSize(chunkSize)) throw new RangeError(`chunk size ${chunkSize} is outside 1..2147483647`);
  return controlMessage(MessageType.SetChunkSize, uint32Payload(chunkSize));
}

export function abortMessage(chunkStreamId: number): RtmpMessage {
  return controlMessage(MessageType.Abort, uint32Payload(chunkStreamId));
}

/** `sequenceNumber`: bytes received so far, modulo 2^32. */
export function acknowledgementMessage(sequenceNumber: number): RtmpMessage {
  return controlMessage(MessageType.Acknowledgement, uint32Payload(sequenceNumber));
}

export function windowAckSizeMessage(windowSize: number): RtmpMessage {
  return controlMessage(MessageType.WindowAckSize, uint32Payload(windowSize));
}

export function setPeerBandwidthMessage(windowSize: number, limitType: PeerBandwidthLimitType): RtmpMessage {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt32BE(windowSize >>> 0, 0);
  payload[4] = limitType;
  return controlMessage(MessageType.SetPeerBandwidth, payload);
}

const STREAM_EVENT_TYPES: Record<StreamEventName, number> = {
  'stream-begin': UserControlEventType.StreamBegin,
  'stream-eof': UserControlEventType.StreamEof,
  'stream-dry': UserControlEventType.StreamDry,
  'stream-is-recorded': UserControlEventType.StreamIsRecorded,
};

export function userControlMessage(control: UserControl): RtmpMessage {
  let payload: Buffer;
  switch (control.event) {
    case 'set-buffer-length':
      payload = Buffer.allocUnsafe(10);
      payload.writeUInt16BE(UserControlEventType.SetBufferLength, 0);
      payload.writeUInt32BE(control.streamId >>> 0, 2);
      payload.writeUInt32BE(control.bufferLength >>> 0, 6);
      break;
    case 'ping-request':
    case 'ping-response':
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(control.event === 'ping-request' ? UserControlEventType.PingRequest : UserControlEventType.PingResponse, 0);
      payload.writeUInt32BE(control.timestamp >>> 0, 2);
      break;
    case 'unknown':
      payload = Buffer.allocUnsafe(2 + control.data.length);
      payload.writeUInt16BE(control.eventType, 0);
      payload.set(control.data, 2);
      break;
    default:
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(STREAM_EVENT_TYPES[control.event], 0);
      payload.writeUInt32BE(control.streamId >>> 0, 2);
  }
  return controlMessage(MessageType.UserControl, payload);
}

function view(message: RtmpMessage, minimum: number, name: string): Buffer {
  const { payload } = message;
  if (payload.length < minimum) {
    throw new RtmpError('bad-message', `${name} message of ${payload.length} bytes; it needs ${minimum}`);
  }
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Set Chunk Size: 31-bit value, 0 and bit 31 refused (a chunk size of 0 would never advance). */
export function decodeSetChunkSize(message: RtmpMessage): number {
  const value = view(message, 4, 'Set Chunk Size').readUInt32BE(0);
  if (!isValidChunkSize(value)) throw new RtmpError('bad-chunk-size', `Set Chunk Size ${value} is outside 1..2147483647`);
  return value;
}

export function decodeUint32Control(message: RtmpMessage, name: string): number {
  return view(message, 4, name).readUInt32BE(0);
}

export function decodeSetPeerBandwidth(message: RtmpMessage): { windowSize: number; limitType: number } {
  const bytes = view(message, 5, 'Set Peer Bandwidth');
  return { windowSize: bytes.readUInt32BE(0), limitType: bytes[4] };
}

export function decodeUserControl(message: RtmpMessage): UserControl {
  const bytes = view(message, 2, 'User Control');
  const eventType = bytes.readUInt16BE(0);
  const streamEvent = (Object.keys(STREAM_EVENT_TYPES) as StreamEventName[]).find((name) => STREAM_EVENT_TYPES[name] === eventType);
  if (streamEvent !== undefined) {
    return { event: streamEvent, streamId: view(message, 6, `User Control ${streamEvent}`).readUInt32BE(2) };
  }
  switch (eventType) {
    case UserControlEventType.SetBufferLength: {
      const data = view(message, 10, 'User Control set-buffer-length');
      return { event: 'set-buffer-length', streamId: data.readUInt32BE(2), bufferLength: data.readUInt32BE(6) };
    }
    case UserControlEventType.PingRequest:
    case UserControlEventType.PingResponse:
      return {
        event: eventType === UserControlEventType.PingRequest ? 'ping-request' : 'ping-response',
        timestamp: view(message, 6, 'User Control ping').readUInt32BE(2),
      };
    default:
      return { event: 'unknown', eventType, data: bytes.subarray(2) };
  }
}
