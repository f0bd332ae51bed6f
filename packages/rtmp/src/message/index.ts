export { MessageType, UserControlEventType, PeerBandwidthLimit } from './types.ts';
export type { PeerBandwidthLimitType, StreamEventName, UserControl } from './types.ts';
export {
  setChunkSizeMessage, abortMessage, acknowledgementMessage, windowAckSizeMessage, setPeerBandwidthMessage, userControlMessage,
} from './control.ts';
export { decodeCommand, commandMessage } from './command.ts';
export type { Command, CommandMessageOptions } from './command.ts';
export { decodeDataMessage, dataMessage, isSetDataFrame, stripSetDataFrame } from './data.ts';
export { splitAggregate, aggregateMessage } from './aggregate.ts';
export { decodeMessage } from './decode.ts';
export type { DecodedMessage } from './decode.ts';
