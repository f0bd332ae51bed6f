// One log call = one record: a fixed 24-byte little-endian head, then tag, message and fields
// (JSON) as UTF-8. Lengths are explicit so messages need no escaping. The writer fills this
// layout in place on its hot path (logger.ts); this module is the pure reader.

import { XlogError } from './errors.ts';
import { LEVEL_NAMES, type RecordLevel } from './levels.ts';

export const RECORD_HEAD_BYTES = 24;
export const RECORD_OFFSETS = {
  level: 0,
  tagLength: 2, // u16
  messageLength: 4, // u32
  fieldsLength: 8, // u32, 0 = no fields
  seq: 12, // u32, per session
  time: 16, // f64 ms since the epoch
} as const;

/** Writer-side caps (in UTF-16 units) that keep a record well inside one crash-buffer segment. */
export const MAX_TAG_CHARS = 128;
export const MAX_MESSAGE_CHARS = 16 * 1024;
export const MAX_FIELDS_CHARS = 16 * 1024;

export type Fields = Record<string, unknown>;

export interface LogRecord {
  level: RecordLevel;
  /** ms since the epoch, from the logger's clock. */
  time: number;
  /** Per logger session, from 1; consecutive within a session. */
  seq: number;
  tag: string;
  message: string;
  fields?: Fields;
}

const utf8 = new TextDecoder();

/** Reads every record of a block's raw payload. Throws XlogError('bad-record') on a malformed one. */
export function decodeRecords(raw: Uint8Array): LogRecord[] {
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const [record, next] = decodeRecord(raw, offset, raw.length);
    records.push(record);
    offset = next;
  }
  return records;
}

/** The record at `offset` (which must end by `end`) and the offset after it. */
export function decodeRecord(raw: Uint8Array, offset: number, end: number): [LogRecord, number] {
  if (offset + RECORD_HEAD_BYTES > end) throw badRecord(offset, 'head cut short');
  const view = new DataView(raw.buffer, raw.byteOffset + offset, RECORD_HEAD_BYTES);
  const levelId = view.getUint8(RECORD_OFFSETS.level);
  const tagLength = view.getUint16(RECORD_OFFSETS.tagLength, true);
  const messageLength = view.getUint32(RECORD_OFFSETS.messageLength, true);
  const fieldsLength = view.getUint32(RECORD_OFFSETS.fieldsLength, true);
  const level = LEVEL_NAMES[levelId];
  if (level === undefined) throw badRecord(offset, `level ${levelId}`);
  const tagStart = offset + RECORD_HEAD_BYTES;
  const messageStart = tagStart + tagLength;
  const fieldsStart = messageStart + messageLength;
  const next = fieldsStart + fieldsLength;
  if (next > end) throw badRecord(offset, `lengths run ${next - end} bytes past the end`);
  const record: LogRecord = {
    level,
    time: view.getFloat64(RECORD_OFFSETS.time, true),
    seq: view.getUint32(RECORD_OFFSETS.seq, true),
    tag: utf8.decode(raw.subarray(tagStart, messageStart)),
    message: utf8.decode(raw.subarray(messageStart, fieldsStart)),
  };
  if (fieldsLength > 0) record.fields = parseFields(raw.subarray(fieldsStart, next), offset);
  return [record, next];
}

function parseFields(bytes: Uint8Array, offset: number): Fields {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw badRecord(offset, 'fields are not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRecord(offset, 'fields are not an object');
  return value as Fields;
}

function badRecord(offset: number, why: string): XlogError {
  return new XlogError('bad-record', `record at payload offset ${offset}: ${why}`);
}
