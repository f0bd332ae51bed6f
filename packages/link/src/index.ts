// Browser-safe entry: no node:* imports anywhere below (checked by test/browser-bundle.test.ts).
export * from './protocol/frame.ts';
export * from './protocol/control.ts';
export { createLinkClient, type LinkClient, type LinkClientOptions, type LinkHooks, type NetworkStatus } from './client/link-client.ts';
export type { Channel, StartedTask, TaskOptions } from './client/task-manager.ts';
export { ErrCode, ErrType, LinkTaskError, type LinkErrorClass } from './client/errors.ts';
export type { LongLinkStatus, IdentifyRequest } from './client/long-link.ts';
export type { AppState } from './client/reconnect.ts';
export { attemptTimeouts, firstPacketTimeout, packetToPacketTimeout, readWriteTimeout, taskTimeout, type NetworkType } from './client/timeouts.ts';
export { systemClock, type Clock, type TimerHandle } from './client/clock.ts';
export type { ShortLinkFetch } from './client/short-link.ts';
export { webSocketTransport } from './transport/websocket.ts';
export type { CloseReason, LongLinkTransport, TransportConnection, TransportEvents } from './transport/types.ts';
