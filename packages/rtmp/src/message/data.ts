// Data messages (types 18 and 15): a handler name and values, e.g. "@setDataFrame", "onMetaData", {…}.

import type { Amf0Value } from '@livelink/amf';
import type { RtmpMessage } from '../chunk/types.ts';
import { amf0Body, decodeAmfValues, encodeAmfPayload } from './amf.ts';
import { MessageType } from './types.ts';

/** AMF0 string "@setDataFrame": marker 0x02, length 13, the text. */
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame', 'latin1')]);

/** Handler name and values of a data message; throws RtmpError('amf') on bytes that do not decode. */
export function decodeDataMessage(message: RtmpMessage): Amf0Value[] {
  return decodeAmfValues(message);
}

export function dataMessage(values: readonly Amf0Value[], options: { messageStreamId?: number; timestamp?: number } = {}): RtmpMessage {
  return {
    typeId: MessageType.DataAmf0,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload: encodeAmfPayload(MessageType.DataAmf0, values),
  };
}

export function isSetDataFrame(message: RtmpMessage): boolean {
  return startsWith(amf0Body(message), SET_DATA_FRAME);
}

/**
 * What a publisher's `@setDataFrame("onMetaData", {…})` means for players: the same message without the
 * "@setDataFrame" prefix, as AMF0 data (FLV consumers such as ffprobe reject the prefix). The payload is a view
 * of the original, so the exact metadata bytes are kept. Any other message is returned unchanged.
 */
export function stripSetDataFrame(message: RtmpMessage): RtmpMessage {
  const body = amf0Body(message);
  if (!startsWith(body, SET_DATA_FRAME)) return message;
  return { ...message, typeId: MessageType.DataAmf0, payload: body.subarray(SET_DATA_FRAME.length) };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
