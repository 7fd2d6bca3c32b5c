/**
 * The three `Reflect` metadata functions tsyringe (a dependency of @peculiar/x509) insists on at
 * load time. It only stores constructor parameter types for its decorators, so a minimal
 * WeakMap-backed version is enough and spares a package. Installed only when no polyfill is
 * present; import this module before `@peculiar/x509`.
 */
type Key = string | symbol | undefined;
type MetadataReflect = typeof Reflect & {
  defineMetadata?(key: unknown, value: unknown, target: object, prop?: Key): void;
  getOwnMetadata?(key: unknown, target: object, prop?: Key): unknown;
  getMetadata?(key: unknown, target: object, prop?: Key): unknown;
};

const store = new WeakMap<object, Map<Key, Map<unknown, unknown>>>();

function own(target: object, prop: Key, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map<Key, Map<unknown, unknown>>()));
  let entries = byProp?.get(prop);
  if (!entries && create && byProp) byProp.set(prop, (entries = new Map<unknown, unknown>()));
  return entries;
}

const R = Reflect as MetadataReflect;
if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key, value, target, prop): void => {
    own(target, prop, true)?.set(key, value);
  };
  R.getOwnMetadata = (key, target, prop): unknown => own(target, prop, false)?.get(key);
  R.getMetadata = (key, target, prop): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const entries = own(t, prop, false);
      if (entries?.has(key)) return entries.get(key);
    }
    return undefined;
  };
}

export {};
