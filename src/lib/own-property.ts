// Objects built from untrusted keys: `__proto__` or `constructor` must become ordinary fields, never a prototype.

/**
 * Sets `key` on `target` as an own, enumerable data property, whatever the key: `obj[key] = value` would instead
 * call the `__proto__` setter (dropping the field and changing the object's prototype). Returns `target`.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): Record<string, T> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}
