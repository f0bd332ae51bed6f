// Log files on disk (Node), named as Mars names them: PREFIX_YYYYMMDD.xlog, then
// PREFIX_YYYYMMDD_1.xlog, _2… when maxFileBytes splits a day (local date of the injected
// clock). Blocks are written at reserved positions (pwrite), so a block can be written again
// at the same place by a synchronous flush while its asynchronous write is still in flight.
// Maintenance (expiry after retentionDays, moving files from cacheDir to dir) runs off the
// caller's path, on fs.promises.

import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from './clock.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface FileSinkOptions {
  dir: string;
  prefix: string;
  /** Files are written here first and moved to `dir` once closed and older than cacheDays. */
  cacheDir?: string;
  cacheDays: number;
  /** 0 = one file per day. */
  maxFileBytes: number;
  retentionDays: number;
  clock: Clock;
  onError(error: Error): void;
}

export interface LogFile {
  readonly path: string;
  readonly name: string;
  readonly day: string;
  readonly index: number;
  fd: number;
  /** Bytes reserved so far (= the next block's position). */
  size: number;
  /** Bytes of the same name already moved to `dir` (counted against maxFileBytes, as Mars does). */
  movedSize: number;
  /** Blocks reserved here and not yet written. */
  pending: number;
  /** Asynchronous writes in flight: the fd must outlive them. */
  inflight: number;
  retired: boolean;
}

export interface Place {
  file: LogFile;
  position: number;
}

export class FileSink {
  private readonly options: FileSinkOptions;
  private readonly writeDir: string;
  private readonly namePattern: RegExp;
  private current: LogFile | undefined;
  private readonly open = new Set<LogFile>();
  private maintenance: Promise<void> = Promise.resolve();

  constructor(options: FileSinkOptions) {
    this.options = options;
    this.writeDir = options.cacheDir ?? options.dir;
    fs.mkdirSync(options.dir, { recursive: true });
    if (options.cacheDir) fs.mkdirSync(options.cacheDir, { recursive: true });
    this.namePattern = new RegExp(`^${escapeRegExp(options.prefix)}_(\\d{8})(?:_(\\d+))?\\.xlog$`);
    this.scheduleMaintenance();
  }

  /** Where a block of `length` bytes goes; opens the next file when the day or the size says so. */
  reserve(length: number): Place {
    const day = dayStamp(this.options.clock.now());
    let file = this.current;
    if (file === undefined || file.day !== day) {
      file = this.switchTo(this.latestFor(day));
      this.scheduleMaintenance();
    } else if (this.isFull(file, length)) {
      file = this.switchTo(this.openFile(day, file.index + 1));
    }
    const position = file.size;
    file.size += length;
    file.pending++;
    return { file, position };
  }

  /** A reserved block has reached the file (or failed to). */
  done(place: Place): void {
    place.file.pending--;
    this.settle(place.file);
  }

  writeStarted(file: LogFile): void {
    file.inflight++;
  }

  writeEnded(file: LogFile): void {
    file.inflight--;
    this.settle(file);
  }

  /** Closes the current file and waits for maintenance (including the last move out of cacheDir). */
  async close(): Promise<void> {
    if (this.current) {
      this.current.retired = true;
      this.settle(this.current);
      this.current = undefined;
    }
    this.scheduleMaintenance();
    await this.maintenance;
  }

  /** Paths of the files currently open for writing. */
  openPaths(): string[] {
    return [...this.open].map((f) => f.path);
  }

  private isFull(file: LogFile, length: number): boolean {
    const max = this.options.maxFileBytes;
    const used = file.size + file.movedSize;
    return max > 0 && used > 0 && used + length > max;
  }

  private switchTo(file: LogFile): LogFile {
    if (this.current) {
      this.current.retired = true;
      this.settle(this.current);
    }
    this.current = file;
    return file;
  }

  /** Today's newest file, or the next index when it is already full. */
  private latestFor(day: string): LogFile {
    let index = 0;
    for (const dir of this.dirs()) {
      for (const name of readdirOrEmpty(dir)) {
        const m = this.namePattern.exec(name);
        if (m && m[1] === day) index = Math.max(index, Number(m[2] ?? 0));
      }
    }
    const file = this.openFile(day, index);
    if (!this.isFull(file, 1)) return file;
    this.closeFd(file);
    return this.openFile(day, index + 1);
  }

