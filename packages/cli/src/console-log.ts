// Plain console logging for `livelink serve` until the xlog sink is wired in.
import type { MediaLog, LogFields } from '@livelink/media';

export function consoleLog(): MediaLog {
  const line = (level: string, tag: string, message: string, fields?: LogFields) =>
    `${new Date().toISOString()} ${level} [${tag}] ${message}${fields ? ' ' + JSON.stringify(fields) : ''}\n`;
  return {
    debug: () => {},
    info: (tag, message, fields) => process.stdout.write(line('I', tag, message, fields)),
    warn: (tag, message, fields) => process.stderr.write(line('W', tag, message, fields)),
    error: (tag, message, fields) => process.stderr.write(line('E', tag, message, fields)),
  };
}
