// Development console: one pretty line per record, coloured by level on a TTY, gathered per
// event-loop turn so a busy logger makes one write per turn instead of one per line.

import fs from 'node:fs';
import { LEVEL_LETTERS } from './levels.ts';

export interface ConsoleOptions {
  /** Default process.stderr, so a program's stdout stays its own. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
  /** Default: whether the stream is a TTY. */
  colors?: boolean;
}

const COLORS = ['\x1b[90m', '\x1b[36m', '\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[35;1m'];
const RESET = '\x1b[0m';

export class ConsoleSink {
  private readonly stream: NonNullable<ConsoleOptions['stream']>;
  private readonly colors: boolean;
  private pending = '';

  constructor(options: ConsoleOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.colors = options.colors ?? this.stream.isTTY === true;
  }

  write(level: number, time: number, tag: string, message: string, fieldsJson: string): void {
    const letter = LEVEL_LETTERS[level];
    const head = this.colors ? `${COLORS[level]}${letter}${RESET}` : letter;
    this.pending += `${clockTime(time)} ${head} ${tag}: ${message}${fieldsJson ? ` ${fieldsJson}` : ''}\n`;
  }

  flush(): void {
    if (this.pending === '') return;
    this.stream.write(this.pending);
    this.pending = '';
  }

  /** For exit paths, where an asynchronous stream write would never happen. */
  flushSync(): void {
    if (this.pending === '') return;
    if (typeof this.stream.fd === 'number') {
      try {
        fs.writeSync(this.stream.fd, this.pending);
      } catch {
        // A closed or broken console must not stop the file flush that follows.
      }
    } else {
      this.stream.write(this.pending);
    }
    this.pending = '';
  }
}

function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
