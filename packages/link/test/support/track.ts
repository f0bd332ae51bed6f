// Observes a task promise without leaving rejections unhandled.

import { LinkTaskError } from '../../src/client/errors.ts';

export interface Tracked {
  settled: boolean;
  settleCount: number;
  value: Uint8Array | undefined;
  error: LinkTaskError | undefined;
}

export function track(promise: Promise<Uint8Array>): Tracked {
  const t: Tracked = { settled: false, settleCount: 0, value: undefined, error: undefined };
  promise.then(
    (value) => {
      t.settled = true;
      t.settleCount++;
      t.value = value;
    },
    (error: unknown) => {
      t.settled = true;
      t.settleCount++;
      if (!(error instanceof LinkTaskError)) throw new Error(`task rejected with a non-LinkTaskError: ${String(error)}`);
      t.error = error;
    },
  );
  return t;
}
