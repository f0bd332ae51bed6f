// The logger (Node). A call formats one binary record into the active crash-buffer segment and
// returns; in crash-safe mode it also hands the framed record to the kernel with one writeSync
// (about a microsecond), in buffered mode that happens once per event-loop turn. Everything
// slow happens later, off the caller's call: when a segment is full (or the flush interval
// fires) it is sealed, compressed and encrypted into one block in a later turn, and the block
// is written to the log file asynchronously; only then is the segment freed for reuse.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Compression } from './block.ts';
import { BlockEncoder, encodeRescued } from './block-encoder.ts';
import { systemClock, type Clock } from './clock.ts';
import { ConsoleSink, type ConsoleOptions } from './console-sink.ts';
import { CrashBuffer, type LiveSegment, type Segment } from './crash-buffer.ts';
import { XlogError } from './errors.ts';
import { FileSink, type Place } from './file-sink.ts';
import { parseKeyHex, KEY_BYTES } from './keys.ts';
import { LEVELS, isLevelName, type LevelName, type RecordLevel } from './levels.ts';
import { registerForExit, unregisterForExit } from './process-hooks.ts';
import { MAX_FIELDS_CHARS, MAX_MESSAGE_CHARS, MAX_TAG_CHARS, RECORD_HEAD_BYTES, RECORD_OFFSETS, type Fields } from './record.ts';

export interface LoggerOptions {
  /** Directory of the log files. Use one the logger owns: expiry deletes old PREFIX_*.xlog files in it. */
  dir: string;
  /** File name prefix; one live logger per prefix and directory. */
  prefix: string;
  /** Records below this level are dropped at the call. Default 'info'. */
  level?: LevelName;
  /** Pretty lines on stderr (or the stream given) as well as the file. Default false. */
  console?: boolean | ConsoleOptions;
  /** true (default): every call reaches the page cache before it returns. false: once per turn. */
  crashSafe?: boolean;
  /** Reader's X25519 public key (64 hex digits or 32 bytes), from `xlog keygen`; absent = no encryption. */
  publicKey?: string | Uint8Array;
  /** Default 'zstd'. */
  compression?: Compression;
  /** Start PREFIX_YYYYMMDD_N+1.xlog when a file would pass this size. 0 (default) = one file per day. */
  maxFileBytes?: number;
  /** Files older than this (mtime) are deleted. Default 10, minimum 1, as in Mars. */
  retentionDays?: number;
  /** Write files (and the crash buffer) here first; move them to `dir` when closed and cacheDays old. */
  cacheDir?: string;
  /** Default 0: move a cache file as soon as it is no longer written. */
  cacheDays?: number;
  clock?: Clock;
  /** A non-empty segment is turned into a block at least this often. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Flush synchronously on exit, uncaught exceptions and SIGINT/SIGTERM/SIGHUP. Default true. */
  handleProcessEvents?: boolean;
  /** Write failures (disk full…) are counted and reported here; the default prints to stderr once. */
  onError?: (error: Error) => void;
}

