// One typed configuration for the media server, with defaults; callers override any part.
import { resolveHlsConfig, type HlsConfig } from './hls/config.ts';
import type { WebhookUrls } from './auth/webhook.ts';

export interface MediaServerConfig {
  rtmp: {
    /** Chunk size the server announces and sends with; larger chunks mean fewer headers per frame. */
    outChunkSize: number;
    windowAckSize: number;
    /** Largest RTMP message accepted from a peer. */
    maxMessageBytes: number;
    /** A connection must finish the RTMP handshake and connect within this time. */
    handshakeTimeoutMs: number;
    /** A connection silent this long is sent a Ping Request, and closed if still silent as long again. */
    idleTimeoutMs: number;
  };
  /** Bytes of GOP cache per stream; 0 disables it (players then wait for the next keyframe). */
  gopCacheBytes: number;
  /** 0: writes to players leave at the end of each event-loop turn. > 0: merged over this many ms. */
  mergeWindowMs: number;
  hls: HlsConfig;
  auth: {
    /** Token secrets (the one to sign with first); empty: no token checks. */
    secrets: string[];
    requirePublishToken: boolean;
    requirePlayToken: boolean;
    /** on_publish / on_play decide; on_unpublish / on_stop are told. */
    hooks: WebhookUrls;
    hookTimeoutMs: number;
    /** Bearer token the admin API requires; empty: the admin API is open. */
    adminToken: string;
  };
  /** Record every publish to an FLV file under `dir/{app}/`. */
  record: {
    enabled: boolean;
    dir: string;
  };
  player: {
    /** Backlog above which a player skips to the next keyframe. */
    dropBytes: number;
    /** Backlog above which a player is disconnected. */
    disconnectBytes: number;
    /** A player that has skipped frames this long without catching up is disconnected. */
    skipTimeoutMs: number;
  };
}

export const defaultMediaConfig: MediaServerConfig = {
  rtmp: {
    outChunkSize: 4096,
    windowAckSize: 2_500_000,
    maxMessageBytes: 16 * 1024 * 1024,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
  },
  gopCacheBytes: 8 * 1024 * 1024,
  mergeWindowMs: 0,
  hls: resolveHlsConfig(),
  auth: {
    secrets: [],
    requirePublishToken: false,
    requirePlayToken: false,
    hooks: {},
    hookTimeoutMs: 3000,
    adminToken: '',
  },
  record: {
    enabled: false,
    dir: './data/recordings',
  },
  player: {
    dropBytes: 2 * 1024 * 1024,
    disconnectBytes: 8 * 1024 * 1024,
    skipTimeoutMs: 10_000,
  },
};

export interface MediaServerOverrides {
  rtmp?: Partial<MediaServerConfig['rtmp']>;
  gopCacheBytes?: number;
  mergeWindowMs?: number;
  hls?: Partial<HlsConfig>;
  auth?: Partial<MediaServerConfig['auth']>;
  record?: Partial<MediaServerConfig['record']>;
  player?: Partial<MediaServerConfig['player']>;
}

export function resolveMediaConfig(overrides: MediaServerOverrides = {}): MediaServerConfig {
  return {
    rtmp: { ...defaultMediaConfig.rtmp, ...overrides.rtmp },
    gopCacheBytes: overrides.gopCacheBytes ?? defaultMediaConfig.gopCacheBytes,
    mergeWindowMs: overrides.mergeWindowMs ?? defaultMediaConfig.mergeWindowMs,
    hls: resolveHlsConfig(overrides.hls),
    auth: { ...defaultMediaConfig.auth, ...overrides.auth },
    record: { ...defaultMediaConfig.record, ...overrides.record },
    player: { ...defaultMediaConfig.player, ...overrides.player },
  };
}
