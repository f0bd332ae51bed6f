// HLS playback: hls.js over Media Source Extensions, or the browser's own HLS support where MSE is missing.
import type Hls from 'hls.js';
import type { Engine, EngineCallbacks } from './engine.ts';

type HlsConstructor = typeof Hls;

/** In target durations: twice the distance hls.js keeps from the edge of a playlist without parts or HOLD-BACK. */
const MAX_LATENCY_TARGET_DURATIONS = 6;

let hlsModule: Promise<HlsConstructor> | undefined;

/** Loads hls.js on first use: most viewers play FLV and never need it. */
export function loadHlsJs(): Promise<HlsConstructor> {
  hlsModule ??= import('hls.js').then((module) => module.default);
  hlsModule.catch(() => {
    hlsModule = undefined;
  });
  return hlsModule;
}

export interface HlsEngineOptions {
  video: HTMLVideoElement;
  url: string;
  callbacks: EngineCallbacks;
}

export function createHlsJsEngine(HlsJs: HlsConstructor, { video, url, callbacks }: HlsEngineOptions): Engine {
  const hls = new HlsJs({
    // Our supervisor owns reconnection with backoff; hls.js only retries briefly on its own.
    manifestLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: 10_000,
        maxLoadTimeMs: 10_000,
        timeoutRetry: { maxNumRetry: 1, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 1, retryDelayMs: 500, maxRetryDelayMs: 1000 },
      },
    },
    // No liveSync* setting: any of them overrides the playlist's PART-HOLD-BACK, and Low-Latency HLS would play
    // three whole segments behind the edge. Without one hls.js aims at PART-HOLD-BACK (lowLatencyMode is on by
    // default) and, on playlists without parts or HOLD-BACK, at three target durations.
    maxLiveSyncPlaybackRate: 1.5,
    backBufferLength: 30,
  });
  // Jump back to the edge when the player falls this far behind (a throttled background tab, a long stall).
  // Set after construction because hls.js only accepts it in the constructor together with liveSyncDurationCount.
  hls.config.liveMaxLatencyDurationCount = MAX_LATENCY_TARGET_DURATIONS;
  let recoveredMediaError = false;

  hls.on(HlsJs.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    const isMedia = data.type === HlsJs.ErrorTypes.MEDIA_ERROR;
    // hls.js documents recoverMediaError() as the fix for decoder hiccups; if it fails twice, start over.
    if (isMedia && !recoveredMediaError) {
      recoveredMediaError = true;
      callbacks.onLog(`hls.js media error ${data.details}, recovering`);
      hls.recoverMediaError();
      return;
    }
    callbacks.onFailure({ kind: isMedia ? 'media' : 'network', message: `${data.type} ${data.details}` });
  });
  hls.loadSource(url);
  hls.attachMedia(video);

  return {
    kind: 'hls.js',
    liveLatency() {
      const details = hls.latestLevelDetails;
      const target = hls.targetLatency;
      // hls.latency is 0 until the playhead has moved on a loaded live playlist.
      if (!details?.live || target === null || hls.latency <= 0) return undefined;
      return { seconds: hls.latency, targetSeconds: target, lowLatency: details.partTarget > 0 };
    },
    destroy() {
      hls.destroy();
    },
  };
}

export function createNativeHlsEngine({ video, url, callbacks }: HlsEngineOptions): Engine {
  const onError = () => {
    const error = video.error;
    // A missing playlist surfaces as "source not supported", so it counts as a network failure worth retrying.
    const kind = error?.code === MediaError.MEDIA_ERR_DECODE ? 'media' : 'network';
    callbacks.onFailure({ kind, message: `native HLS error ${error?.code ?? '?'} ${error?.message ?? ''}`.trim() });
  };
  video.addEventListener('error', onError);
  video.src = url;

  return {
    kind: 'native-hls',
    destroy() {
      video.removeEventListener('error', onError);
      video.removeAttribute('src');
      video.load();
    },
  };
}
