// What the live player supervisor needs from a playback engine (mpegts.js, hls.js or the browser's own HLS).

export type EngineKind = 'flv-http' | 'flv-ws' | 'hls.js' | 'native-hls';

/**
 * `media`: the browser cannot decode or buffer what it got (a reason to switch engines);
 * `network`: the stream could not be fetched or broke off (the publisher may come back);
 * `ended`: the server finished the stream (the publisher stopped).
 */
export type EngineFailureKind = 'media' | 'network' | 'ended';

export interface EngineFailure {
  kind: EngineFailureKind;
  message: string;
}

export interface EngineCallbacks {
  onFailure(failure: EngineFailure): void;
  onLog(message: string): void;
}

/** How far the playhead is behind the live edge, as an engine that knows the edge estimates it. */
export interface LiveLatency {
  /** Seconds from the playhead to the newest media the server has announced. */
  seconds: number;
  /** The latency the engine steers towards (HLS: PART-HOLD-BACK, HOLD-BACK or three target durations). */
  targetSeconds: number;
  /** The stream comes as Low-Latency HLS (partial segments). */
  lowLatency: boolean;
}

export interface Engine {
  readonly kind: EngineKind;
  /** Undefined while the engine cannot tell; engines that never know the edge (mpegts.js) leave it out. */
  liveLatency?(): LiveLatency | undefined;
  destroy(): void;
}

export interface TrackHint {
  hasAudio: boolean;
  hasVideo: boolean;
}

export type PlayOutcome = 'playing' | 'blocked' | 'superseded';

/**
 * Starts playback, retrying muted when the autoplay policy refuses sound. `blocked` means even muted
 * playback needs a user gesture; `superseded` means a newer load interrupted this play() call.
 */
export async function startPlayback(video: HTMLVideoElement): Promise<PlayOutcome> {
  try {
    await video.play();
    return 'playing';
  } catch (error) {
    const name = (error as DOMException).name;
    if (name === 'AbortError') return 'superseded';
    if (name !== 'NotAllowedError' || video.muted) return 'blocked';
  }
  video.muted = true;
  try {
    await video.play();
    return 'playing';
  } catch (error) {
    return (error as DOMException).name === 'AbortError' ? 'superseded' : 'blocked';
  }
}
