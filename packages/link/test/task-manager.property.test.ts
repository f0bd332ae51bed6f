// Random interleavings of everything that can happen to the task core — starts, stops, link up/down,
// answers, task errors, partial frames, short-link outcomes, time passing — checking that no task is
// lost, none finishes late, and none is ever on two channels or sent after it finished.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrType, LinkTaskError } from '../src/client/errors.ts';
import { TaskManager, type Channel, type ShortLinkAttempt } from '../src/client/task-manager.ts';
import { taskTimeout } from '../src/client/timeouts.ts';
import type { LinkFrame } from '../src/protocol/frame.ts';
import { FakeClock } from './support/fake-clock.ts';
import { track, type Tracked } from './support/track.ts';

type Event =
  | { kind: 'start'; channel: Channel; priority: number; retryCount: number; sendOnly: boolean; totalTimeout: number; needAuthed: boolean }
  | { kind: 'stop' | 'respond' | 'taskError' | 'progress' | 'shortOk' | 'shortFail'; pick: number }
  | { kind: 'linkUp' | 'linkDown' | 'touch' | 'toggleAuth' }
  | { kind: 'advance'; ms: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    kind: fc.constant('start' as const),
    channel: fc.constantFrom<Channel>('long', 'short', 'both'),
    priority: fc.integer({ min: 0, max: 5 }),
    retryCount: fc.integer({ min: 0, max: 3 }),
    sendOnly: fc.boolean(),
    totalTimeout: fc.constantFrom(0, 5_000, 30_000),
    needAuthed: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom('stop' as const, 'respond' as const, 'taskError' as const, 'progress' as const, 'shortOk' as const, 'shortFail' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constantFrom('linkUp' as const, 'linkDown' as const, 'touch' as const, 'toggleAuth' as const) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
);

interface ShortRequest {
  seq: number;
  signal: AbortSignal;
  resolve(body: Uint8Array): void;
  reject(error: unknown): void;
}

interface Started {
  id: number;
  tracked: Tracked;
  startedAt: number;
  budget: number;
  settledAt: number | undefined;
}

async function run(events: Event[]): Promise<void> {
  const clock = new FakeClock();
  let ready = false;
  let authed = true;
  const onLink = new Set<number>();
  const shortRequests: ShortRequest[] = [];
  const started = new Map<number, Started>();
  const unsettled = () => [...started.values()].filter((s) => !s.tracked.settled);

  /** While start() runs, the new task may be sent before the test has recorded it. */
  let starting = false;
  const assertNotBusy = (seq: number, where: string) => {
    const task = started.get(seq);
    assert.ok(task ? !task.tracked.settled : starting, `${where}: task ${seq} sent after it settled`);
    assert.ok(!onLink.has(seq), `${where}: task ${seq} already in flight on the long link`);
    assert.ok(!shortRequests.some((r) => r.seq === seq && !r.signal.aborted), `${where}: task ${seq} already in flight on the short link`);
  };

  const manager: TaskManager = new TaskManager({
    clock,
    longLink: {
      get ready() {
        return ready;
      },
      send(frame: LinkFrame) {
        assert.ok(ready, 'sent on a link that is not ready');
        assertNotBusy(frame.seq, 'long send');
        onLink.add(frame.seq);
      },
      reset(error: LinkTaskError) {
        linkDown(error);
      },
    },
    requestLongLink: () => {},
    shortLink: (attempt: ShortLinkAttempt, signal: AbortSignal) => {
      assertNotBusy(attempt.seq, 'short send');
      return new Promise<Uint8Array>((resolve, reject) => shortRequests.push({ seq: attempt.seq, signal, resolve, reject }));
    },
    makeSureAuthed: () => authed,
    network: () => ({ available: true, type: 'wifi' }),
  });

  function linkDown(error: LinkTaskError): void {
    if (!ready) return;
    ready = false;
    onLink.clear();
    manager.onLinkDown(error);
    manager.onLinkStatus(false, error.message);
  }

  const pickFrom = <T>(items: T[], pick: number): T | undefined => (items.length === 0 ? undefined : items[pick % items.length]);

  for (const event of events) {
    switch (event.kind) {
      case 'start': {
        starting = true;
        const task = manager.start({ cmdid: 3, cgi: '/link/t', body: new Uint8Array(4), ...event });
        starting = false;
        const budget = taskTimeout({ retryCount: event.retryCount, serverProcessCost: 0, totalTimeout: event.totalTimeout });
        const entry: Started = { id: task.id, tracked: track(task.promise), startedAt: clock.now(), budget, settledAt: undefined };
        started.set(task.id, entry);
        task.promise.then(
          () => void (entry.settledAt = clock.now()),
          () => void (entry.settledAt = clock.now()),
        );
        break;
      }
      case 'stop': {
        const ids = [...started.keys()];
        const id = pickFrom(ids, event.pick);
        if (id !== undefined) manager.stop(id);
        break;
      }
      case 'respond':
      case 'taskError':
      case 'progress': {
        const seq = pickFrom([...onLink], event.pick);
        if (seq === undefined) break;
        if (event.kind === 'respond') {
          onLink.delete(seq);
          manager.onResponse({ cmdid: 3, seq, body: new Uint8Array(1) });
        } else if (event.kind === 'taskError') {
          onLink.delete(seq);
          manager.onTaskError(seq, new LinkTaskError('server', ErrType.server, 500, 'boom'));
        } else {
          manager.onProgress(seq);
        }
        break;
      }
      case 'shortOk':
      case 'shortFail': {
        const live = shortRequests.filter((r) => !r.signal.aborted);
        const request = pickFrom(live, event.pick);
        if (!request) break;
        shortRequests.splice(shortRequests.indexOf(request), 1);
        if (event.kind === 'shortOk') request.resolve(new Uint8Array(2));
        else request.reject(new LinkTaskError('http', ErrType.http, 502, 'bad gateway'));
        break;
      }
      case 'linkUp':
        if (!ready) {
          ready = true;
          manager.onLinkStatus(true, undefined);
        }
        break;
      case 'linkDown':
        linkDown(new LinkTaskError('socket', ErrType.socket, -10091, 'broken'));
        break;
      case 'touch':
        manager.touch();
        break;
      case 'toggleAuth':
        authed = !authed;
        manager.touch();
        break;
      case 'advance':
        await clock.advance(event.ms);
        break;
    }
    // drop aborted short requests, like a real fetch that rejects on abort
    for (const r of shortRequests.filter((r) => r.signal.aborted)) {
      shortRequests.splice(shortRequests.indexOf(r), 1);
      r.reject(new Error('aborted'));
    }
  }

  // Let every budget run out: no task may be left behind.
  await clock.advance(700_000);
  for (const s of started.values()) {
    assert.equal(s.tracked.settleCount, 1, `task ${s.id} settled ${s.tracked.settleCount} times`);
    assert.ok(s.settledAt! - s.startedAt <= s.budget, `task ${s.id} settled ${s.settledAt! - s.startedAt} ms after start, budget ${s.budget}`);
  }
  assert.equal(unsettled().length, 0);
  assert.equal(manager.pendingCount, 0);
  assert.deepEqual(clock.pending, [], 'timers left behind');
}

test('every task settles exactly once, within its budget, on one channel at a time', async () => {
  await fc.assert(fc.asyncProperty(fc.array(eventArb, { maxLength: 60 }), run), { numRuns: 300 });
});
