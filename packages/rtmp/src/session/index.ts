export { ServerSession, DEFAULT_OUT_CHUNK_SIZE, DEFAULT_WINDOW_ACK_SIZE, DEFAULT_MAX_STREAMS } from './server-session.ts';
export type { ServerSessionOptions, ServerSessionState, ConnectInfo, PublishRequest, PlayRequest } from './server-session.ts';
export { ClientSession } from './client-session.ts';
export type { ClientSessionOptions, ClientSessionState, ConnectResult, PlayOptions } from './client-session.ts';
export { RtmpStatusError, SERVER_PROPERTIES } from './status.ts';
export type { StatusInfo, StatusLevel } from './status.ts';
export type { ChannelLimits } from './channel.ts';
export { splitQuery, connectTarget } from './names.ts';
export type { NameAndQuery, ConnectTarget } from './names.ts';
