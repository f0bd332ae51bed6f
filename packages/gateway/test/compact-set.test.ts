import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compactAdd, compactDelete, compactHas, compactValues, type CompactSet } from '../src/compact-set.ts';
import { InProcessBus } from '../src/bus/in-process-bus.ts';
import { encodePushMessage, decodePushMessage, PushMessageError } from '../src/bus/push-message.ts';

test('a compact set is a bare value with one element and a Set with more', () => {
  let set: CompactSet<string> = undefined;
  set = compactAdd(set, 'a');
  assert.equal(set, 'a');
  set = compactAdd(set, 'a');
  assert.equal(set, 'a');
  set = compactAdd(set, 'b');
  assert.ok(set instanceof Set);
  set = compactDelete(set, 'a');
  assert.equal(set, 'b', 'back to a bare value');
  set = compactDelete(set, 'zzz');
  assert.equal(set, 'b');
  set = compactDelete(set, 'b');
  assert.equal(set, undefined);
});

test('behaves like a Set under random adds and deletes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), { maxLength: 60 }), (ops) => {
      let set: CompactSet<number> = undefined;
      const model = new Set<number>();
      for (const [add, n] of ops) {
        if (add) {
          set = compactAdd(set, n);
          model.add(n);
        } else {
          set = compactDelete(set, n);
          model.delete(n);
        }
        assert.deepEqual([...compactValues(set)].sort(), [...model].sort());
        for (let k = 0; k <= 5; k++) assert.equal(compactHas(set, k), model.has(k));
      }
    }),
  );
});

test('in-process bus: publish reaches every subscriber of the topic; unsubscribe is idempotent', () => {
  const bus = new InProcessBus();
  const got: string[] = [];
  const offA = bus.subscribe('t', (m) => got.push(`a:${m[0]}`));
  const offB = bus.subscribe('t', (m) => got.push(`b:${m[0]}`));
  bus.subscribe('other', (m) => got.push(`o:${m[0]}`));
  bus.publish('t', Uint8Array.of(1));
  offA();
  offA();
  bus.publish('t', Uint8Array.of(2));
  offB();
  bus.publish('t', Uint8Array.of(3));
  assert.deepEqual(got, ['a:1', 'b:1', 'b:2']);
  assert.equal(bus.topicCount, 1);
});

test('push messages round-trip; a message shorter than its cmdid is refused', () => {
  const decoded = decodePushMessage(encodePushMessage(0xfffffffe, Uint8Array.of(9, 8)));
  assert.equal(decoded.cmdid, 0xfffffffe);
  assert.deepEqual([...decoded.body], [9, 8]);
  assert.throws(() => decodePushMessage(Uint8Array.of(0, 0, 1)), PushMessageError);
});
