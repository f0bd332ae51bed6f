// Records each publish of a stream to its own FLV file, timestamps starting at zero, so
// a recording plays from its beginning in any FLV reader.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { flvFileHeader, flvTagSize, writeFlvTag, TAG_TYPE_AUDIO, TAG_TYPE_VIDEO, TAG_TYPE_SCRIPT } from '@livelink/flv';
import type { HubFrame } from '../hub/frame.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { StreamHub } from '../hub/stream-hub.ts';
import type { Subscriber } from '../hub/subscriber.ts';
import type { MediaLog } from '../log.ts';

const tagTypeOf = { audio: TAG_TYPE_AUDIO, video: TAG_TYPE_VIDEO, data: TAG_TYPE_SCRIPT } as const;
/** A disk that cannot keep up stops the recording rather than holding the stream in memory. */
const MAX_WRITE_BACKLOG_BYTES = 64 * 1024 * 1024;

export interface RecordingInfo {
  path: string;
  app: string;
  name: string;
}

export class FlvRecorder implements Subscriber {
  readonly id: string;
  readonly protocol = 'record' as const;
  readonly #dir: string;
  readonly #log: MediaLog;
  readonly #onFinished: (recorder: FlvRecorder) => void;
  #file: WriteStream | null = null;
  #path = '';
  #baseTimestamp: number | null = null;

  constructor(id: string, dir: string, log: MediaLog, onFinished: (recorder: FlvRecorder) => void) {
    this.id = id;
    this.#dir = dir;
    this.#log = log;
    this.#onFinished = onFinished;
  }

  get path(): string {
    return this.#path;
  }

  publishStarted(stream: LiveStream): void {
    const dir = join(this.#dir, stream.app);
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    this.#path = join(dir, `${stream.name}-${stamp}.flv`);
    this.#file = createWriteStream(this.#path);
    this.#file.on('error', (error) => this.#stop(`write error: ${error.message}`));
    this.#file.write(flvFileHeader({ audio: true, video: true }));
    this.#log.info('record', 'recording started', { path: this.#path });
  }

  deliver(frame: HubFrame): void {
    const file = this.#file;
    if (file === null) return;
    if (file.writableLength > MAX_WRITE_BACKLOG_BYTES) {
      this.#stop('disk too slow: write backlog over limit');
      return;
    }
    // Metadata and sequence headers sent before the first frame share its zero point.
    if (this.#baseTimestamp === null && (frame.kind !== 'data' && !frame.isSequenceHeader)) this.#baseTimestamp = frame.timestamp;
    const timestamp = this.#baseTimestamp === null ? 0 : (frame.timestamp - this.#baseTimestamp) >>> 0;
    const tag = Buffer.allocUnsafe(flvTagSize(frame.payload.byteLength));
    writeFlvTag({ type: tagTypeOf[frame.kind], timestamp: timestamp > 0x7fffffff ? 0 : timestamp, body: frame.payload }, tag, 0);
    file.write(tag);
  }

  publishEnded(): void {
    this.#stop('publish ended');
  }

  /** Finishes the file; resolves when it is on disk. */
  close(): Promise<void> {
    this.#stop('server shutting down');
    return this.#flushed;
  }

  #flushed: Promise<void> = Promise.resolve();

  #stop(reason: string): void {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    this.#flushed = new Promise((resolve) => file.once('close', () => resolve()));
    file.end();
    this.#log.info('record', 'recording finished', { path: this.#path, reason });
    this.#onFinished(this);
  }
}

/** Starts a recorder for every publish on the hub. */
export class Recordings {
  /** Recorders still writing, or whose file is still being flushed. */
  readonly #active = new Set<FlvRecorder>();
  #nextId = 1;

  constructor(hub: StreamHub, dir: string, log: MediaLog) {
    hub.on({
      publish: (stream) => {
        const recorder = new FlvRecorder(`record-${this.#nextId++}`, dir, log, (finished) => {
          hub.unsubscribe(stream, finished);
          void finished.close().then(() => this.#active.delete(finished));
        });
        this.#active.add(recorder);
        hub.subscribe(stream.app, stream.name, recorder);
      },
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#active].map((recorder) => recorder.close()));
  }
}
