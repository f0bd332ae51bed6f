import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimerWheel, NOT_SCHEDULED, type WheelTimer } from '../src/timer-wheel.ts';

interface Item extends WheelTimer {
  name: string;
}

function item(name: string): Item {
  return { name, wheelDeadline: NOT_SCHEDULED, wheelNext: null, wheelPrev: null };
}

function wheelWithLog(tickMs: number, slots: number, now = 0) {
  const fired: { name: string; at: number }[] = [];
  const wheel = new TimerWheel<Item>({ tickMs, slots, now, onExpire: (t, at) => fired.push({ name: t.name, at }) });
  return { wheel, fired };
}

test('a timer fires on the first advance that reaches its tick, not before', () => {
  const { wheel, fired } = wheelWithLog(100, 8);
  const a = item('a');
  wheel.schedule(a, 250);
  wheel.advance(200);
  assert.deepEqual(fired, []);
  wheel.advance(299);
  assert.deepEqual(fired, []);
  wheel.advance(300);
  assert.deepEqual(fired, [{ name: 'a', at: 300 }]);
  assert.equal(wheel.size, 0);
  assert.equal(wheel.isScheduled(a), false);
});

test('deadlines beyond one lap wait for later rounds', () => {
  const { wheel, fired } = wheelWithLog(10, 4); // one lap = 40 ms
  wheel.schedule(item('far'), 130);
  wheel.schedule(item('near'), 30);
  for (let now = 10; now <= 120; now += 10) wheel.advance(now);
  assert.deepEqual(fired, [{ name: 'near', at: 30 }]);
  wheel.advance(130);
  assert.deepEqual(fired.map((f) => f.name), ['near', 'far']);
});

test('a long pause expires everything due in one advance, and keeps what is not due', () => {
  const { wheel, fired } = wheelWithLog(10, 4);
  for (let i = 0; i < 20; i++) wheel.schedule(item(`t${i}`), i * 7);
  wheel.schedule(item('later'), 10_000);
  wheel.advance(5_000);
  assert.equal(fired.length, 20);
  assert.equal(wheel.size, 1);
  wheel.advance(10_000);
  assert.equal(fired.at(-1)?.name, 'later');
});

test('cancel and reschedule', () => {
  const { wheel, fired } = wheelWithLog(10, 16);
  const a = item('a');
  const b = item('b');
  wheel.schedule(a, 50);
  wheel.schedule(b, 50);
  wheel.cancel(a);
  wheel.cancel(a); // cancelling twice is harmless
  wheel.schedule(b, 90); // moving a scheduled timer unlinks it from its old slot
  assert.equal(wheel.size, 1);
  wheel.advance(60);
  assert.deepEqual(fired, []);
  wheel.advance(90);
  assert.deepEqual(fired, [{ name: 'b', at: 90 }]);
});

test('a deadline already in the past fires on the next tick, not a lap later', () => {
  const { wheel, fired } = wheelWithLog(10, 4, 1_000);
  wheel.schedule(item('past'), 500);
  wheel.advance(1_010);
  assert.deepEqual(fired, [{ name: 'past', at: 1_010 }]);
});

test('callbacks may reschedule themselves and cancel others due in the same advance', () => {
  const items = [item('a'), item('b'), item('c')];
  let rounds = 0;
  const fired: string[] = [];
  const wheel: TimerWheel<Item> = new TimerWheel<Item>({
    tickMs: 10,
    slots: 4,
    now: 0,
    onExpire: (t, now) => {
      fired.push(t.name);
      if (t.name === 'a' && rounds++ < 2) wheel.schedule(t, now + 5);
      if (t.name === 'a') wheel.cancel(items[1]);
    },
  });
  for (const t of items) wheel.schedule(t, 10);
  wheel.advance(10);
  // b was already taken off the wheel as due when a ran, so it still fires this time.
  assert.deepEqual(fired.sort(), ['a', 'b', 'c']);
  wheel.advance(20);
  wheel.advance(30);
  wheel.advance(40);
  assert.deepEqual(fired.filter((n) => n === 'a').length, 3);
  assert.equal(wheel.size, 0);
});

test('a clock stepping backwards fires nothing', () => {
  const { wheel, fired } = wheelWithLog(10, 4, 100);
  wheel.schedule(item('a'), 120);
  wheel.advance(50);
  assert.deepEqual(fired, []);
  assert.equal(wheel.now, 100);
  wheel.advance(120);
  assert.equal(fired.length, 1);
});

test('rejects a wheel without slots or with a non-positive tick', () => {
  assert.throws(() => new TimerWheel<Item>({ tickMs: 0, slots: 4, now: 0, onExpire: () => {} }), RangeError);
  assert.throws(() => new TimerWheel<Item>({ tickMs: 10, slots: 0, now: 0, onExpire: () => {} }), RangeError);
});

// Model: a timer scheduled when the wheel had processed tick k, for deadline d, fires at the
// first advance(now) with now >= max(ceil(d / tick), k + 1) * tick — exactly once, unless cancelled.
test('matches a reference model under random schedule/cancel/advance sequences', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('schedule' as const), id: fc.nat(15), delay: fc.integer({ min: -50, max: 2_000 }) }),
    fc.record({ kind: fc.constant('cancel' as const), id: fc.nat(15) }),
    fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 700 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 16 }), fc.array(op, { maxLength: 120 }), (tick, slots, ops) => {
      const fired: { name: string; at: number }[] = [];
      const wheel = new TimerWheel<Item>({ tickMs: tick, slots, now: 0, onExpire: (t, at) => fired.push({ name: t.name, at }) });
      const items = Array.from({ length: 16 }, (_, i) => item(String(i)));
      const due = new Map<string, number>();
      let now = 0;
      for (const o of ops) {
        if (o.kind === 'schedule') {
          const deadline = now + o.delay;
          wheel.schedule(items[o.id], deadline);
          due.set(String(o.id), Math.max(Math.ceil(deadline / tick), Math.floor(now / tick) + 1) * tick);
        } else if (o.kind === 'cancel') {
          wheel.cancel(items[o.id]);
          due.delete(String(o.id));
        } else {
          now += o.by;
          const expected = [...due].filter(([, at]) => at <= now).map(([name]) => name).sort();
          for (const name of expected) due.delete(name);
          const before = fired.length;
          wheel.advance(now);
          assert.deepEqual(fired.slice(before).map((f) => f.name).sort(), expected);
          assert.equal(wheel.size, due.size);
        }
      }
    }),
    { numRuns: 1000 },
  );
});