export interface LevelMethods {
  verbose(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  fatal(message: string, fields?: Fields): void;
}

/** A logger bound to one tag (its encoded bytes are cached, so this is the fastest way to log). */
export interface TaggedLogger extends LevelMethods {
  readonly tag: string;
}

export interface LoggerStats {
  records: number;
  blocks: number;
  /** Bytes of log file written (blocks, rescued blocks). */
  bytesWritten: number;
  /** Bytes written into the crash buffer (page-cache traffic; the file itself stays 512 KiB). */
  crashBufferBytes: number;
  /** Records a previous run left in the crash buffer and this run put into the log. */
  recoveredRecords: number;
  /** Times every segment was busy and a call had to flush synchronously (logging faster than blocks are written). */
  forcedFlushes: number;
  writeErrors: number;
}

export interface Logger {
  verbose(tag: string, message: string, fields?: Fields): void;
  debug(tag: string, message: string, fields?: Fields): void;
  info(tag: string, message: string, fields?: Fields): void;
  warn(tag: string, message: string, fields?: Fields): void;
  error(tag: string, message: string, fields?: Fields): void;
  /** Logs, then flushes synchronously (the process is probably about to die). */
  fatal(tag: string, message: string, fields?: Fields): void;
  log(level: RecordLevel, tag: string, message: string, fields?: Fields): void;
  child(tag: string): TaggedLogger;
  isEnabled(level: LevelName): boolean;
  setLevel(level: LevelName): void;
  /** Turns everything logged so far into blocks and waits until they are written. */
  flush(): Promise<void>;
  /** The same, blocking: for exit paths. */
  flushSync(): void;
  close(): Promise<void>;
  readonly stats: Readonly<LoggerStats>;
  /** The crash buffer file: `<cacheDir or dir>/<prefix>.xbuf`. */
  readonly crashBufferPath: string;
}

const FATAL = LEVELS.fatal;
/** Crash buffers open in this process: two loggers on one buffer would overwrite each other's blocks. */
const openBuffers = new Set<string>();
const INTERNAL_TAG = 'xlog';

interface PendingWrite {
  segment: Segment;
  bytes: Buffer;
  place: Place;
  done: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  return new XLogger(options);
}

class XLogger implements Logger {
  readonly stats: LoggerStats = { records: 0, blocks: 0, bytesWritten: 0, crashBufferBytes: 0, recoveredRecords: 0, forcedFlushes: 0, writeErrors: 0 };
  readonly crashBufferPath: string;
  private minLevel: number;
  private readonly crashSafe: boolean;
  private readonly clock: Clock;
  private readonly consoleSink: ConsoleSink | undefined;
  private readonly sink: FileSink;
  private readonly encoder: BlockEncoder;
  private readonly crash: CrashBuffer;
  private readonly onError: (error: Error) => void;
  private readonly handleProcessEvents: boolean;
  private active: Segment;
  private readonly sealed: Segment[] = [];
  private readonly writes: PendingWrite[] = [];
  private readonly tagCache = new Map<string, Buffer>();
  private seq = 0;
  private serial = 0;
  private turnScheduled = false;
  private readonly timer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  /** Set once the crash buffer is closed: late exit hooks and turns must not touch it. */
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: LoggerOptions) {
    const retentionDays = options.retentionDays ?? 10;
    const maxFileBytes = options.maxFileBytes ?? 0;
    const cacheDays = options.cacheDays ?? 0;
    const flushIntervalMs = options.flushIntervalMs ?? 1000;
    const level = options.level ?? 'info';
    if (!isLevelName(level)) throw new XlogError('bad-option', `level must be one of ${Object.keys(LEVELS).join(', ')}`);
    if (!/^[\w.-]+$/.test(options.prefix)) throw new XlogError('bad-option', 'prefix must be letters, digits, "_", "." or "-"');
    if (!(retentionDays >= 1)) throw new XlogError('bad-option', 'retentionDays must be at least 1');
    if (!(maxFileBytes >= 0) || !(cacheDays >= 0) || !(flushIntervalMs > 0)) {
      throw new XlogError('bad-option', 'maxFileBytes and cacheDays must be >= 0, flushIntervalMs > 0');
    }
    this.minLevel = LEVELS[level];
    this.crashSafe = options.crashSafe ?? true;
    this.clock = options.clock ?? systemClock;
    this.handleProcessEvents = options.handleProcessEvents ?? true;
    this.onError = options.onError ?? reportOnce();
    if (options.console) this.consoleSink = new ConsoleSink(options.console === true ? {} : options.console);
    const publicKey = typeof options.publicKey === 'string' ? parseKeyHex(options.publicKey, KEY_BYTES, 'publicKey') : options.publicKey;
    if (publicKey !== undefined && publicKey.length !== KEY_BYTES) throw new XlogError('bad-key', `publicKey must be ${KEY_BYTES} bytes`);

    this.sink = new FileSink({
      dir: options.dir,
      prefix: options.prefix,
      cacheDir: options.cacheDir,
      cacheDays,
      maxFileBytes,
      retentionDays,
      clock: this.clock,
      onError: (error) => this.fail(error),
    });
    const session = randomBytes(4).readUInt32LE(0);
    this.encoder = new BlockEncoder({ compression: options.compression ?? 'zstd', recipientPublicKey: publicKey, session, pid: process.pid });
    this.crashBufferPath = path.join(options.cacheDir ?? options.dir, `${options.prefix}.xbuf`);
    if (openBuffers.has(this.crashBufferPath)) {
      throw new XlogError('buffer-in-use', `${this.crashBufferPath} is already open in this process; close that logger or use another prefix`);
    }
    const leftovers = CrashBuffer.readLive(this.crashBufferPath);
    assertNotInUse(leftovers, this.crashBufferPath);
    this.crash = new CrashBuffer(this.crashBufferPath, session, process.pid, this.encoder.crashCipher);
    openBuffers.add(this.crashBufferPath);
    if (leftovers.length > 0) this.rescue(leftovers);
    this.active = this.crash.segments[0];
    this.crash.activate(this.active, ++this.serial, this.clock.now());
    this.timer = setInterval(() => this.flushAsync(), flushIntervalMs).unref();
    if (this.handleProcessEvents) registerForExit(this);
    if (leftovers.length > 0) {
      const records = leftovers.reduce((n, s) => n + s.records, 0);
      this.info(INTERNAL_TAG, `recovered ${records} records from the crash buffer of pid ${leftovers[0].header.pid}`, { records, segments: leftovers.length });
    }
  }

