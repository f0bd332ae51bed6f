export { MediaServer, type MediaServerOptions } from './media-server.ts';
export { defaultMediaConfig, resolveMediaConfig, type MediaServerConfig, type MediaServerOverrides } from './config.ts';
export { StreamHub, StreamBusyError } from './hub/stream-hub.ts';
export { LiveStream } from './hub/live-stream.ts';
export { HubFrame, type FrameKind } from './hub/frame.ts';
export type { Subscriber, Publisher, PlayerProtocol } from './hub/subscriber.ts';
export { silentLog, type MediaLog, type LogFields } from './log.ts';
