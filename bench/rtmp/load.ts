// Load generator for the RTMP fan-out benchmark: ONE process that publishes the clip and runs
// every player, so each live message can be timed end to end against one clock
// (performance.now() at send vs at the read that delivered it).
//   taskset -c 1 node bench/rtmp/load.ts --port 1935 [--http-port 8000] --protocol rtmp|flv \
//     --players 1000 --ramp 200 --seconds 20 [--warmup 25] --clip bench/.work/bench-720p.flv
// Progress goes to stdout as JSON lines {"event": ...} so the runner can sample the server at
// the right moments: baseline (publishing, GOP cache full, no players), steady-start,
// steady-end, left (players gone), then result. Exits when stdin closes (runner gone).
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { ClientSession, type RtmpMessage } from '@livelink/rtmp';
import { TAG_TYPE_AUDIO, TAG_TYPE_VIDEO, isVideoKeyframe, isVideoSequenceHeader } from '@livelink/flv';
import { LatencyHistogram } from '../support/histogram.ts';
import { loadClip, type Clip } from './clip.ts';
import { HttpFlvReader } from './http-flv-reader.ts';
import { fingerprint, type MediaProbe } from './media-probe.ts';
import { RtmpMediaTap } from './rtmp-media-tap.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'http-port': { type: 'string' },
    protocol: { type: 'string', default: 'rtmp' },
    players: { type: 'string', default: '1000' },
    ramp: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '25' },
    clip: { type: 'string' },
  },
});
const HOST = values.host!;
const RTMP_PORT = Number(values.port);
const HTTP_PORT = Number(values['http-port'] ?? 0);
const PROTOCOL = values.protocol === 'flv' ? 'flv' : 'rtmp';
const PLAYERS = Number(values.players);
const RAMP_PER_SECOND = Number(values.ramp);
const WINDOW_MS = Number(values.seconds) * 1000;
const APP = 'live';
const STREAM = 'bench';
/**
 * Publishing before the baseline sample, so that the stream's own working set is complete: the
 * GOP cache, and the HLS window (livelink keeps 6 + 3 segments of 2 s, ~7 MB at this bitrate). With
 * the 3 s used before, that window filled up during the run and its growth was counted as the
 * players' memory, and as memory they did not give back.
 */
const WARMUP_MS = Number(values.warmup) * 1000;
/** After the last player started, before the measurement window: connection setup garbage settles. */
const SETTLE_MS = 2_000;
/** Players that have not played by then count as failed. */
const PLAY_TIMEOUT_MS = 10_000;
/** After the players leave, before the "after" memory sample. */
const LEAVE_MS = 5_000;
/** Real time: media advanced at least the window minus this, and ends the window at most this far behind. */
const REAL_TIME_SLACK_MS = 1_000;
/** Publisher bookkeeping kept for matching: far more than any sane delivery latency. */
const SEND_HISTORY_MS = 10_000;

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sendKey = (typeId: number, timestamp: number) => timestamp * 2 + (typeId === TAG_TYPE_VIDEO ? 1 : 0);

// ---- publisher ------------------------------------------------------------------------------

