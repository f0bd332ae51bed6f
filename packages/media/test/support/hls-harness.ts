// An HlsOutput behind a real HTTP server on loopback, fed through a StreamHub: what the HLS tests
// publish into and fetch from. Each harness registers its own shutdown with the caller's cleanups.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamHub } from '../../src/hub/stream-hub.ts';
import { silentLog } from '../../src/log.ts';
import { HlsOutput } from '../../src/hls/hls-output.ts';
import type { HlsConfig } from '../../src/hls/config.ts';
import { matchHlsPath } from '../../src/hls/paths.ts';

export interface HlsHarness {
  hub: StreamHub;
  hls: HlsOutput;
  /** `at`: performance.now() when the whole body had arrived. */
  get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer; at: number }>;
}

export async function startHlsHarness(config: HlsConfig, cleanups: Array<() => Promise<void>>): Promise<HlsHarness> {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const hls = new HlsOutput(hub, config, silentLog);
  const server: Server = createServer((req, res) => {
    const path = matchHlsPath(req.url ?? '/');
    if (path === null || !hls.handleRequest(path, req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    await hls.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    hub,
    hls,
    async get(path, init) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
      const body = Buffer.from(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body, at: performance.now() };
    },
  };
}

/** A playlist's text without its EXT-X-PROGRAM-DATE-TIME lines (wall-clock times), for comparing the rest exactly. */
export function withoutProgramDates(playlist: string): string {
  return playlist.replace(/^#EXT-X-PROGRAM-DATE-TIME:.*\n/gm, '');
}
