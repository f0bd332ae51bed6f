// Starts a real media server (RTMP + HTTP) on loopback ports chosen by the OS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediaServer, type MediaServerOverrides } from '../../src/index.ts';

export interface TestServer {
  media: MediaServer;
  rtmpUrl(path: string): string;
  httpUrl(path: string): string;
  close(): Promise<void>;
}

export async function startTestServer(config: MediaServerOverrides = {}): Promise<TestServer> {
  const media = new MediaServer({ config });
  const rtmp = await media.listenRtmp('127.0.0.1', 0);
  const http: Server = createServer((req, res) => {
    if (!media.handleRequest(req, res)) res.writeHead(404).end();
  });
  http.on('upgrade', (req, socket, head) => {
    if (!media.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as AddressInfo).port;
  return {
    media,
    rtmpUrl: (path) => `rtmp://127.0.0.1:${rtmp.port}/${path}`,
    httpUrl: (path) => `http://127.0.0.1:${httpPort}/${path}`,
    async close() {
      http.closeAllConnections();
      await Promise.all([media.close(), new Promise((resolve) => http.close(resolve))]);
    },
  };
}
