// Command messages (types 20 and 17): name, transaction id, command object, then arguments (spec 7.1.1, 7.2).

import type { Amf0Value } from '@livelink/amf';
import { RtmpError } from '../errors.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { decodeAmfValues, encodeAmfPayload } from './amf.ts';
import { MessageType } from './types.ts';

export interface Command {
  name: string;
  /** 0 for calls that expect no reply. */
  transactionId: number;
  /** Usually an object (connect) or null. */
  commandObject: Amf0Value;
  args: Amf0Value[];
}

export function decodeCommand(message: RtmpMessage): Command {
  const [name, transactionId, commandObject = null, ...args] = decodeAmfValues(message);
  if (typeof name !== 'string') {
    throw new RtmpError('bad-command', `command message without a name (first value is ${describe(name)})`);
  }
  // Some encoders omit the transaction id on calls that need no reply; only a non-number is malformed.
  if (transactionId !== undefined && typeof transactionId !== 'number') {
    throw new RtmpError('bad-command', `command ${name} has a transaction id of type ${describe(transactionId)}`);
  }
  return { name, transactionId: transactionId ?? 0, commandObject, args };
}

export interface CommandMessageOptions {
  messageStreamId?: number;
  /** Send as type 17 (AMF3 command) instead of 20; used to answer a client that spoke type 17. */
  amf3?: boolean;
  timestamp?: number;
}

export function commandMessage(command: Command, options: CommandMessageOptions = {}): RtmpMessage {
  const typeId = options.amf3 ? MessageType.CommandAmf3 : MessageType.CommandAmf0;
  return {
    typeId,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload: encodeAmfPayload(typeId, [command.name, command.transactionId, command.commandObject, ...command.args]),
  };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
