/**
 * A tiny observable value: the one primitive the data layer shares with components. A `data/` module
 * owns a store, writes to it from fetches and socket events, and components read it through `useStore`.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Readable<T> {
  get(): T;
  /** Calls `listener` on every change (not immediately); returns the unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void;
}

export interface Writable<T> extends Readable<T> {
  set(value: T): void;
  update(fn: (value: T) => T): void;
}

export function writable<T>(initial: T): Writable<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  const set = (next: T) => {
    if (Object.is(next, value)) return;
    value = next;
    for (const l of [...listeners]) l(value);
  };
  return {
    get: () => value,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set,
    update: (fn) => set(fn(value)),
  };
}

/** Re-renders the component whenever the store changes. */
export function useStore<T>(store: Readable<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    // The store may have changed between render and effect.
    setValue(() => store.get());
    return store.subscribe((v) => setValue(() => v));
  }, [store]);
  return value;
}

/**
 * Keeps a data subscription alive while the component is mounted: `subscribeX()` functions start
 * their fetch and socket listeners on the first subscriber and share one cache between components.
 */
export function useSubscription(subscribe: () => () => void): void {
  useEffect(() => subscribe(), [subscribe]);
}

/**
 * Wraps a start function so that many subscribers share one running instance: the first call starts
 * it, the last unsubscribe stops it. This is how every `subscribeX()` in `data/` shares its cache.
 */
export function refCounted(start: () => () => void): () => () => void {
  let users = 0;
  let stop: (() => void) | null = null;
  return () => {
    if (users++ === 0) stop = start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--users === 0) {
        stop?.();
        stop = null;
      }
    };
  };
}
