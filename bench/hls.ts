// HLS segment availability: how long after a segment's closing keyframe reaches the server
// the playlist lists it (measured in the server, per segment), how long a keyframe waits to be
// listed in a segment, and what a client polling the playlist sees (segment durations, time
// between playlist updates). One livelink server, the RTMP benchmark's 720p clip published by
// ffmpeg in real time.
// With --part-ms N the server runs Low-Latency HLS (fMP4, parts of N ms): the client follows the
// playlist by blocking reloads for the hinted part instead of polling, and the table adds how long
// a keyframe waits to be listed in a part.
// Run: npx node bench/hls.ts [--seconds 30] [--part-ms 500]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_CLIP, ensureClip } from './rtmp/clip.ts';
import { startServer, REPO_ROOT } from './rtmp/servers.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, 'part-ms': { type: 'string', default: '0' } } });
const SECONDS = Number(values.seconds);
const PART_MS = Number(values['part-ms']);
if (PART_MS > 0) {
  // The server inherits the environment: the settings' env layer carries LL-HLS to it.
  process.env.LIVELINK_HLS_FORMAT = 'fmp4';
  process.env.LIVELINK_HLS_PART_MS = String(PART_MS);
}
interface Latency {
  samples: number;
  maxMs: number;
  meanMs: number;
}

ensureClip(BENCH_CLIP);

const dir = mkdtempSync(join(tmpdir(), 'livelink-bench-hls-'));
const server = await startServer('livelink', { dir, mergeWindowMs: 0, cpuProfileDir: null, nodeFlags: [] });
const publisher = spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', BENCH_CLIP, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/bench`], { stdio: 'ignore' });
try {
  const base = `http://127.0.0.1:${server.httpPort}/live/bench`;
  const seen = new Map<string, number>();
  const durations: number[] = [];
  const updateGaps: number[] = [];
  const partGaps: number[] = [];
  let lastUpdate = 0;
  let lastPartAt = 0;
  let requests = 0;
  /** The next blocking reload's query (LL-HLS), from the last playlist's preload hint. */
  let blockOn = '';
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    requests++;
    const response = await fetch(`${base}.m3u8${blockOn}`).catch(() => null);
    if (response?.ok) {
      const text = await response.text();
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="[^"]*-(\d+)\.(\d+)\.m4s"/.exec(text);
      if (hint !== null) {
        const partUri = /URI="[^"]*-\d+\.\d+\.m4s"/;
        const lastPart = text.split('\n').findLast((line) => line.startsWith('#EXT-X-PART:') && partUri.test(line));
        if (lastPart !== undefined && !seen.has(lastPart)) {
          const now = performance.now();
          if (lastPartAt > 0) partGaps.push(now - lastPartAt);
          seen.set(lastPart, now);
          lastPartAt = now;
        }
        blockOn = `?_HLS_msn=${hint[1]}&_HLS_part=${hint[2]}`;
      }
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const uri = lines[i + 1];
        if (!lines[i].startsWith('#EXTINF:') || uri === undefined || seen.has(uri)) continue;
        const now = performance.now();
        if (seen.size > 0) {
          durations.push(Number(lines[i].slice(8).split(',')[0]));
          if (lastUpdate > 0) updateGaps.push(now - lastUpdate);
        }
        seen.set(uri, now);
        lastUpdate = now;
      }
    } else {
      await response?.body?.cancel();
    }
    // A blocking reload waits in the server; a plain poller waits here.
    if (blockOn === '') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const api = (await (await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/streams/live/bench`)).json()) as {
    hls: { segmentsProduced: number; partsProduced: number; targetDurationS: number; availability: Latency; keyframeToSegment: Latency; keyframeToPart: Latency };
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const meanMax = (latency: Latency, unit: string) => `${latency.meanMs.toFixed(0)} / ${latency.maxMs.toFixed(0)} (${latency.samples} ${unit})`;
  const client = PART_MS > 0 ? 'a client following blocking reloads' : 'a 20 ms poller';
  const rows = [
    `| segments produced | ${api.hls.segmentsProduced} |`,
    `| target duration (s) | ${api.hls.targetDurationS} |`,
    `| availability in the server: closing keyframe in → playlist lists the segment, mean / max (ms) | ${api.hls.availability.meanMs.toFixed(2)} / ${api.hls.availability.maxMs.toFixed(2)} (${api.hls.availability.samples} segments) |`,
    `| keyframe in → playlist lists the segment holding it, mean / max (ms) | ${meanMax(api.hls.keyframeToSegment, 'keyframes')} |`,
    `| segment duration seen by the client, mean / min / max (s) | ${mean(durations).toFixed(3)} / ${Math.min(...durations).toFixed(3)} / ${Math.max(...durations).toFixed(3)} |`,
    `| time between playlist updates (new segment) seen by ${client}, mean / max (ms) | ${mean(updateGaps).toFixed(0)} / ${Math.max(...updateGaps).toFixed(0)} |`,
    `| playlist requests made by ${client} | ${requests} |`,
  ];
  if (PART_MS > 0) {
    rows.push(
      `| parts produced | ${api.hls.partsProduced} |`,
      `| keyframe in → playlist lists the part holding it, mean / max (ms) | ${meanMax(api.hls.keyframeToPart, 'keyframes')} |`,
      `| time between new parts seen by the client, mean / max (ms) | ${mean(partGaps).toFixed(0)} / ${Math.max(...partGaps).toFixed(0)} |`,
    );
  }
  const section = [
    '',
    PART_MS > 0 ? `## Low-Latency HLS part availability (${PART_MS} ms parts)` : '## HLS segment availability',
    '',
    `${new Date().toISOString().slice(0, 10)} — ${cpus().length} cores, ${process.arch}, ${cpus()[0]?.model.trim()}, Node ${process.version}. \`npx node bench/hls.ts --seconds ${SECONDS}${PART_MS > 0 ? ` --part-ms ${PART_MS}` : ''}\`: the RTMP benchmark's 720p clip (2 s GOP) published by ffmpeg in real time to one livelink server (2 s target, ${PART_MS > 0 ? `fMP4, ${PART_MS} ms parts` : 'MPEG-TS'}).`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(section);
  appendFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), section);
} finally {
  publisher.kill('SIGTERM');
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
