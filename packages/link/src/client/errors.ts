// How a task fails. `code` is our coarse class; `errType`/`errCode` are Mars's own numbers
// (ErrCmdType and the error codes of mars/stn/stn.h) so logs and dashboards built for Mars read the same.

export type LinkErrorClass = 'local' | 'dial' | 'socket' | 'http' | 'server' | 'timeout' | 'canceled';

/** Mars's ErrCmdType values. */
export const ErrType = {
  ok: 0,
  dial: 2,
  dns: 3,
  socket: 4,
  http: 5,
  netMsgXP: 6,
  enDecode: 7,
  server: 8,
  local: 9,
  canceled: 10,
} as const;

/** Mars's error codes used by this client. */
export const ErrCode = {
  localTaskTimeout: -1,
  localAntiAvalanche: -4,
  localChannelSelect: -5,
  localNoNet: -6,
  localCancel: -7,
  localReset: -9,
  localTaskParam: -12,
  firstPacketTimeout: -500,
  packetToPacketTimeout: -501,
  readWriteTimeout: -502,
  socketNetworkChange: -10086,
  socketConnectFailed: -10087,
  socketShutdown: -10090,
  socketRecvErr: -10091,
  socketNoopTimeout: -10093,
  socketUnpackErr: -10504,
} as const;

export class LinkTaskError extends Error {
  readonly code: LinkErrorClass;
  readonly errType: number;
  readonly errCode: number;
  /** The task that failed; 0 while the error describes a link rather than one task. */
  readonly taskId: number;

  constructor(code: LinkErrorClass, errType: number, errCode: number, message: string, taskId = 0) {
    super(message);
    this.name = 'LinkTaskError';
    this.code = code;
    this.errType = errType;
    this.errCode = errCode;
    this.taskId = taskId;
  }

  /** A copy naming the task: one link failure becomes one error per task it hit. */
  forTask(taskId: number): LinkTaskError {
    return new LinkTaskError(this.code, this.errType, this.errCode, this.message, taskId);
  }

  /** Server errors, local rejections and cancellation end a task; network trouble is worth another attempt. */
  get retryable(): boolean {
    return this.code === 'dial' || this.code === 'socket' || this.code === 'http' || this.code === 'timeout';
  }
}

export function localError(errCode: number, message: string): LinkTaskError {
  return new LinkTaskError('local', ErrType.local, errCode, message);
}