class Publisher {
  /** sendKey(type, publisher timestamp) -> performance.now() at send, oldest first. */
  readonly sentAt = new Map<number, number>();
  /** Video frame fingerprint -> publisher timestamp, oldest first. */
  readonly timestampOf = new Map<string, number>();
  messages = 0;
  readonly #clip: Clip;
  readonly #socket: Socket;
  readonly #session: ClientSession;
  #streamId = 0;
  #startedAt = 0;
  #loop = 0;
  #next = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(clip: Clip) {
    this.#clip = clip;
    this.#socket = connect({ host: HOST, port: RTMP_PORT });
    this.#socket.setNoDelay(true);
    this.#session = new ClientSession({ send: (bytes) => this.#socket.write(bytes), tcUrl: `rtmp://${HOST}:${RTMP_PORT}/${APP}` });
    this.#socket.on('data', (bytes) => this.#session.receive(bytes));
    this.#socket.on('error', (error) => fail(`publisher socket: ${error.message}`));
    this.#socket.on('close', () => {
      if (this.#timer !== null) fail('publisher connection closed by the server');
    });
  }

  async start(): Promise<void> {
    this.#session.start();
    await this.#session.connect();
    this.#session.releaseStream(STREAM);
    this.#session.fcPublish(STREAM);
    this.#streamId = await this.#session.createStream();
    await this.#session.publish(this.#streamId, STREAM);
    const clip = this.#clip;
    if (clip.metadata !== null) {
      // As encoders send it: '@setDataFrame' then the file's ['onMetaData', {...}].
      const setDataFrame = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);
      this.#send({ typeId: 18, timestamp: 0, messageStreamId: 0, payload: Buffer.concat([setDataFrame, clip.metadata]) });
    }
    for (const header of clip.sequenceHeaders) this.#send({ ...header, messageStreamId: 0 });
    this.#startedAt = performance.now();
    this.#pump();
  }

  /** Where the publisher's timeline is now (its timestamps follow the wall clock from the first frame). */
  clock(): number {
    return performance.now() - this.#startedAt;
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket.destroy();
  }

  /** Sends every frame that is due, then sleeps until the next one: real-time pace, clip looped. */
  #pump = (): void => {
    const frames = this.#clip.frames;
    const elapsed = performance.now() - this.#startedAt;
    let due = this.#loop * this.#clip.durationMs + frames[this.#next].timestamp;
    while (due <= elapsed) {
      const frame = frames[this.#next];
      this.#send({ typeId: frame.typeId, timestamp: due, messageStreamId: 0, payload: frame.payload });
      if (frame.typeId === TAG_TYPE_VIDEO) {
        const print = fingerprint(frame.payload);
        if (print !== null) {
          this.timestampOf.delete(print);
          this.timestampOf.set(print, due);
        }
      }
      if (++this.#next === frames.length) {
        this.#next = 0;
        this.#loop++;
      }
      due = this.#loop * this.#clip.durationMs + frames[this.#next].timestamp;
    }
    this.#forget(elapsed - SEND_HISTORY_MS);
    this.#timer = setTimeout(this.#pump, Math.max(0, due - elapsed));
  };

  #send(message: RtmpMessage): void {
    this.messages++;
    if (message.typeId === TAG_TYPE_AUDIO || message.typeId === TAG_TYPE_VIDEO) {
      this.sentAt.set(sendKey(message.typeId, message.timestamp), performance.now());
    }
    this.#session.sendMedia(this.#streamId, message);
  }

  #forget(beforeTimestamp: number): void {
    for (const key of this.sentAt.keys()) {
      if (key / 2 >= beforeTimestamp) break;
      this.sentAt.delete(key);
    }
    for (const [print, timestamp] of this.timestampOf) {
      if (timestamp >= beforeTimestamp) break;
      this.timestampOf.delete(print);
    }
  }
}

// ---- players ----------------------------------------------------------------------------------

/** Publish -> the read callback that completed the message: includes waiting behind other players' reads. */
const latency = new LatencyHistogram();
/**
 * Publish -> start of the event-loop turn that read the message. One turn serves every socket the
 * kernel reported ready, so this leaves out the queueing inside this process; bytes that arrived
 * while the turn ran are credited to its start, so it is a lower bound where `latency` is an upper one.
 */
const latencyFromTurn = new LatencyHistogram();
/**
 * `latency` by kind of message: a keyframe (tens of KB, copied into every player's socket) takes a
 * server far longer to fan out than an audio frame, so it tells where the tail comes from.
 */
