// FLV over HTTP or WebSocket through mpegts.js, which transmuxes FLV to fragmented MP4 for Media Source Extensions.
import type MpegtsModule from 'mpegts.js';
import type { Engine, EngineCallbacks, TrackHint } from './engine.ts';

type Mpegts = typeof MpegtsModule.default;

let mpegtsModule: Promise<Mpegts> | undefined;

/** Loads mpegts.js on first use, so the stream list page never downloads it. */
export function loadMpegts(): Promise<Mpegts> {
  mpegtsModule ??= import('mpegts.js').then((module) => {
    // esbuild hands over the UMD bundle's module.exports as the default export, while TypeScript's nodenext
    // resolution models the d.ts `export default` one level deeper: the runtime value is the API itself.
    const mpegts = module.default as unknown as Mpegts;
    // Its diagnostics go to the page's log panel through a listener instead of the console, where an
    // expected disconnect of the publisher would look like a page error.
    mpegts.LoggingControl.enableAll = false;
    return mpegts;
  });
  mpegtsModule.catch(() => {
    mpegtsModule = undefined;
  });
  return mpegtsModule;
}

/** Tuned for live: no stash buffer, and skipping ahead when the buffer lags the live edge. */
const LIVE_CONFIG = {
  isLive: true,
  enableWorker: false,
  enableStashBuffer: false,
  liveBufferLatencyChasing: true,
  liveBufferLatencyMaxLatency: 1.5,
  liveBufferLatencyMinRemain: 0.5,
  autoCleanupSourceBuffer: true,
  autoCleanupMaxBackwardDuration: 30,
  autoCleanupMinBackwardDuration: 15,
  lazyLoad: false,
} satisfies MpegtsModule.default.Config;

export interface MpegtsEngineOptions {
  mpegts: Mpegts;
  video: HTMLVideoElement;
  url: string;
  tracks: TrackHint | undefined;
  callbacks: EngineCallbacks;
}

export function createMpegtsEngine({ mpegts, video, url, tracks, callbacks }: MpegtsEngineOptions): Engine {
  const kind = url.startsWith('ws') ? 'flv-ws' : 'flv-http';
  // Telling mpegts.js which tracks exist matters for audio-less streams: MSE otherwise waits for audio forever.
  const player = mpegts.createPlayer({ type: 'flv', isLive: true, url, ...tracks }, LIVE_CONFIG);
  const forwardLog = (level: string, message: string) => {
    if (level === 'error' || level === 'warn') callbacks.onLog(`mpegts.js ${level}: ${message}`);
  };
  mpegts.LoggingControl.addLogListener(forwardLog);

  player.on(mpegts.Events.ERROR, (type: string, detail: string, info?: { msg?: string }) => {
    const message = `${type} ${detail}${info?.msg ? `: ${info.msg}` : ''}`;
    callbacks.onFailure({ kind: type === mpegts.ErrorTypes.MEDIA_ERROR ? 'media' : 'network', message });
  });
  // For a live stream, a completed load means the server closed the connection: the publisher left.
  player.on(mpegts.Events.LOADING_COMPLETE, () => {
    callbacks.onFailure({ kind: 'ended', message: 'the server ended the FLV stream' });
  });
  player.attachMediaElement(video);
  player.load();

  return {
    kind,
    destroy() {
      mpegts.LoggingControl.removeLogListener(forwardLog);
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    },
  };
}
