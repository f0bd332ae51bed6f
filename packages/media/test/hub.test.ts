import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamHub, StreamBusyError } from '../src/hub/stream-hub.ts';
import type { HubFrame } from '../src/hub/frame.ts';
import type { LiveStream } from '../src/hub/live-stream.ts';
import type { Publisher, Subscriber } from '../src/hub/subscriber.ts';
import { GopCache } from '../src/hub/gop-cache.ts';
import { HubFrame as Frame } from '../src/hub/frame.ts';

// FLV tag bodies as an H.264/AAC encoder sends them.
const avcSequenceHeader = Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe0]);
const keyframe = (size = 100) => Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(size)]);
const interframe = (size = 50) => Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(size)]);
const aacSequenceHeader = Buffer.from([0xaf, 0x00, 0x12, 0x10]);
const aacFrame = () => Buffer.from([0xaf, 0x01, 1, 2, 3]);
// ['@setDataFrame', 'onMetaData', { width: 2 }] in AMF0
const setDataFrame = Buffer.from([
  0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame'), 0x02, 0x00, 0x0a, ...Buffer.from('onMetaData'),
  0x08, 0, 0, 0, 1, 0x00, 0x05, ...Buffer.from('width'), 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09,
]);

class RecordingSubscriber implements Subscriber {
  readonly id = 'sub';
  readonly protocol = 'rtmp' as const;
  events: string[] = [];
  frames: HubFrame[] = [];
  publishStarted(stream: LiveStream) {
    this.events.push(`start ${stream.name}`);
  }
  deliver(frame: HubFrame) {
    this.frames.push(frame);
    this.events.push(`${frame.kind}${frame.isSequenceHeader ? ' config' : frame.isKeyframe ? ' key' : ''} @${frame.timestamp}`);
  }
  publishEnded(stream: LiveStream) {
    this.events.push(`end ${stream.name}`);
  }
}

const publisher = (id: string): Publisher => ({ id, protocol: 'rtmp', remoteAddress: '127.0.0.1:1', query: '', close() {} });

function publishGop(stream: LiveStream, start: number) {
  stream.ingest('data', start, setDataFrame);
  stream.ingest('video', start, avcSequenceHeader);
  stream.ingest('audio', start, aacSequenceHeader);
  stream.ingest('video', start, keyframe());
  stream.ingest('audio', start + 10, aacFrame());
  stream.ingest('video', start + 40, interframe());
}

test('a late player gets metadata and sequence headers, then the GOP from its keyframe', () => {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const stream = hub.publish('live', 'demo', publisher('p1'));
  stream.ingest('video', 0, keyframe()); // a GOP that the next keyframe replaces
  publishGop(stream, 80);
  const late = new RecordingSubscriber();
  hub.subscribe('live', 'demo', late);
  assert.deepEqual(late.events, ['start demo', 'data @0', 'video config @80', 'audio config @80', 'video key @80', 'audio @90', 'video @120']);
});

test('metadata is rewritten from @setDataFrame to a plain onMetaData script tag at timestamp 0', () => {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const stream = hub.publish('live', 'demo', publisher('p1'));
  stream.ingest('data', 970, setDataFrame);
  assert.equal(stream.metadata?.payload.subarray(3, 13).toString(), 'onMetaData');
  assert.equal(stream.metadata?.timestamp, 0);
});

test('a second publisher is refused and the first keeps publishing', () => {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const first = publisher('p1');
  const stream = hub.publish('live', 'demo', first);
  assert.throws(() => hub.publish('live', 'demo', publisher('p2')), StreamBusyError);
  assert.equal(stream.publisher, first);
});

test('a waiting player starts when the publisher arrives, and resumes on republish on a continuing timeline', () => {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const player = new RecordingSubscriber();
  hub.subscribe('live', 'demo', player);
  assert.equal(player.events.length, 0);
  const p1 = publisher('p1');
  const stream = hub.publish('live', 'demo', p1);
  publishGop(stream, 1000);
  hub.unpublish(stream, p1);
  assert.equal(hub.get('live', 'demo'), stream, 'a stream with a waiting player is kept');
  const p2 = publisher('p2');
  hub.publish('live', 'demo', p2);
  publishGop(stream, 0); // the encoder restarted its clock
  const timestamps = player.frames.filter((f) => f.kind !== 'data').map((f) => f.timestamp);
  assert.ok(timestamps.every((t, i) => i === 0 || t >= timestamps[i - 1]), `timestamps never go back: ${timestamps}`);
  assert.deepEqual(player.events.filter((e) => e.startsWith('start') || e.startsWith('end')), ['start demo', 'end demo', 'start demo']);
});

test('a stream nobody publishes or watches is forgotten', () => {
  const hub = new StreamHub({ gopCacheBytes: 1 << 20 });
  const p1 = publisher('p1');
  const stream = hub.publish('live', 'demo', p1);
  hub.unpublish(stream, p1);
  assert.equal(hub.get('live', 'demo'), undefined);
});

test('the GOP cache is bounded in bytes and restarts on the next keyframe', () => {
  const cache = new GopCache(1000);
  cache.add(new Frame('video', 0, keyframe(400), true, false));
  cache.add(new Frame('video', 40, interframe(400), false, false));
  assert.equal(cache.frames.length, 2);
  cache.add(new Frame('video', 80, interframe(400), false, false));
  assert.equal(cache.frames.length, 0, 'over the limit: dropped whole');
  cache.add(new Frame('video', 120, interframe(10), false, false));
  assert.equal(cache.frames.length, 0, 'nothing cached until a keyframe');
  cache.add(new Frame('video', 160, keyframe(10), true, false));
  assert.equal(cache.frames.length, 1);
  assert.ok(cache.bytes <= 1000);
});
