// Keeps a live stream playing in one <video>: picks an engine for the requested mode, falls back to HLS when
// MSE cannot play the FLV, and tears the engine down and rebuilds it (with backoff) whenever the stream
// breaks off, ends or stops advancing, which is what a viewer sees when the publisher reconnects.
import { backoffDelay, RECONNECT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import {
  startPlayback,
  type Engine,
  type EngineCallbacks,
  type EngineFailure,
  type EngineKind,
  type LiveLatency,
  type TrackHint,
} from './engine.ts';
import { createHlsJsEngine, createNativeHlsEngine, loadHlsJs } from './engine-hls.ts';
import { createMpegtsEngine, loadMpegts } from './engine-mpegts.ts';

export const PLAYBACK_MODES = ['flv', 'ws', 'hls'] as const;
export type PlaybackMode = (typeof PLAYBACK_MODES)[number];

export function isPlaybackMode(value: string | null): value is PlaybackMode {
  return (PLAYBACK_MODES as readonly (string | null)[]).includes(value);
}

export interface StreamUrls {
  flvHttp: string;
  flvWs: string;
  hls: string;
}

/**
 * `connecting`: an engine is starting and nothing has played yet; `playing`: the picture advances;
 * `buffering`: it stopped advancing briefly; `retrying`: waiting to rebuild the engine; `paused`: the viewer
 * paused; `blocked`: the browser wants a click before it plays; `unsupported`: no engine can play here.
 */
export type PlaybackState = 'connecting' | 'playing' | 'buffering' | 'retrying' | 'paused' | 'blocked' | 'unsupported';

export interface PlaybackStatus {
  state: PlaybackState;
  engine: EngineKind | undefined;
  /** Engines created so far; grows by one per reconnect. */
  connections: number;
  /** Consecutive failed attempts, reset once the picture advances. */
  failures: number;
  retryInMs: number | undefined;
  /** Seconds of media buffered ahead of the playhead: the part of the latency the player controls. */
  bufferSeconds: number | undefined;
  /** Distance from the live edge, where the engine knows the edge (hls.js). */
  latency: LiveLatency | undefined;
  /** Why the requested mode is not the one playing, if it is not. */
  fallback: string | undefined;
  message: string;
}

export interface LivePlayerOptions {
  video: HTMLVideoElement;
  urls: StreamUrls;
  mode: PlaybackMode;
  /** Latest knowledge of the stream's tracks, read at each (re)connect. */
  tracks(): TrackHint | undefined;
  onStatus(status: PlaybackStatus): void;
  onLog(message: string): void;
  /** Seconds without progress before the engine is rebuilt. */
  stallSeconds?: number;
  backoff?: BackoffPolicy;
}

const WATCHDOG_INTERVAL_MS = 500;
/** Progress older than this shows as buffering rather than playing. */
const BUFFERING_AFTER_MS = 1500;

export class LivePlayer {
  readonly #options: LivePlayerOptions;
  readonly #stallMs: number;
  readonly #backoff: BackoffPolicy;
  #mode: PlaybackMode;
  #engine: Engine | undefined;
  /** Identifies the current engine, so late callbacks from a torn-down one are ignored. */
  #generation = 0;
  #connections = 0;
  #failures = 0;
  #flvUnplayable: string | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt: number | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #lastTime = 0;
  #lastProgressAt = 0;
  #hasPlayed = false;
  #waitingForUser = false;
  #state: PlaybackState = 'connecting';
  #message = '';

  constructor(options: LivePlayerOptions) {
    this.#options = options;
    this.#mode = options.mode;
    this.#stallMs = (options.stallSeconds ?? 6) * 1000;
    this.#backoff = options.backoff ?? RECONNECT_BACKOFF;
  }

  get mode(): PlaybackMode {
    return this.#mode;
  }

  start(): void {
    const { video } = this.#options;
    video.addEventListener('pause', this.#onPause);
    video.addEventListener('play', this.#onPlay);
    video.addEventListener('ended', this.#onEnded);
    this.#watchdog = setInterval(this.#tick, WATCHDOG_INTERVAL_MS);
    void this.#connect();
  }

  /** Switches delivery; an explicit choice also retries FLV if it had failed before. */
  setMode(mode: PlaybackMode): void {
    this.#mode = mode;
    this.#flvUnplayable = undefined;
    this.#failures = 0;
    void this.#connect();
  }

  destroy(): void {
    const { video } = this.#options;
    this.#generation++;
    clearInterval(this.#watchdog);
    this.#clearRetry();
    this.#teardown();
    video.removeEventListener('pause', this.#onPause);
    video.removeEventListener('play', this.#onPlay);
    video.removeEventListener('ended', this.#onEnded);
  }

  async #connect(): Promise<void> {
    this.#clearRetry();
    this.#teardown();
    const generation = ++this.#generation;
    this.#connections++;
    this.#hasPlayed = false;
    this.#waitingForUser = false;
    this.#lastTime = 0;
    this.#lastProgressAt = Date.now();
    this.#setState('connecting', 'Connecting…');

    let engine: Engine | undefined;
    try {
      engine = await this.#openEngine(this.#callbacksFor(generation));
    } catch (error) {
      if (generation === this.#generation) this.#retry(`could not load the player: ${(error as Error).message}`);
      return;
    }
    if (generation !== this.#generation) {
      engine?.destroy();
      return;
    }
    if (!engine) {
      this.#setState('unsupported', 'This browser can play neither FLV (no Media Source Extensions) nor HLS.');
      return;
    }
    this.#engine = engine;
    this.#options.onLog(`connection ${this.#connections}: ${engine.kind}`);
    const outcome = await startPlayback(this.#options.video);
    if (generation !== this.#generation || outcome !== 'blocked') return;
    this.#waitingForUser = true;
    this.#setState('blocked', 'Press play to start the stream.');
  }

  async #openEngine(callbacks: EngineCallbacks): Promise<Engine | undefined> {
    const { video, urls } = this.#options;
    if (this.#mode !== 'hls' && !this.#flvUnplayable) {
      const mpegts = await loadMpegts();
      if (mpegts.getFeatureList().mseLivePlayback) {
        const url = this.#mode === 'ws' ? urls.flvWs : urls.flvHttp;
        return createMpegtsEngine({ mpegts, video, url, tracks: this.#options.tracks(), callbacks });
      }
      this.#flvUnplayable = 'this browser has no Media Source Extensions for live FLV';
    }
    const HlsJs = await loadHlsJs();
    if (HlsJs.isSupported()) return createHlsJsEngine(HlsJs, { video, url: urls.hls, callbacks });
    if (video.canPlayType('application/vnd.apple.mpegurl')) return createNativeHlsEngine({ video, url: urls.hls, callbacks });
    return undefined;
  }

  #callbacksFor(generation: number): EngineCallbacks {
    return {
      onFailure: (failure) => {
        if (generation === this.#generation) this.#onFailure(failure);
      },
      onLog: (message) => {
        if (generation === this.#generation) this.#options.onLog(message);
      },
    };
  }

  #onFailure(failure: EngineFailure): void {
    const kind = this.#engine?.kind;
    this.#options.onLog(`${kind ?? 'engine'} ${failure.kind}: ${failure.message}`);
    if (failure.kind === 'media' && (kind === 'flv-http' || kind === 'flv-ws')) {
      // The FLV arrived but MSE could not take it (codec or container trouble): HLS may still work.
      this.#flvUnplayable = `FLV failed in this browser (${failure.message})`;
      void this.#connect();
      return;
    }
    this.#retry(failure.kind === 'ended' ? 'the stream ended' : failure.message);
  }

  #retry(reason: string): void {
    this.#teardown();
    const delay = backoffDelay(this.#failures, this.#backoff);
    this.#failures++;
    this.#retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
    this.#options.onLog(`reconnecting in ${delay} ms: ${reason}`);
    this.#setState('retrying', `Stream interrupted: ${reason}.`);
  }

  #clearRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
  }

  #teardown(): void {
    const engine = this.#engine;
    this.#engine = undefined;
    engine?.destroy();
  }

  // The viewer paused: not a stall. Our own teardown also pauses, but it clears #engine first.
  readonly #onPause = () => {
    if (this.#engine && this.#hasPlayed && !this.#options.video.ended) this.#setState('paused', 'Paused');
  };

  readonly #onPlay = () => {
    this.#waitingForUser = false;
    this.#lastProgressAt = Date.now();
  };

  readonly #onEnded = () => {
    if (this.#engine) this.#onFailure({ kind: 'ended', message: 'playback reached the end of the stream' });
  };

  readonly #tick = () => {
    const { video } = this.#options;
    if (!this.#engine) {
      if (this.#state === 'retrying') this.#emit();
      return;
    }
    const now = Date.now();
    if (video.paused && (this.#hasPlayed || this.#waitingForUser)) {
      this.#lastProgressAt = now;
      this.#emit();
      return;
    }
    if (video.currentTime > this.#lastTime) {
      this.#lastTime = video.currentTime;
      this.#lastProgressAt = now;
      this.#hasPlayed = true;
      this.#failures = 0;
    }
    const sinceProgress = now - this.#lastProgressAt;
    if (sinceProgress > this.#stallMs) {
      this.#retry(`no progress for ${Math.round(sinceProgress / 1000)} s`);
    } else if (!this.#hasPlayed) {
      this.#setState('connecting', 'Connecting…');
    } else if (sinceProgress > BUFFERING_AFTER_MS) {
      this.#setState('buffering', 'Buffering…');
    } else {
      this.#setState('playing', 'Live');
    }
  };

  #setState(state: PlaybackState, message: string): void {
    this.#state = state;
    this.#message = message;
    this.#emit();
  }

  #emit(): void {
    const { video } = this.#options;
    const buffered = video.buffered;
    const bufferSeconds =
      this.#engine && buffered.length > 0 ? Math.max(0, buffered.end(buffered.length - 1) - video.currentTime) : undefined;
    this.#options.onStatus({
      state: this.#state,
      engine: this.#engine?.kind,
      connections: this.#connections,
      failures: this.#failures,
      retryInMs: this.#retryAt === undefined ? undefined : Math.max(0, this.#retryAt - Date.now()),
      bufferSeconds,
      latency: this.#engine?.liveLatency?.(),
      fallback: this.#mode !== 'hls' ? this.#flvUnplayable : undefined,
      message: this.#message,
    });
  }
}
