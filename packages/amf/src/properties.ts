// Property bags decoded from the wire are ordinary objects (so callers can compare them with plain
// literals), which makes the key "__proto__" dangerous: assigning it would replace the prototype.

export function setProperty<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

/** Own properties only: an absent "__proto__" or "toString" must not read the inherited one. */
export function getOwnProperty<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Only objects whose prototype is Object.prototype or null: class instances are not silently flattened. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
