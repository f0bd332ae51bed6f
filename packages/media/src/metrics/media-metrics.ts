// The media server's /metrics: what the hub knows about streams, players and bytes, plus the
// process figures every Prometheus dashboard expects. The caller fills a plain snapshot on each
// scrape, so the hot paths only bump their own counters and never touch this module.
import { getHeapSpaceStatistics } from 'node:v8';
import type { PlayerProtocol, Publisher } from '../hub/subscriber.ts';
import { renderExposition, type MetricFamily } from './exposition.ts';

export interface ProcessSnapshot {
  residentMemoryBytes: number;
  /** User plus system CPU time since the process started. */
  cpuSecondsTotal: number;
  /** Unix time in seconds at which the process started. */
  startTimeSeconds: number;
  uptimeSeconds: number;
  /** Where the resident memory goes: V8's heap (by space: new, old, code, large objects…) and memory outside it. */
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** C++ objects bound to JS objects, Buffers included. */
  externalBytes: number;
  heapSpaces: { space: string; totalBytes: number; usedBytes: number }[];
}

export interface MediaMetricsSnapshot {
  /** Streams the hub holds: being published, or with players waiting for a publisher. */
  streams: number;
  /** Streams being published right now. */
  publishers: number;
  /** Players connected right now, by protocol. */
  players: Record<PlayerProtocol, number>;
  /** Bytes received from publishers since start, by ingest protocol (never decreasing). */
  bytesIn: Record<Publisher['protocol'], number>;
  /** Bytes sent to players since start, by protocol (never decreasing: include players that left; hls: bodies of playlists, segments, parts and init sections served). */
  bytesOut: Record<PlayerProtocol, number>;
  /** Frames skipped for players too slow to keep up, since start. */
  droppedFrames: number;
  /** Players disconnected because their backlog passed the limit, since start. */
  playersDisconnectedSlow: number;
  process: ProcessSnapshot;
}

const byProtocol = (values: Readonly<Record<string, number>>) =>
  Object.entries(values).map(([protocol, value]) => ({ labels: { protocol }, value }));

export function renderMediaMetrics(snapshot: MediaMetricsSnapshot): string {
  const families: MetricFamily[] = [
    { name: 'livelink_streams', type: 'gauge', help: 'Streams held by the server (published, or with players waiting for a publisher).', samples: [{ value: snapshot.streams }] },
    { name: 'livelink_publishers', type: 'gauge', help: 'Streams being published.', samples: [{ value: snapshot.publishers }] },
    { name: 'livelink_players', type: 'gauge', help: 'Connected players by protocol.', samples: byProtocol(snapshot.players) },
    { name: 'livelink_bytes_in_total', type: 'counter', help: 'Bytes received from publishers.', samples: byProtocol(snapshot.bytesIn) },
    { name: 'livelink_bytes_out_total', type: 'counter', help: 'Bytes sent to players.', samples: byProtocol(snapshot.bytesOut) },
    { name: 'livelink_dropped_frames_total', type: 'counter', help: 'Frames skipped for players too slow to keep up.', samples: [{ value: snapshot.droppedFrames }] },
    { name: 'livelink_players_disconnected_slow_total', type: 'counter', help: 'Players disconnected because their backlog passed the limit.', samples: [{ value: snapshot.playersDisconnectedSlow }] },
    { name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: [{ value: snapshot.process.residentMemoryBytes }] },
    { name: 'process_cpu_seconds_total', type: 'counter', help: 'Total user and system CPU time spent in seconds.', samples: [{ value: snapshot.process.cpuSecondsTotal }] },
    { name: 'process_start_time_seconds', type: 'gauge', help: 'Start time of the process since unix epoch in seconds.', samples: [{ value: snapshot.process.startTimeSeconds }] },
    { name: 'nodejs_heap_size_total_bytes', type: 'gauge', help: 'V8 heap size in bytes.', samples: [{ value: snapshot.process.heapTotalBytes }] },
    { name: 'nodejs_heap_size_used_bytes', type: 'gauge', help: 'V8 heap used in bytes.', samples: [{ value: snapshot.process.heapUsedBytes }] },
    { name: 'nodejs_external_memory_bytes', type: 'gauge', help: 'Memory of C++ objects bound to JS objects (Buffers included) in bytes.', samples: [{ value: snapshot.process.externalBytes }] },
    { name: 'nodejs_heap_space_size_total_bytes', type: 'gauge', help: 'V8 heap space size in bytes, by space.', samples: snapshot.process.heapSpaces.map(({ space, totalBytes }) => ({ labels: { space }, value: totalBytes })) },
    { name: 'nodejs_heap_space_size_used_bytes', type: 'gauge', help: 'V8 heap space used in bytes, by space.', samples: snapshot.process.heapSpaces.map(({ space, usedBytes }) => ({ labels: { space }, value: usedBytes })) },
    { name: 'livelink_uptime_seconds', type: 'gauge', help: 'Seconds since the process started.', samples: [{ value: snapshot.process.uptimeSeconds }] },
  ];
  return renderExposition(families);
}

/** The current process's figures, for the snapshot. */
export function readProcessSnapshot(): ProcessSnapshot {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    residentMemoryBytes: memory.rss,
    heapTotalBytes: memory.heapTotal,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    // V8 names them new_space, old_space…; Prometheus users know prom-client's labels: new, old…
    heapSpaces: getHeapSpaceStatistics().map((space) => ({
      space: space.space_name.replace(/_space$/, ''),
      totalBytes: space.space_size,
      usedBytes: space.space_used_size,
    })),
    cpuSecondsTotal: (cpu.user + cpu.system) / 1e6,
    // timeOrigin is when this process started, so the figure is the same on every scrape.
    startTimeSeconds: performance.timeOrigin / 1000,
    uptimeSeconds: process.uptime(),
  };
}
