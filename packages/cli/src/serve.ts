// `livelink serve`: the whole platform on one machine — RTMP, one HTTP port for media, API
// and web app, and the TCP long-link port — with a clean shutdown on Ctrl-C / SIGTERM.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdirSync } from 'node:fs';
import { MediaServer, parseSecretList } from '@livelink/media';
import { parseServeArgs, serveHelp, SettingsError, type ServeSettings } from './settings.ts';
import { join } from 'node:path';
import { createLogger } from '@livelink/xlog';
import { loadWebApp } from '@livelink/web';
import { webRoute } from './web-route.ts';
import { relaunchWithRuntimeTuning } from './runtime-tuning.ts';
import { fullCollection, loadAllocatorTrim, startMemoryReleaser } from './memory-release.ts';
import { createGateway } from '@livelink/gateway';
import { registerLinkServices, LinkServiceCmdids } from './link-services.ts';

/** A part of the platform that answers some HTTP paths; false means "not mine". */
interface HttpRoute {
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

export async function runServe(argv: string[]): Promise<number> {
  let settings: ServeSettings;
  try {
    const parsed = parseServeArgs(argv);
    if (parsed.help) {
      process.stdout.write(serveHelp());
      return 0;
    }
    settings = parsed.settings;
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`livelink serve: ${error.message}\n`);
    return 2;
  }
  // Before anything opens a socket: the tuned process starts over from here.
  relaunchWithRuntimeTuning();
  let platform: RunningPlatform;
  try {
    platform = await startPlatform(settings);
  } catch (error) {
    // A taken port or an unusable data directory: say which, without a stack trace.
    process.stderr.write(`livelink serve: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const { rtmpPort, httpPort, linkPort } = platform.ports;
  const shown = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  process.stdout.write(
    [
      `livelink is running (data in ${settings.dataDir})`,
      `  publish:  ffmpeg -re -i input.mp4 -c copy -f flv rtmp://${shown}:${rtmpPort}/live/demo`,
      `  play:     ffplay rtmp://${shown}:${rtmpPort}/live/demo`,
      `  web:      http://${shown}:${httpPort}/`,
      `  link:     tcp://${shown}:${linkPort} (Mars framing), ws://${shown}:${httpPort}/link, short links http://${shown}:${httpPort}/link/...`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`\n${signal}: shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await platform.close();
  return 0;
}

export interface RunningPlatform {
  ports: { rtmpPort: number; httpPort: number; linkPort: number };
  close(): Promise<void>;
}

export async function startPlatform(settings: ServeSettings): Promise<RunningPlatform> {
  mkdirSync(settings.dataDir, { recursive: true });
  // The server logs through xlog (compressed, crash-safe files in the data directory) and,
  // for whoever runs it in a terminal, to the console as well.
  const log = createLogger({ dir: join(settings.dataDir, 'logs'), prefix: 'livelink', console: true });
  const media = new MediaServer({
    log,
    config: {
      gopCacheBytes: settings.gopCacheBytes,
      mergeWindowMs: settings.mergeWindowMs,
      record: { enabled: settings.record, dir: join(settings.dataDir, 'recordings') },
      hls: { segmentFormat: settings.hlsFormat, partTargetMs: settings.hlsPartMs, windowSegments: settings.hlsWindow },
      auth: {
        secrets: settings.authSecret === '' ? [] : parseSecretList(settings.authSecret),
        requirePublishToken: settings.authPublish,
        requirePlayToken: settings.authPlay,
        hooks: { onPublish: settings.hookOnPublish || undefined, onPlay: settings.hookOnPlay || undefined, onUnpublish: settings.hookOnUnpublish || undefined, onStop: settings.hookOnStop || undefined },
        adminToken: settings.adminToken,
      },
    },
  });
  const gateway = createGateway({
    shortLinkRoutes: { '/link/echo': LinkServiceCmdids.echo },
    log: (level, message, fields) => log[level]('gateway', message, fields),
  });
  registerLinkServices(gateway);
  const routes: HttpRoute[] = [gateway.httpHandlers({ path: '/link' }), media, webRoute(await loadWebApp())];
  const http = createServer((req, res) => {
    for (const route of routes) if (route.handleRequest(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  http.on('upgrade', (req, socket, head) => {
    for (const route of routes) if (route.handleUpgrade?.(req, socket, head)) return;
    socket.destroy();
  });

  const rtmpAddress = await media.listenRtmp(settings.host, settings.rtmpPort);
  const linkAddress = await gateway.listenTcp({ host: settings.host, port: settings.linkPort });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(settings.httpPort, settings.host, () => resolve());
  });
  const httpAddress = http.address() as { port: number };

  const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
  const memoryReleaser = startMemoryReleaser({
    countSessions: () => media.clients.size + gateway.metrics.tcpConnections + gateway.metrics.wsConnections,
    // Present when the relaunch added --expose-gc (runtime-tuning.ts).
    collectGarbage: fullCollection(),
    trimAllocator: await loadAllocatorTrim(),
    onRelease: (report) =>
      log.info('memory', `released memory after ${report.reason}`, {
        rssBeforeMb: mb(report.rssBeforeBytes),
        rssAfterMb: mb(report.rssAfterBytes),
        ms: Math.round(report.durationMs * 10) / 10,
        collected: report.collected,
        trimmed: report.trimmed,
      }),
  });

  return {
    ports: { rtmpPort: rtmpAddress.port, httpPort: httpAddress.port, linkPort: linkAddress.port },
    async close() {
      memoryReleaser.stop();
      // The gateway drains first: its in-flight tasks may still answer over HTTP short links.
      await gateway.close({ drainMs: 5000 });
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await Promise.all([media.close(), httpClosed]);
      await log.close();
    },
  };
}
