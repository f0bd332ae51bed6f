// Text and JSON renderings of decoded entries. Text follows Mars's line shape so people who
// read Mars logs read ours the same way: [L][date tz time][pid][tag] message {fields}. Pure.

import type { BlockOrigin, DecodeEvent } from './decoder.ts';
import { LEVELS, LEVEL_LETTERS } from './levels.ts';
import type { LogRecord } from './record.ts';

export interface FormatOptions {
  json?: boolean;
  /** 'local' (default) as Mars prints; 'utc' for reproducible output. */
  timeZone?: 'local' | 'utc';
}

export type DecodedEntry = Exclude<DecodeEvent, { type: 'issue' }>;

export function formatEntry(entry: DecodedEntry, options: FormatOptions = {}): string {
  if (entry.type === 'mars-line') {
    if (!options.json) return entry.line.text;
    const { text: _text, ...fields } = entry.line;
    return JSON.stringify({ format: 'mars', ...fields });
  }
  return options.json ? recordJson(entry.record, entry.origin) : recordText(entry.record, entry.origin, options.timeZone ?? 'local');
}

export function recordText(record: LogRecord, origin: BlockOrigin, timeZone: 'local' | 'utc'): string {
  const fields = record.fields ? ` ${JSON.stringify(record.fields)}` : '';
  return `[${LEVEL_LETTERS[LEVELS[record.level]]}][${formatTime(record.time, timeZone)}][${origin.pid}][${record.tag}] ${record.message}${fields}`;
}

function recordJson(record: LogRecord, origin: BlockOrigin): string {
  return JSON.stringify({
    time: new Date(record.time).toISOString(),
    level: record.level,
    tag: record.tag,
    message: record.message,
    ...(record.fields ? { fields: record.fields } : {}),
    seq: record.seq,
    pid: origin.pid,
    session: origin.session.toString(16).padStart(8, '0'),
    ...(origin.rescued ? { rescued: true } : {}),
  });
}

/** `2026-11-21 +8.0 10:00:00.123`, Mars's formatter layout (zone as signed hours, one decimal). */
export function formatTime(ms: number, timeZone: 'local' | 'utc'): string {
  const d = new Date(ms);
  const utc = timeZone === 'utc';
  const offsetMinutes = utc ? 0 : -d.getTimezoneOffset();
  const two = (n: number) => String(n).padStart(2, '0');
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const month = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const day = utc ? d.getUTCDate() : d.getDate();
  const hours = utc ? d.getUTCHours() : d.getHours();
  const minutes = utc ? d.getUTCMinutes() : d.getMinutes();
  const seconds = utc ? d.getUTCSeconds() : d.getSeconds();
  const millis = utc ? d.getUTCMilliseconds() : d.getMilliseconds();
  const zone = `${offsetMinutes < 0 ? '-' : '+'}${(Math.abs(offsetMinutes) / 60).toFixed(1)}`;
  return `${year}-${two(month)}-${two(day)} ${zone} ${two(hours)}:${two(minutes)}:${two(seconds)}.${String(millis).padStart(3, '0')}`;
}