const latencyByKind = { audio: new LatencyHistogram(), interframe: new LatencyHistogram(), keyframe: new LatencyHistogram() };
let turnStartedAt = -1;
/** Socket reads: the load generator's cost grows with these, not only with bytes. */
let reads = 0;
const endTurn = () => (turnStartedAt = -1);

/** The time of a read, noting the first read of this event-loop turn (the poll phase; check runs right after it). */
function readTime(): number {
  reads++;
  const now = performance.now();
  if (turnStartedAt < 0) {
    turnStartedAt = now;
    setImmediate(endTurn);
  }
  return now;
}
let measuring = false;
let bytesInWindow = 0;

class Player {
  playAt = 0;
  /** The publisher's timeline when this player asked to play: older frames come from a cache. */
  playPublished = 0;
  playing = false;
  firstFrameMs = -1;
  firstIsKeyframe = false;
  /** Server timestamp minus publisher timestamp, learned from the first recognised video frame. */
  offset: number | null = null;
  lastVideoTimestamp = -1;
  windowStartTimestamp = -1;
  windowEndTimestamp = -1;
  /** How far behind the publisher the player's newest video frame was at the end of the window. */
  windowEndLagMs = Infinity;
  error: string | null = null;
  close: () => void = () => {};

  fail(reason: string): void {
    this.error ??= reason;
    this.close();
  }

  /** One audio or video message as the server delivered it; `receivedAt` is when its read began. */
  media(message: MediaProbe, receivedAt: number): void {
    const { typeId, timestamp } = message;
    if (typeId === TAG_TYPE_VIDEO) {
      const head = message.head();
      if (isVideoSequenceHeader(head)) return;
      if (this.firstFrameMs < 0) {
        this.firstFrameMs = receivedAt - this.playAt;
        this.firstIsKeyframe = isVideoKeyframe(head);
      }
      this.lastVideoTimestamp = timestamp;
      if (this.offset === null) {
        const print = message.fingerprint();
        const published = print === null ? undefined : publisher.timestampOf.get(print);
        if (published !== undefined) this.offset = timestamp - published;
      }
    } else if (typeId !== TAG_TYPE_AUDIO) {
      return;
    }
    if (!measuring || this.offset === null) return;
    bytesInWindow += message.length;
    const published = timestamp - this.offset;
    // Only live frames: sent after this player asked to play (not replayed from a GOP cache).
    if (published < this.playPublished) return;
    const sentAt = publisher.sentAt.get(sendKey(typeId, published));
    // Not in the send history: older than SEND_HISTORY_MS, counted as off the scale rather than dropped.
    const delay = sentAt === undefined ? Infinity : receivedAt - sentAt;
    latency.record(delay);
    const kind = typeId === TAG_TYPE_AUDIO ? 'audio' : isVideoKeyframe(message.head()) ? 'keyframe' : 'interframe';
    latencyByKind[kind].record(delay);
    latencyFromTurn.record(sentAt === undefined ? Infinity : turnStartedAt - sentAt);
  }
}

/** One read buffer for every player socket: the sessions and readers copy what they keep, so it can be reused. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/**
 * A player's connection: every read goes to `onBytes` with its time (readTime) from the shared read
 * buffer; what `onBytes` throws, a socket error or the server closing the connection fails the player.
 */
function connectPlayer(player: Player, port: number, protocol: string, onBytes: (bytes: Buffer, receivedAt: number) => void): Socket {
  const socket = connect({
    host: HOST,
    port,
    onread: {
      buffer: readBuffer,
      callback: (length, buffer) => {
        const receivedAt = readTime();
        try {
          onBytes((buffer as Buffer).subarray(0, length), receivedAt);
        } catch (error) {
          player.fail(`${protocol}: ${(error as Error).message}`);
        }
        return true;
      },
    },
  });
  socket.on('error', (error) => player.fail(`socket: ${error.message}`));
  socket.on('close', () => player.fail('closed by the server'));
  player.close = () => socket.destroy();
  return socket;
}

