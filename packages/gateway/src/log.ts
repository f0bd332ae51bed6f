export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log sink; `fields` carry ids and reasons so cut connections can be traced. */
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Console sink; drops debug, which fires per connection and would flood a busy gateway. */
export const consoleLogger: Logger = (level, message, fields) => {
  if (level === 'debug') return;
  const line = fields === undefined ? `[gateway] ${message}` : `[gateway] ${message} ${JSON.stringify(fields)}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.info(line);
};
