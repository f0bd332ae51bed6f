import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderExposition, MetricsError, EXPOSITION_CONTENT_TYPE } from '../src/metrics/exposition.ts';
import { renderMediaMetrics, readProcessSnapshot, type MediaMetricsSnapshot } from '../src/metrics/media-metrics.ts';

test('the media snapshot renders as this exact exposition text', () => {
  const snapshot: MediaMetricsSnapshot = {
    streams: 3,
    publishers: 2,
    players: { rtmp: 4, flv: 10, ws: 1, hls: 0 },
    bytesIn: { rtmp: 123_456_789 },
    bytesOut: { rtmp: 1, flv: 2_000_000_000_000, ws: 0, hls: 5 },
    droppedFrames: 17,
    playersDisconnectedSlow: 2,
    process: {
      residentMemoryBytes: 52_428_800,
      cpuSecondsTotal: 12.5,
      startTimeSeconds: 1_735_689_600.25,
      uptimeSeconds: 3600.5,
      heapTotalBytes: 20_000_000,
      heapUsedBytes: 15_000_000,
      externalBytes: 3_000_000,
      heapSpaces: [
        { space: 'new', totalBytes: 1_048_576, usedBytes: 500_000 },
        { space: 'old', totalBytes: 16_000_000, usedBytes: 12_000_000 },
      ],
    },
  };
  assert.equal(
    renderMediaMetrics(snapshot),
    `# HELP livelink_streams Streams held by the server (published, or with players waiting for a publisher).
# TYPE livelink_streams gauge
livelink_streams 3
# HELP livelink_publishers Streams being published.
# TYPE livelink_publishers gauge
livelink_publishers 2
# HELP livelink_players Connected players by protocol.
# TYPE livelink_players gauge
livelink_players{protocol="rtmp"} 4
livelink_players{protocol="flv"} 10
livelink_players{protocol="ws"} 1
livelink_players{protocol="hls"} 0
# HELP livelink_bytes_in_total Bytes received from publishers.
# TYPE livelink_bytes_in_total counter
livelink_bytes_in_total{protocol="rtmp"} 123456789
# HELP livelink_bytes_out_total Bytes sent to players.
# TYPE livelink_bytes_out_total counter
livelink_bytes_out_total{protocol="rtmp"} 1
livelink_bytes_out_total{protocol="flv"} 2000000000000
livelink_bytes_out_total{protocol="ws"} 0
livelink_bytes_out_total{protocol="hls"} 5
# HELP livelink_dropped_frames_total Frames skipped for players too slow to keep up.
# TYPE livelink_dropped_frames_total counter
livelink_dropped_frames_total 17
# HELP livelink_players_disconnected_slow_total Players disconnected because their backlog passed the limit.
# TYPE livelink_players_disconnected_slow_total counter
livelink_players_disconnected_slow_total 2
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 52428800
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1735689600.25
# HELP nodejs_heap_size_total_bytes V8 heap size in bytes.
# TYPE nodejs_heap_size_total_bytes gauge
nodejs_heap_size_total_bytes 20000000
# HELP nodejs_heap_size_used_bytes V8 heap used in bytes.
# TYPE nodejs_heap_size_used_bytes gauge
nodejs_heap_size_used_bytes 15000000
# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JS objects (Buffers included) in bytes.
# TYPE nodejs_external_memory_bytes gauge
nodejs_external_memory_bytes 3000000
# HELP nodejs_heap_space_size_total_bytes V8 heap space size in bytes, by space.
# TYPE nodejs_heap_space_size_total_bytes gauge
nodejs_heap_space_size_total_bytes{space="new"} 1048576
nodejs_heap_space_size_total_bytes{space="old"} 16000000
# HELP nodejs_heap_space_size_used_bytes V8 heap space used in bytes, by space.
# TYPE nodejs_heap_space_size_used_bytes gauge
nodejs_heap_space_size_used_bytes{space="new"} 500000
nodejs_heap_space_size_used_bytes{space="old"} 12000000
# HELP livelink_uptime_seconds Seconds since the process started.
# TYPE livelink_uptime_seconds gauge
livelink_uptime_seconds 3600.5
`,
  );
});