/**
 * The session plays; the tap reads every byte alongside it and, from the read after Play.Start, alone: media is
 * never assembled, and the session's per-message work (decode, dispatch, copies) is gone while playing.
 */
function startRtmpPlayer(player: Player): void {
  let receivedAt = 0;
  let playStarted = false;
  const session: ClientSession = new ClientSession({
    send: (bytes) => socket.write(bytes),
    tcUrl: `rtmp://${HOST}:${RTMP_PORT}/${APP}`,
    onStatus: (_streamId, info) => {
      if (info.code === 'NetStream.Play.Start') playStarted = true;
    },
  });
  const tap = new RtmpMediaTap({ send: (bytes) => socket.write(bytes), onMedia: (message) => player.media(message, receivedAt) });
  const socket = connectPlayer(player, RTMP_PORT, 'rtmp', (bytes, at) => {
    receivedAt = at;
    if (tap.answering) {
      tap.push(bytes);
    } else {
      session.receive(bytes);
      tap.push(bytes);
      if (playStarted) tap.answer();
    }
  });
  socket.setNoDelay(true);
  socket.on('close', () => session.close());
  (async () => {
    session.start();
    await session.connect();
    const streamId = await session.createStream();
    session.setBufferLength(streamId, 3000); // as ffmpeg does before play
    player.playAt = performance.now();
    player.playPublished = publisher.clock();
    await session.play(streamId, STREAM);
    player.playing = true;
  })().catch((error: Error) => player.fail(`play: ${error.message}`));
}

/** A raw socket rather than node:http, for the same reasons the RTMP players bypass the session: see HttpFlvReader. */
function startFlvPlayer(player: Player): void {
  let receivedAt = 0;
  player.playAt = performance.now();
  player.playPublished = publisher.clock();
  const reader = new HttpFlvReader({
    onStatus: (status) => {
      if (status === 200) player.playing = true;
      else player.fail(`http ${status}`);
    },
    onMedia: (message) => player.media(message, receivedAt),
  });
  const socket = connectPlayer(player, HTTP_PORT, 'flv', (bytes, at) => {
    receivedAt = at;
    reader.push(bytes);
  });
  socket.write(`GET /${APP}/${STREAM}.flv HTTP/1.1\r\nHost: ${HOST}:${HTTP_PORT}\r\nConnection: close\r\n\r\n`);
}

// ---- run ----------------------------------------------------------------------------------------

function fail(message: string): never {
  emit('error', { message });
  process.exit(1);
}

/**
 * How late this process runs its timers: a stalled load generator delays every player's reads
 * alike, which would look like server latency. Returns a stop function giving the histogram.
 */
function monitorLag(): () => LatencyHistogram {
  const histogram = new LatencyHistogram();
  const periodMs = 5;
  let expected = performance.now() + periodMs;
  const timer = setInterval(() => {
    const now = performance.now();
    histogram.record(now - expected);
    expected = now + periodMs;
  }, periodMs);
  return () => (clearInterval(timer), histogram);
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

process.stdin.on('end', () => process.exit(2));
process.stdin.resume();

const clip = loadClip(values.clip!);
const publisher = new Publisher(clip);
await publisher.start().catch((error: Error) => fail(`publish: ${error.message}`));
await sleep(WARMUP_MS);
emit('baseline');
await sleep(300); // let the runner read the baseline before anyone connects

const players: Player[] = [];
const rampStarted = performance.now();
await new Promise<void>((resolve) => {
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((RAMP_PER_SECOND * tickMs) / 1000));
  const ticker = setInterval(() => {
    for (let i = 0; i < perTick && players.length < PLAYERS; i++) {
      const player = new Player();
      players.push(player);
      if (PROTOCOL === 'flv') startFlvPlayer(player);
      else startRtmpPlayer(player);
    }
    if (players.length >= PLAYERS) {
      clearInterval(ticker);
      resolve();
    }
  }, tickMs);
});
// Wait until everyone has a first frame (or gave up), bounded.
const deadline = performance.now() + PLAY_TIMEOUT_MS;
while (performance.now() < deadline && players.some((p) => p.error === null && p.firstFrameMs < 0)) await sleep(50);
for (const player of players) if (player.error === null && player.firstFrameMs < 0) player.fail(player.playing ? 'no video within the play timeout after Play.Start' : 'not playing within the play timeout');
const rampSeconds = (performance.now() - rampStarted) / 1000;
await sleep(SETTLE_MS);

