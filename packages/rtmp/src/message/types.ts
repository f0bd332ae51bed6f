/** Message type ids (RTMP spec 5.4, 7.1). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/** User Control event types (spec 7.1.7); 0x1A/0x1B (SWF verification) and 0x1F/0x20 (buffer) are Flash extensions. */
export const UserControlEventType = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Set Peer Bandwidth limit types (spec 5.4.5). */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;
export type PeerBandwidthLimitType = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];

export type StreamEventName = 'stream-begin' | 'stream-eof' | 'stream-dry' | 'stream-is-recorded';

export type UserControl =
  | { event: StreamEventName; streamId: number }
  | { event: 'set-buffer-length'; streamId: number; bufferLength: number }
  | { event: 'ping-request' | 'ping-response'; timestamp: number }
  /** Events outside the spec (SWF verification, buffer empty/ready): kept raw, ignored by the sessions. */
  | { event: 'unknown'; eventType: number; data: Uint8Array };