  private openFile(day: string, index: number): LogFile {
    const name = `${this.options.prefix}_${day}${index > 0 ? `_${index}` : ''}.xlog`;
    const filePath = path.join(this.writeDir, name);
    // No O_APPEND: positional writes must land where they were reserved.
    const fd = fs.openSync(filePath, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
    const movedSize = this.options.cacheDir ? sizeOrZero(path.join(this.options.dir, name)) : 0;
    const file: LogFile = { path: filePath, name, day, index, fd, size: fs.fstatSync(fd).size, movedSize, pending: 0, inflight: 0, retired: false };
    this.open.add(file);
    return file;
  }

  private settle(file: LogFile): void {
    if (file.retired && file.pending === 0 && file.inflight === 0 && file.fd >= 0) {
      this.closeFd(file);
      if (this.options.cacheDir) this.scheduleMaintenance();
    }
  }

  private closeFd(file: LogFile): void {
    try {
      fs.closeSync(file.fd);
    } catch (error) {
      this.options.onError(error as Error);
    }
    file.fd = -1;
    this.open.delete(file);
  }

  private dirs(): string[] {
    return this.options.cacheDir ? [this.options.dir, this.options.cacheDir] : [this.options.dir];
  }

  private scheduleMaintenance(): void {
    this.maintenance = this.maintenance.then(() => this.maintain()).catch((error: Error) => this.options.onError(error));
  }

  private async maintain(): Promise<void> {
    const now = this.options.clock.now();
    await this.expire(now);
    if (this.options.cacheDir) await this.moveFromCache(this.options.cacheDir, now);
  }

  /**
   * Deletes our own files (by name pattern, never anything else) whose day ended more than
   * retentionDays ago. Mars looks at mtime; the day in the name comes from the same clock as
   * the records, so an injected clock and copied files (fresh mtimes) behave predictably.
   */
  private async expire(now: number): Promise<void> {
    const busy = new Set(this.openPaths());
    for (const dir of this.dirs()) {
      for (const name of await readdirOrEmptyAsync(dir)) {
        const m = this.namePattern.exec(name);
        const filePath = path.join(dir, name);
        if (!m || busy.has(filePath)) continue;
        if (dayEnd(m[1]) < now - this.options.retentionDays * DAY_MS) await fs.promises.rm(filePath, { force: true });
      }
    }
  }

  /** Moves closed cache files of days at least cacheDays old into `dir`, appending to a same-named file. */
  private async moveFromCache(cacheDir: string, now: number): Promise<void> {
    const lastDay = dayStamp(now - this.options.cacheDays * DAY_MS);
    const busy = new Set(this.openPaths());
    for (const name of await readdirOrEmptyAsync(cacheDir)) {
      const m = this.namePattern.exec(name);
      const from = path.join(cacheDir, name);
      if (!m || m[1] > lastDay || busy.has(from)) continue;
      const to = path.join(this.options.dir, name);
      // Blocks are self-delimiting, so appending one file's blocks to another's is a valid file.
      if (fs.existsSync(to)) await fs.promises.appendFile(to, await fs.promises.readFile(from));
      else if (await renamed(from, to)) continue;
      else await fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL);
      await fs.promises.rm(from, { force: true });
    }
  }
}

/** Local calendar day of `ms` as YYYYMMDD, as in Mars's file names. */
export function dayStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

/** rename(2), or false when the two directories are on different filesystems. */
async function renamed(from: string, to: string): Promise<boolean> {
  try {
    await fs.promises.rename(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw error;
  }
}

/** Local midnight after the day YYYYMMDD: the latest time a record in that day's file can have. */
function dayEnd(day: string): number {
  return new Date(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)) + 1).getTime();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

async function readdirOrEmptyAsync(dir: string): Promise<string[]> {
  return fs.promises.readdir(dir).catch(() => []);
}

function sizeOrZero(filePath: string): number {
  try {
    return fs.statSync(filePath).size;
  } catch {
    return 0;
  }
}