const cpuStart = process.cpuUsage();
const readsBefore = reads;
const windowStart = performance.now();
for (const player of players) player.windowStartTimestamp = player.lastVideoTimestamp;
measuring = true;
const stopLagMonitor = monitorLag();
emit('steady-start');
await sleep(WINDOW_MS);
measuring = false;
const lag = stopLagMonitor();
const windowMs = performance.now() - windowStart;
const cpu = process.cpuUsage(cpuStart);
const readsInWindow = reads - readsBefore;
const publisherAtEnd = publisher.clock();
for (const player of players) {
  player.windowEndTimestamp = player.lastVideoTimestamp;
  if (player.offset !== null) player.windowEndLagMs = publisherAtEnd - (player.lastVideoTimestamp - player.offset);
}
emit('steady-end');

const errorsBeforeLeave = players.filter((p) => p.error !== null);
for (const player of players) player.close();
await sleep(LEAVE_MS);
emit('left');
publisher.stop();

const firstFrames = players.filter((p) => p.firstFrameMs >= 0).map((p) => p.firstFrameMs).sort((a, b) => a - b);
// Real time: media advanced as fast as the clock over the window, and the player is not trailing
// the publisher (a constant backlog of seconds would pass the first test alone).
const keptRealTime = players.filter(
  (p) =>
    !errorsBeforeLeave.includes(p) &&
    p.windowStartTimestamp >= 0 &&
    p.windowEndTimestamp - p.windowStartTimestamp >= windowMs - REAL_TIME_SLACK_MS &&
    p.windowEndLagMs <= REAL_TIME_SLACK_MS,
).length;
const errorKinds = new Map<string, number>();
for (const player of errorsBeforeLeave) errorKinds.set(player.error!, (errorKinds.get(player.error!) ?? 0) + 1);
emit('result', {
  players: PLAYERS,
  playing: players.filter((p) => p.playing).length,
  keptRealTime,
  failed: errorsBeforeLeave.length,
  errors: Object.fromEntries([...errorKinds].slice(0, 5)),
  rampSeconds,
  windowSeconds: windowMs / 1000,
  firstFrame: { count: firstFrames.length, p50: quantile(firstFrames, 0.5), p99: quantile(firstFrames, 0.99) },
  keyframeFirst: players.filter((p) => p.firstFrameMs >= 0 && p.firstIsKeyframe).length,
  latency: { count: latency.count, p50: latency.quantile(0.5), p99: latency.quantile(0.99), max: latency.quantile(1) },
  latencyFromTurn: { p50: latencyFromTurn.quantile(0.5), p99: latencyFromTurn.quantile(0.99) },
  latencyByKind: Object.fromEntries(Object.entries(latencyByKind).map(([kind, histogram]) => [kind, { count: histogram.count, p50: histogram.quantile(0.5), p99: histogram.quantile(0.99) }])),
  unmatchedPlayers: players.filter((p) => p.firstFrameMs >= 0 && p.offset === null).length,
  loadCpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
  loadLagP99Ms: lag.quantile(0.99),
  loadLagMaxMs: lag.quantile(1),
  deliveredMbps: (bytesInWindow * 8) / (windowMs / 1000) / 1e6,
  readsPerSecond: readsInWindow / (windowMs / 1000),
  publishedMessages: publisher.messages,
});
process.exit(0);
