/**
 * @peculiar/x509 uses tsyringe, which refuses to load without a Reflect metadata polyfill. Only the
 * TLS test needs x509, so a minimal polyfill (the three functions tsyringe calls) lives here rather
 * than a new dependency. Import it before `@peculiar/x509`.
 */
const store = new WeakMap<object, Map<unknown, unknown>>();
const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const own = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const v = own(key, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  R.defineMetadata = (key: unknown, value: unknown, target: object): void => {
    const m = store.get(target) ?? new Map<unknown, unknown>();
    m.set(key, value);
    store.set(target, m);
  };
}
export {};
