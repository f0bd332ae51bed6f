// Serves the built browser app (home page, player page, assets) on the shared HTTP port.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebApp } from '@livelink/web';

export function webRoute(app: WebApp) {
  return {
    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const file = app.get((req.url ?? '/').split('?', 1)[0]);
      if (file === undefined) return false;
      // Bundle names carry no content hash, so browsers revalidate everything.
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.byteLength, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return true;
    },
  };
}
