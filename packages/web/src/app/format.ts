// Human-readable labels for stream facts. Pure functions, shared by the list and the player page.
import type { AudioTrackInfo, PlayerCounts, VideoTrackInfo } from './api.ts';
import type { LiveLatency } from './engine.ts';

const AVC_PROFILES: Readonly<Record<number, string>> = {
  0x42: 'Baseline',
  0x4d: 'Main',
  0x58: 'Extended',
  0x64: 'High',
  0x6e: 'High 10',
  0x7a: 'High 4:2:2',
  0xf4: 'High 4:4:4',
};

const AAC_OBJECT_TYPES: Readonly<Record<string, string>> = {
  '2': 'AAC-LC',
  '5': 'HE-AAC',
  '29': 'HE-AAC v2',
  '34': 'MP3',
};

/** RFC 6381 codec string to a name people know, e.g. "avc1.64001f" -> "H.264 High 3.1". */
export function describeCodec(codec: string): string {
  const [family, ...params] = codec.split('.');
  switch (family) {
    case 'avc1':
    case 'avc3': {
      const hex = params[0] ?? '';
      if (!/^[0-9a-f]{6}$/i.test(hex)) return 'H.264';
      const profile = AVC_PROFILES[parseInt(hex.slice(0, 2), 16)];
      const level = parseInt(hex.slice(4, 6), 16) / 10;
      return ['H.264', profile, level ? String(level) : undefined].filter(Boolean).join(' ');
    }
    case 'hev1':
    case 'hvc1':
      return 'H.265';
    case 'av01':
      return 'AV1';
    case 'vp09':
    case 'vp9':
      return 'VP9';
    case 'mp4a':
      // "mp4a.40.N": 0x40 is MPEG-4 audio and N its object type; "mp4a.6B"/"mp4a.69" are MPEG-1/2 audio (MP3).
      if (params[0] === '40') return AAC_OBJECT_TYPES[params[1] ?? ''] ?? 'AAC';
      if (params[0] === '6B' || params[0] === '6b' || params[0] === '69') return 'MP3';
      return 'MPEG-4 audio';
    case 'opus':
    case 'Opus':
      return 'Opus';
    default:
      return codec;
  }
}

export function describeVideo(video: VideoTrackInfo | null): string {
  if (!video) return 'no video';
  const fps = video.fps > 0 ? ` @ ${Number(video.fps.toFixed(2))} fps` : '';
  return `${describeCodec(video.codec)} · ${video.width}×${video.height}${fps}`;
}

export function describeChannels(channels: number): string {
  if (channels === 1) return 'mono';
  if (channels === 2) return 'stereo';
  return `${channels} ch`;
}

export function describeAudio(audio: AudioTrackInfo | null): string {
  if (!audio) return 'no audio';
  const khz = Number((audio.sampleRate / 1000).toFixed(1));
  return `${describeCodec(audio.codec)} · ${khz} kHz · ${describeChannels(audio.channels)}`;
}

export function formatBitrate(kbps: number): string {
  if (!Number.isFinite(kbps) || kbps <= 0) return '—';
  if (kbps >= 1000) return `${Number((kbps / 1000).toFixed(1))} Mbps`;
  return `${Math.round(kbps)} kbps`;
}

const PROTOCOL_LABELS: ReadonlyArray<readonly [keyof Omit<PlayerCounts, 'total'>, string]> = [
  ['rtmp', 'RTMP'],
  ['flv', 'HTTP-FLV'],
  ['ws', 'WS-FLV'],
  ['hls', 'HLS'],
];

/** "3 viewers (HTTP-FLV 2, HLS 1)"; the breakdown lists only protocols in use. */
export function describeViewers(players: PlayerCounts): string {
  const noun = players.total === 1 ? 'viewer' : 'viewers';
  const parts = PROTOCOL_LABELS.filter(([key]) => players[key] > 0).map(([key, label]) => `${label} ${players[key]}`);
  return parts.length > 0 ? `${players.total} ${noun} (${parts.join(', ')})` : `${players.total} ${noun}`;
}

/** Time since the publisher started, e.g. "42s", "5m 03s", "1h 02m". */
export function formatUptime(startedAt: string, now: number): string {
  const started = Date.parse(startedAt);
  if (Number.isNaN(started)) return '—';
  const seconds = Math.max(0, Math.floor((now - started) / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${pad(Math.floor((seconds % 3600) / 60))}m`;
}

/** "1.6 s behind live (LL-HLS, target 1.5 s)": what the viewer waits for, and what the player aims at. */
export function describeLatency({ seconds, targetSeconds, lowLatency }: LiveLatency): string {
  const target = `target ${targetSeconds.toFixed(1)} s`;
  return `${seconds.toFixed(1)} s behind live (${lowLatency ? `LL-HLS, ${target}` : target})`;
}
