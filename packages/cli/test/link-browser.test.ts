// Issue 3 acceptance 1 (browser side): the link client, bundled for the browser, runs tasks
// over a WebSocket long link and an HTTP short link and receives pushes, in headless
// Chromium, through a running `livelink serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createLinkClient } from '@livelink/link';
import { tcpTransport } from '@livelink/link/node';
import { launchBrowser, collectConsoleErrors } from '../../web/test/support/browser.ts';
import { startServe } from './support/serve-process.ts';
import { LinkServiceCmdids } from '../src/link-services.ts';

// Runs in the page: the same client a web app would ship, with the browser's WebSocket and fetch.
const pageScript = `
import { createLinkClient } from '@livelink/link';
const params = new URLSearchParams(location.search);
const http = 'http://127.0.0.1:' + params.get('port');
const utf8 = new TextEncoder();
const text = (b) => new TextDecoder().decode(b);
window.linkResult = (async () => {
  const pushes = [];
  const client = createLinkClient({
    longLink: { url: http.replace('http:', 'ws:') + '/link' },
    shortLink: { baseUrl: http },
    hooks: { onPush: (cmdid, body) => pushes.push(cmdid + ' ' + text(body)) },
  });
  const long = text(await client.startTask({ cmdid: ${LinkServiceCmdids.echo}, body: utf8.encode('from the browser, long'), channel: 'long' }).promise);
  const short = text(await client.startTask({ cmdid: ${LinkServiceCmdids.echo}, cgi: '/link/echo', body: utf8.encode('from the browser, short'), channel: 'short' }).promise);
  await client.startTask({ cmdid: ${LinkServiceCmdids.joinRoom}, body: utf8.encode(JSON.stringify({ room: 'browsers' })), channel: 'long' }).promise;
  window.joined = true;
  const deadline = Date.now() + 10000;
  while (pushes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  client.close();
  return { long, short, pushes };
})().catch((error) => ({ error: String(error) }));
`;

test('a browser link client runs long- and short-link tasks and receives a push', async () => {
  const serve = await startServe();
  const bundle = await build({
    stdin: { contents: pageScript, resolveDir: join(import.meta.dirname, '..'), loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
  });
  const page = createServer((req, res) => {
    if (req.url?.startsWith('/app.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.outputFiles[0].text);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const browser = await launchBrowser();
  const nodeClient = createLinkClient({ longLink: { addresses: [`127.0.0.1:${serve.linkPort}`], transport: tcpTransport() } });
  try {
    const tab = await browser.newPage();
    const errors = collectConsoleErrors(tab);
    await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/?port=${serve.httpPort}`);
    await tab.waitForFunction(() => (window as unknown as { joined?: boolean }).joined === true, undefined, { timeout: 15_000 });
    // A Node client on the TCP long link speaks in the browser's room.
    await nodeClient.startTask({ cmdid: LinkServiceCmdids.say, body: new TextEncoder().encode(JSON.stringify({ room: 'browsers', text: 'hello from node' })), channel: 'long' }).promise;
    const result = (await tab.evaluate(() => (window as unknown as { linkResult: Promise<unknown> }).linkResult)) as { long: string; short: string; pushes: string[]; error?: string };
    assert.equal(result.error, undefined);
    assert.equal(result.long, 'from the browser, long');
    assert.equal(result.short, 'from the browser, short');
    assert.equal(result.pushes.length, 1);
    assert.match(result.pushes[0], /^10001 \{"room":"browsers","from":".+","text":"hello from node"\}$/);
    assert.deepEqual(errors, []);
  } finally {
    nodeClient.close();
    await browser.close();
    page.close();
    assert.equal(await serve.stop(), 0);
  }
});
