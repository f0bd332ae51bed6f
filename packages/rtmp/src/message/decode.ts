// Raw message -> typed message. Media and data stay raw (the server forwards their bytes untouched); commands,
// protocol control and user control are decoded, and aggregates are split into their sub-messages.

import type { RtmpMessage } from '../chunk/types.ts';
import { splitAggregate } from './aggregate.ts';
import { decodeCommand } from './command.ts';
import type { Command } from './command.ts';
import { decodeSetChunkSize, decodeSetPeerBandwidth, decodeUint32Control, decodeUserControl } from './control.ts';
import { MessageType } from './types.ts';
import type { UserControl } from './types.ts';

export type DecodedMessage =
  | { kind: 'set-chunk-size'; chunkSize: number }
  | { kind: 'abort'; chunkStreamId: number }
  | { kind: 'acknowledgement'; sequenceNumber: number }
  | { kind: 'window-ack-size'; windowSize: number }
  | { kind: 'set-peer-bandwidth'; windowSize: number; limitType: number }
  | { kind: 'user-control'; control: UserControl }
  | { kind: 'command'; command: Command; message: RtmpMessage }
  /** Audio, video and data messages, aggregates already split (so possibly several). */
  | { kind: 'media'; messages: RtmpMessage[] }
  /** Shared objects and unknown types: nothing in livelink consumes them. */
  | { kind: 'other'; message: RtmpMessage };

/** Throws RtmpError ('bad-message', 'bad-chunk-size', 'bad-command', 'amf') on payloads that do not fit the type. */
export function decodeMessage(message: RtmpMessage): DecodedMessage {
  switch (message.typeId) {
    case MessageType.SetChunkSize:
      return { kind: 'set-chunk-size', chunkSize: decodeSetChunkSize(message) };
    case MessageType.Abort:
      return { kind: 'abort', chunkStreamId: decodeUint32Control(message, 'Abort') };
    case MessageType.Acknowledgement:
      return { kind: 'acknowledgement', sequenceNumber: decodeUint32Control(message, 'Acknowledgement') };
    case MessageType.WindowAckSize:
      return { kind: 'window-ack-size', windowSize: decodeUint32Control(message, 'Window Acknowledgement Size') };
    case MessageType.SetPeerBandwidth:
      return { kind: 'set-peer-bandwidth', ...decodeSetPeerBandwidth(message) };
    case MessageType.UserControl:
      return { kind: 'user-control', control: decodeUserControl(message) };
    case MessageType.CommandAmf0:
    case MessageType.CommandAmf3:
      return { kind: 'command', command: decodeCommand(message), message };
    case MessageType.Audio:
    case MessageType.Video:
    case MessageType.DataAmf0:
    case MessageType.DataAmf3:
      return { kind: 'media', messages: [message] };
    case MessageType.Aggregate:
      return { kind: 'media', messages: splitAggregate(message) };
    default:
      return { kind: 'other', message };
  }
}
