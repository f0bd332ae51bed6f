// The media server logs through this narrow interface so that any structured logger
// (our xlog, or console in tests) plugs in without the server depending on its type.
export type LogFields = Record<string, unknown>;

export interface MediaLog {
  debug(tag: string, message: string, fields?: LogFields): void;
  info(tag: string, message: string, fields?: LogFields): void;
  warn(tag: string, message: string, fields?: LogFields): void;
  error(tag: string, message: string, fields?: LogFields): void;
}

/** Discards everything; the default for libraries embedded without a logger. */
export const silentLog: MediaLog = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
