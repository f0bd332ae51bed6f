// onStatus and the other fixed replies real clients look for, built in one place so server and tests agree.

import type { Amf0Value } from '@livelink/amf';
import { commandMessage } from '../message/command.ts';
import type { RtmpMessage } from '../chunk/types.ts';

export type StatusLevel = 'status' | 'error' | 'warning';

/** The info object of an onStatus call (NetStream/NetConnection status events). */
export interface StatusInfo {
  level: StatusLevel;
  code: string;
  description: string;
  [key: string]: Amf0Value;
}

/** The server's NetConnection properties in connect's _result; OBS and ffmpeg only check that it is there. */
export const SERVER_PROPERTIES = { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 } as const;

export function statusMessage(streamId: number, info: StatusInfo, amf3: boolean): RtmpMessage {
  return commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [info] }, { messageStreamId: streamId, amf3 });
}

/** A reply to a call: `_result` or `_error` with the caller's transaction id. */
export function replyMessage(
  name: '_result' | '_error', transactionId: number, commandObject: Amf0Value, args: Amf0Value[], streamId: number, amf3: boolean,
): RtmpMessage {
  return commandMessage({ name, transactionId, commandObject, args }, { messageStreamId: streamId, amf3 });
}

/** Thrown (as a promise rejection) by the client session when the server answers with an error status. */
export class RtmpStatusError extends Error {
  readonly code: string;
  readonly info: Readonly<Record<string, Amf0Value>>;
  constructor(info: Record<string, Amf0Value>) {
    const code = typeof info.code === 'string' ? info.code : 'unknown';
    super(`${code}: ${typeof info.description === 'string' ? info.description : 'no description'}`);
    this.name = 'RtmpStatusError';
    this.code = code;
    this.info = info;
  }
}
