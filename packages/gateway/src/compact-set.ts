// A set that stays a bare value while it holds a single element. Most users have one link and
// most topics one subscriber per node, and an empty-ish Set costs ~200 bytes (object plus hash
// table) — per idle user that is a large share of the gateway's footprint. Elements must not
// themselves be Sets.

export type CompactSet<T> = T | Set<T> | undefined;

export function compactAdd<T>(set: CompactSet<T>, item: T): CompactSet<T> {
  if (set === undefined || set === item) return item;
  if (set instanceof Set) return set.add(item);
  return new Set([set, item]);
}

export function compactDelete<T>(set: CompactSet<T>, item: T): CompactSet<T> {
  if (set === item) return undefined;
  if (!(set instanceof Set) || !set.delete(item)) return set;
  if (set.size > 1) return set;
  const [last] = set;
  return last;
}

export function compactHas<T>(set: CompactSet<T>, item: T): boolean {
  return set === item || (set instanceof Set && set.has(item));
}

/** The elements as an iterable; a copy, so `fn` callers may mutate the set while iterating. */
export function compactValues<T>(set: CompactSet<T>): readonly T[] {
  return set === undefined ? [] : set instanceof Set ? [...set] : [set];
}
