// Operations endpoints: clients (list, kick), server totals, Prometheus metrics.
// The client and server endpoints require the admin bearer token when one is configured.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamHub } from '../hub/stream-hub.ts';
import type { ClientRegistry } from '../metrics/client-registry.ts';
import type { HlsOutput } from '../hls/hls-output.ts';
import { checkBearer } from '../auth/bearer.ts';
import { renderMediaMetrics, readProcessSnapshot } from '../metrics/media-metrics.ts';
import { EXPOSITION_CONTENT_TYPE } from '../metrics/exposition.ts';
import { sendJson } from './api.ts';

const VERSION = '0.1.0';
const startedAt = new Date();

export interface AdminContext {
  hub: StreamHub;
  clients: ClientRegistry;
  hls: HlsOutput;
  adminToken: string;
}

/** Answers /api/v1/clients[/{id}], /api/v1/server and /metrics; false for other paths. */
export function handleAdminApi(req: IncomingMessage, res: ServerResponse, pathname: string, context: AdminContext): boolean {
  if (pathname === '/metrics' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store' }).end(renderMediaMetrics(snapshot(context)));
    return true;
  }
  const isClients = pathname === '/api/v1/clients' || pathname.startsWith('/api/v1/clients/');
  if (!isClients && pathname !== '/api/v1/server') return false;
  if (context.adminToken !== '' && !checkBearer(req.headers.authorization, context.adminToken)) {
    res.setHeader('www-authenticate', 'Bearer');
    sendJson(res, 401, { error: 'admin API: bearer token required' });
    return true;
  }
  if (pathname === '/api/v1/server' && req.method === 'GET') {
    const totals = context.clients.totals();
    sendJson(res, 200, {
      version: VERSION,
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      streams: [...context.hub.streams()].filter((s) => s.publisher !== null).length,
      clients: context.clients.size,
      bytesIn: totals.bytesIn.rtmp,
      bytesOut: Object.values(totals.bytesOut).reduce((a, b) => a + b, 0),
      droppedFrames: totals.droppedFrames,
      playersDisconnectedSlow: totals.playersDisconnectedSlow,
    });
    return true;
  }
  if (pathname === '/api/v1/clients' && req.method === 'GET') {
    const clients = [...context.clients.all()].map((client) => ({
      id: client.id,
      protocol: client.protocol,
      remoteAddress: client.remoteAddress,
      connectedAt: new Date(client.connectedAt).toISOString(),
      streams: client.streams(),
      ...client.stats(),
    }));
    sendJson(res, 200, { clients });
    return true;
  }
  if (pathname.startsWith('/api/v1/clients/') && req.method === 'DELETE') {
    const id = pathname.slice('/api/v1/clients/'.length);
    const client = context.clients.get(id);
    if (client === undefined) {
      sendJson(res, 404, { error: `no client ${id}` });
      return true;
    }
    client.kick('kicked through the admin API');
    sendJson(res, 200, { kicked: id });
    return true;
  }
  sendJson(res, 405, { error: `${req.method} not allowed on ${pathname}` });
  return true;
}

function snapshot(context: AdminContext) {
  const players = { rtmp: 0, flv: 0, ws: 0, hls: 0 };
  let streams = 0;
  let publishers = 0;
  for (const stream of context.hub.streams()) {
    streams++;
    if (stream.publisher !== null) publishers++;
    players.hls += context.hls.viewers(stream.app, stream.name);
  }
  for (const client of context.clients.all()) {
    for (const { role } of client.streams()) if (role === 'play') players[client.protocol]++;
  }
  const totals = context.clients.totals();
  return {
    streams,
    publishers,
    players,
    bytesIn: totals.bytesIn,
    bytesOut: totals.bytesOut,
    droppedFrames: totals.droppedFrames,
    playersDisconnectedSlow: totals.playersDisconnectedSlow,
    process: readProcessSnapshot(),
  };
}