test('label values escape backslash, double quote and newline; HELP escapes backslash and newline', () => {
  const text = renderExposition([
    { name: 'x_info', type: 'gauge', help: 'path C:\\tmp\nsecond "line"', samples: [{ labels: { path: 'C:\\a "b"\nc', app: 'live' }, value: 1 }] },
  ]);
  assert.equal(text, '# HELP x_info path C:\\\\tmp\\nsecond "line"\n# TYPE x_info gauge\nx_info{path="C:\\\\a \\"b\\"\\nc",app="live"} 1\n');
});

test('special values use the format\'s spellings; a family without samples keeps its HELP and TYPE', () => {
  const text = renderExposition([
    { name: 'g', type: 'gauge', help: 'h', samples: [{ labels: { k: 'a' }, value: Number.NaN }, { labels: { k: 'b' }, value: Infinity }, { labels: { k: 'c' }, value: -Infinity }, { labels: {}, value: -0.5 }] },
    { name: 'empty_total', type: 'counter', help: 'none yet', samples: [] },
  ]);
  assert.equal(text, '# HELP g h\n# TYPE g gauge\ng{k="a"} NaN\ng{k="b"} +Inf\ng{k="c"} -Inf\ng -0.5\n# HELP empty_total none yet\n# TYPE empty_total counter\n');
});

test('names, duplicates and values a scraper would reject are refused', () => {
  const code = (c: string) => (e: unknown) => e instanceof MetricsError && e.code === c;
  const family = (name: string, labels: Record<string, string> = {}, value = 1, type: 'gauge' | 'counter' = 'gauge') => ({ name, type, help: 'h', samples: [{ labels, value }] });
  for (const name of ['', '1abc', 'a-b', 'a b', 'é']) assert.throws(() => renderExposition([family(name)]), code('bad-metric-name'), name);
  for (const label of ['', '1a', 'a-b', '__name', 'a:b']) assert.throws(() => renderExposition([family('m', { [label]: 'v' })]), code('bad-label-name'), label);
  assert.throws(() => renderExposition([family('m'), family('m')]), code('duplicate-family'));
  assert.throws(() => renderExposition([family('c_total', {}, -1, 'counter')]), code('negative-counter'));
  assert.doesNotThrow(() => renderExposition([family('ns:sub_metric', { _private: 'x' })]));
});

test('property: every label value survives escaping (unescaping the rendered line gives it back)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
      const line = renderExposition([{ name: 'm', type: 'gauge', help: 'h', samples: [{ labels: { v: value }, value: 1 }] }]).split('\n')[2];
      const match = /^m\{v="((?:[^"\\\n]|\\[\\"n])*)"\} 1$/.exec(line);
      assert.ok(match, `line stays one well-formed sample: ${JSON.stringify(line)}`);
      assert.equal(match[1].replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c)), value);
    }),
    { numRuns: 500 },
  );
});

test('the process snapshot is read from this process', () => {
  const snapshot = readProcessSnapshot();
  assert.ok(snapshot.residentMemoryBytes > 1_000_000);
  assert.ok(snapshot.cpuSecondsTotal > 0);
  assert.ok(snapshot.heapUsedBytes > 0 && snapshot.heapUsedBytes <= snapshot.heapTotalBytes);
  assert.ok(snapshot.heapSpaces.some((space) => space.space === 'new' && space.totalBytes > 0), 'V8 heap spaces, named as prom-client does');
  assert.ok(Math.abs(snapshot.startTimeSeconds + snapshot.uptimeSeconds - Date.now() / 1000) < 5);
  assert.equal(readProcessSnapshot().startTimeSeconds, snapshot.startTimeSeconds, 'stable across scrapes');
  assert.equal(EXPOSITION_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
});