  verbose(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.verbose >= this.minLevel) this.write(LEVELS.verbose, tag, this.tagBytes(tag), message, fields);
  }
  debug(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.debug >= this.minLevel) this.write(LEVELS.debug, tag, this.tagBytes(tag), message, fields);
  }
  info(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.info >= this.minLevel) this.write(LEVELS.info, tag, this.tagBytes(tag), message, fields);
  }
  warn(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.warn >= this.minLevel) this.write(LEVELS.warn, tag, this.tagBytes(tag), message, fields);
  }
  error(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.error >= this.minLevel) this.write(LEVELS.error, tag, this.tagBytes(tag), message, fields);
  }
  fatal(tag: string, message: string, fields?: Fields): void {
    if (LEVELS.fatal >= this.minLevel) this.write(LEVELS.fatal, tag, this.tagBytes(tag), message, fields);
  }
  log(level: RecordLevel, tag: string, message: string, fields?: Fields): void {
    const id = LEVELS[level];
    if (id >= this.minLevel) this.write(id, tag, this.tagBytes(tag), message, fields);
  }

  child(tag: string): TaggedLogger {
    const bytes = encodeTag(tag);
    const at = (id: number) => (message: string, fields?: Fields) => {
      if (id >= this.minLevel) this.write(id, tag, bytes, message, fields);
    };
    return { tag, verbose: at(0), debug: at(1), info: at(2), warn: at(3), error: at(4), fatal: at(5) };
  }

  isEnabled(level: LevelName): boolean {
    return LEVELS[level] >= this.minLevel && level !== 'none';
  }

  setLevel(level: LevelName): void {
    if (!isLevelName(level)) throw new XlogError('bad-option', `unknown level ${String(level)}`);
    this.minLevel = LEVELS[level];
  }

  private tagBytes(tag: string): Buffer {
    let bytes = this.tagCache.get(tag);
    if (bytes === undefined) {
      bytes = encodeTag(tag);
      // Tags are meant to be a small fixed set; a caller passing unbounded ones must not grow memory.
      if (this.tagCache.size < 1024) this.tagCache.set(tag, bytes);
    }
    return bytes;
  }

  /** The hot path: one record into the active segment, then (crash-safe) one writeSync. */
  private write(level: number, tag: string, tagBytes: Buffer, message: string, fields: Fields | undefined): void {
    if (this.closing) return;
    if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS)}…[truncated]`;
    const fieldsJson = fields === undefined ? '' : serializeFields(fields);
    const worst = RECORD_HEAD_BYTES + tagBytes.length + 3 * (message.length + fieldsJson.length);
    let segment = this.active;
    if (!segment.fits(worst)) segment = this.sealActive();
    const time = this.clock.now();
    const plain = segment.plain;
    const start = segment.plainLength;
    let at = start + RECORD_HEAD_BYTES;
    at += tagBytes.copy(plain, at);
    const messageBytes = message.length === 0 ? 0 : plain.write(message, at);
    at += messageBytes;
    const fieldsBytes = fieldsJson.length === 0 ? 0 : plain.write(fieldsJson, at);
    at += fieldsBytes;
    plain[start + RECORD_OFFSETS.level] = level;
    plain[start + 1] = 0;
    plain.writeUInt16LE(tagBytes.length, start + RECORD_OFFSETS.tagLength);
    plain.writeUInt32LE(messageBytes, start + RECORD_OFFSETS.messageLength);
    plain.writeUInt32LE(fieldsBytes, start + RECORD_OFFSETS.fieldsLength);
    this.seq = (this.seq + 1) >>> 0;
    plain.writeUInt32LE(this.seq, start + RECORD_OFFSETS.seq);
    plain.writeDoubleLE(time, start + RECORD_OFFSETS.time);
    segment.plainLength = at;
    if (segment.count++ === 0) segment.firstTime = time;
    this.stats.records++;
    this.crash.frame(segment, start, at - start);
    if (this.crashSafe) this.commit(segment);
    if (this.consoleSink) this.consoleSink.write(level, time, tag, message, fieldsJson);
    if (level >= FATAL) this.flushSync();
    else if (!this.turnScheduled && (!this.crashSafe || this.consoleSink || this.sealed.length > 0)) this.scheduleTurn();
  }

  private commit(segment: Segment): void {
    try {
      this.stats.crashBufferBytes += this.crash.commit(segment);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private scheduleTurn(): void {
    this.turnScheduled = true;
    setImmediate(this.onTurnEnd);
  }

  /** After the caller's turn: buffered records reach the crash buffer, sealed segments become blocks. */
  private readonly onTurnEnd = (): void => {
    this.turnScheduled = false;
    if (this.closed) return;
    if (!this.crashSafe) this.commit(this.active);
    this.consoleSink?.flush();
    this.cutSealed(true);
  };

  /**
   * Seals the active segment and activates a free one. If none is free (blocks are being made
   * slower than records arrive), everything outstanding is written synchronously first: memory
   * stays bounded and nothing is dropped, at the price of one slow call.
   */
  private sealActive(): Segment {
    const old = this.active;
    if (!this.crashSafe) this.commit(old);
    old.state = 'sealed';
    this.sealed.push(old);
    let next = this.crash.segments.find((s) => s.state === 'free');
    if (next === undefined) {
      this.stats.forcedFlushes++;
      this.cutSealed(false);
      this.writeOutstandingSync();
      next = this.crash.segments.find((s) => s.state === 'free')!;
    }
    this.crash.activate(next, ++this.serial, this.clock.now());
    this.active = next;
    if (!this.turnScheduled) this.scheduleTurn();
    return next;
  }

  /** Turns sealed segments into blocks at reserved file positions; starts their writes if `async`. */
  private cutSealed(async: boolean): void {
    while (this.sealed.length > 0) {
      const segment = this.sealed.shift()!;
      const bytes = this.encoder.encodeBatch(segment.plain.subarray(0, segment.plainLength), segment.count, segment.firstTime);
      segment.state = 'writing';
      const pending: PendingWrite = { segment, bytes, place: this.sink.reserve(bytes.length), done: false };
      this.writes.push(pending);
      if (async) this.startWrite(pending);
    }
  }

  private startWrite(pending: PendingWrite): void {
    const { file, position } = pending.place;
    this.sink.writeStarted(file);
    fs.write(file.fd, pending.bytes, 0, pending.bytes.length, position, (error) => {
      if (error) this.fail(error);
      this.complete(pending);
      this.sink.writeEnded(file);
    });
  }

  /** Writes every block not yet confirmed; re-writing one whose async write is in flight is harmless (same bytes, same place). */
  private writeOutstandingSync(): void {
    for (const pending of [...this.writes]) {
      if (pending.done) continue;
      try {
        fs.writeSync(pending.place.file.fd, pending.bytes, 0, pending.bytes.length, pending.place.position);
      } catch (error) {
        this.fail(error as Error);
      }
      this.complete(pending);
    }
  }

  private complete(pending: PendingWrite): void {
    if (pending.done) return;
    pending.done = true;
    this.writes.splice(this.writes.indexOf(pending), 1);
    this.stats.blocks++;
    this.stats.bytesWritten += pending.bytes.length;
    try {
      this.crash.release(pending.segment);
    } catch (error) {
      this.fail(error as Error);
    }
    this.sink.done(pending.place);
    if (this.writes.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private flushAsync(): void {
    if (this.active.count > 0) this.sealActive();
    this.cutSealed(true);
  }

  flush(): Promise<void> {
    this.flushAsync();
    if (this.writes.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  flushSync(): void {
    if (this.closed) return;
    if (this.active.count > 0) this.sealActive();
    this.cutSealed(false);
    this.writeOutstandingSync();
    this.consoleSink?.flushSync();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.consoleSink?.flush();
    this.closed = true;
    this.crash.close();
    openBuffers.delete(this.crashBufferPath);
    await this.sink.close();
    if (this.handleProcessEvents) unregisterForExit(this);
  }

  /** A previous run died with records in the crash buffer: put them in the log before anything new. */
  private rescue(leftovers: LiveSegment[]): void {
    for (const live of leftovers) {
      const bytes = encodeRescued(live.header, live.region);
      const place = this.sink.reserve(bytes.length);
      fs.writeSync(place.file.fd, bytes, 0, bytes.length, place.position);
      this.sink.done(place);
      this.stats.recoveredRecords += live.records;
      this.stats.bytesWritten += bytes.length;
    }
    this.crash.clear();
  }

  private fail(error: Error): void {
    this.stats.writeErrors++;
    this.onError(error);
  }
}

function encodeTag(tag: string): Buffer {
  return Buffer.from(tag.length > MAX_TAG_CHARS ? tag.slice(0, MAX_TAG_CHARS) : tag, 'utf8');
}

/** Fields never make a call throw: unserializable values are logged as such. */
function serializeFields(fields: Fields): string {
  let json: string;
  try {
    json = JSON.stringify(fields) ?? '{}';
  } catch (error) {
    json = JSON.stringify({ unserializableFields: (error as Error).message });
  }
  // The kept prefix is short enough that even its worst-case escaping stays under the cap.
  return json.length > MAX_FIELDS_CHARS ? JSON.stringify({ truncatedFields: json.slice(0, 2048), length: json.length }) : json;
}

/**
 * Another live process writing the same crash buffer (and log file) would corrupt both; refuse
 * instead. A pid reused by an unrelated process after a reboot gives a false alarm: the error
 * names the pid, and removing the stale buffer file clears it.
 */
function assertNotInUse(leftovers: LiveSegment[], bufferPath: string): void {
  for (const { header } of leftovers) {
    if (header.pid === process.pid) continue;
    try {
      process.kill(header.pid, 0);
    } catch (error) {
      // EPERM: the pid exists but belongs to another user, so it is alive all the same.
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') continue;
    }
    throw new XlogError('buffer-in-use', `${bufferPath} is in use by live pid ${header.pid}; use another prefix or directory`);
  }
}

function reportOnce(): (error: Error) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`xlog: ${error.message} (further errors are counted in logger.stats.writeErrors)\n`);
  };
}
