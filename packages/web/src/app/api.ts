// The media server's stream status API, as the browser sees it.

export interface VideoTrackInfo {
  codec: string;
  width: number;
  height: number;
  fps: number;
}

export interface AudioTrackInfo {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface PlayerCounts {
  rtmp: number;
  flv: number;
  ws: number;
  hls: number;
  total: number;
}

export interface StreamInfo {
  app: string;
  name: string;
  publishing: boolean;
  startedAt: string;
  video: VideoTrackInfo | null;
  audio: AudioTrackInfo | null;
  bitrateKbps: number;
  players: PlayerCounts;
}

export type ApiErrorCode = 'http-status' | 'bad-response' | 'network';

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number | undefined;

  constructor(code: ApiErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** Path segments are encoded so stream names with reserved characters still address the right stream. */
export function streamPath(app: string, name: string): string {
  return `${encodeURIComponent(app)}/${encodeURIComponent(name)}`;
}

async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('network', `GET ${url} failed: ${(error as Error).message}`);
  }
  if (!response.ok) {
    throw new ApiError('http-status', `GET ${url} answered ${response.status}`, response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError('bad-response', `GET ${url} did not answer JSON`);
  }
}

function isStreamInfo(value: unknown): value is StreamInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.app === 'string' && typeof v.name === 'string' && typeof v.players === 'object' && v.players !== null;
}

export async function fetchStreams(signal?: AbortSignal): Promise<StreamInfo[]> {
  const body = await getJson('/api/v1/streams', signal);
  const streams = (body as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams) || !streams.every(isStreamInfo)) {
    throw new ApiError('bad-response', 'GET /api/v1/streams: expected { streams: [...] }');
  }
  return streams;
}

/** Resolves to undefined when the stream is not live (404), so callers can show an offline state. */
export async function fetchStream(app: string, name: string, signal?: AbortSignal): Promise<StreamInfo | undefined> {
  const url = `/api/v1/streams/${streamPath(app, name)}`;
  try {
    const body = await getJson(url, signal);
    if (!isStreamInfo(body)) throw new ApiError('bad-response', `GET ${url}: expected a stream object`);
    return body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}
