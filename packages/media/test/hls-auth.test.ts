// HLS playlists are authorised per viewer and query, with the answer cached for a while: LL-HLS
// delivery directives (_HLS_msn/_HLS_part, new on every blocking reload) must not defeat that cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { startTestServer } from './support/server.ts';
import { queryWithoutDeliveryDirectives } from '../src/hls/paths.ts';

test('delivery directives are dropped from the query, everything else is kept in order', () => {
  assert.equal(queryWithoutDeliveryDirectives('expires=1&sign=ab&_HLS_msn=12&_HLS_part=3'), 'expires=1&sign=ab');
  assert.equal(queryWithoutDeliveryDirectives('_HLS_msn=12&expires=1'), 'expires=1');
  assert.equal(queryWithoutDeliveryDirectives('_HLS_skip=YES'), '');
  assert.equal(queryWithoutDeliveryDirectives(''), '');
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z]{1,6}=[a-z0-9]{0,6}$/)), fc.array(fc.stringMatching(/^_HLS_[a-z]{1,5}=[0-9]{0,4}$/)), (kept, directives) => {
      const mixed = [...kept, ...directives].sort(() => 0.5 - Math.random());
      const expected = mixed.filter((parameter) => !parameter.startsWith('_HLS_')).join('&');
      assert.equal(queryWithoutDeliveryDirectives(mixed.join('&')), expected);
    }),
  );
});

test('blocking reloads of one viewer are authorised once, not once per reload', async () => {
  let playHookCalls = 0;
  const hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      playHookCalls++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const server = await startTestServer({ auth: { hooks: { onPlay: hookUrl } } });
  try {
    for (const query of ['token=a', 'token=a&_HLS_msn=4', 'token=a&_HLS_msn=4&_HLS_part=1', 'token=a&_HLS_msn=5&_HLS_part=0']) {
      const response = await fetch(server.httpUrl(`live/quiet.m3u8?${query}`));
      await response.arrayBuffer();
      assert.equal(response.status, 404, 'nothing is published: authorised, then not found');
    }
    assert.equal(playHookCalls, 1);
    await (await fetch(server.httpUrl('live/quiet.m3u8?token=b'))).arrayBuffer();
    assert.equal(playHookCalls, 2, 'a different token is a different decision');
  } finally {
    await server.close();
    hook.close();
  }
});
