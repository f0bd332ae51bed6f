// AMF payloads of command and data messages. Types 17 and 15 ("AMF3") carry a leading format byte 0x00 and then
// AMF0 values, switching to AMF3 per value with the AVM+ marker; every server in the field (SRS, nginx-rtmp,
// NMS) skips that byte, and @livelink/amf handles the AVM+ switch.

import { AmfDecodeError, decodeAmf0, encodeAmf0 } from '@livelink/amf';
import type { Amf0Value } from '@livelink/amf';
import { RtmpError } from '../errors.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { MessageType } from './types.ts';

/** Bounds what one hostile command can cost in JS objects (a byte on the wire can become a 50-byte object). */
const MAX_AMF_VALUES = 10_000;

export function isAmf3Encoded(typeId: number): boolean {
  return typeId === MessageType.CommandAmf3 || typeId === MessageType.DataAmf3;
}

/** The AMF0 bytes of a command/data message: the payload, minus the AMF3 types' format byte. */
export function amf0Body(message: RtmpMessage): Uint8Array {
  const { payload } = message;
  // A command or data message cannot start with an AMF0 number, so a leading 0x00 is the format byte.
  return isAmf3Encoded(message.typeId) && payload.length > 0 && payload[0] === 0 ? payload.subarray(1) : payload;
}

export function decodeAmfValues(message: RtmpMessage, maxValues = MAX_AMF_VALUES): Amf0Value[] {
  try {
    return decodeAmf0(amf0Body(message), { maxValues });
  } catch (error) {
    if (error instanceof AmfDecodeError) {
      throw new RtmpError('amf', `type-${message.typeId} message: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Payload for a command/data message of `typeId`: the AMF3 types get their 0x00 format byte. */
export function encodeAmfPayload(typeId: number, values: readonly Amf0Value[]): Buffer {
  const body = encodeAmf0(values);
  if (!isAmf3Encoded(typeId)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const payload = Buffer.allocUnsafe(body.length + 1);
  payload[0] = 0;
  payload.set(body, 1);
  return payload;
}
