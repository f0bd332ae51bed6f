export { createGateway, Gateway } from './gateway.ts';
export type { GatewayOptions, GatewayMetrics, IdentifyHandler, IdentifyContext, IdentifyResult } from './gateway.ts';
export type { TaskHandler, TaskContext, HandleOptions, LinkConnectionInfo } from './tasks.ts';
export type { HttpLink, HttpLinkOptions } from './http.ts';
export { TaskError, TaskErrorCodes } from './task-error.ts';
export type { Bus, BusHandler } from './bus/bus.ts';
export { InProcessBus } from './bus/in-process-bus.ts';
export type { Logger, LogLevel } from './log.ts';
export { consoleLogger } from './log.ts';
