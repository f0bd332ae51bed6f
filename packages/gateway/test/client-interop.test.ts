// The real client (@livelink/link) against the gateway: both sides implement
// docs/link-protocol.md independently, so this is where a disagreement would show.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkClient, LinkTaskError, type LinkClient } from '@livelink/link';
import { tcpTransport } from '@livelink/link/node';
import { TaskError, TaskErrorCodes } from '../src/index.ts';
import { startGateway, text, str, eventually } from './helpers.ts';

const ECHO = 3;
const LOGIN = 1;

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, carrier: 'tcp' | 'ws') {
  const g = await startGateway();
  const clients: LinkClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await g.stop();
  });
  g.gateway.onIdentify(({ body }) => ({ userId: str(body), reply: text('hi') }));
  g.gateway.handle(ECHO, (ctx) => text(`${ctx.userId ?? '-'}:${ctx.channel}:${str(ctx.body)}`));
  const client = (user: string) => {
    const pushes: string[] = [];
    const c = createLinkClient({
      longLink:
        carrier === 'tcp'
          ? { addresses: [`127.0.0.1:${g.tcpPort}`], transport: tcpTransport() }
          : { url: `ws://127.0.0.1:${g.httpPort}/link` },
      shortLink: { baseUrl: `http://127.0.0.1:${g.httpPort}` },
      hooks: {
        identify: () => ({ cmdid: LOGIN, body: text(user) }),
        onPush: (cmdid, body) => pushes.push(`${cmdid}:${str(body)}`),
      },
    });
    clients.push(c);
    return { c, pushes };
  };
  return { g, client };
}

for (const carrier of ['tcp', 'ws'] as const) {
  test(`client over ${carrier}: identify, long-link task, push to the user, short-link task`, async (t) => {
    const { g, client } = await setup(t, carrier);
    const { c, pushes } = client('alice');
    const long = await c.startTask({ cmdid: ECHO, body: text('over the long link'), channel: 'long' }).promise;
    assert.equal(str(long), 'alice:long:over the long link');
    await eventually(() => g.gateway.metrics.users === 1, 'alice bound');
    g.gateway.pushToUser('alice', 10001, text('news'));
    await eventually(() => pushes.length === 1, 'push received');
    assert.deepEqual(pushes, ['10001:news']);
    const short = await c.startTask({ cgi: '/link/echo', cmdid: ECHO, body: text('over http'), channel: 'short' }).promise;
    assert.equal(str(short), '-:short:over http');
  });
}

test('client sees a handler TaskError as a final server error with its code', async (t) => {
  const { g, client } = await setup(t, 'tcp');
  let runs = 0;
  g.gateway.handle(40, () => {
    runs++;
    throw new TaskError(TaskErrorCodes.badRequest, 'nope');
  });
  const { c } = client('bob');
  const error = await c.startTask({ cmdid: 40, body: text(''), channel: 'long', retryCount: 2 }).promise.catch((e: unknown) => e);
  assert.ok(error instanceof LinkTaskError, String(error));
  assert.equal(error.code, 'server');
  assert.equal(error.errCode, 400);
  assert.equal(runs, 1, 'a server error is not retried');
});
