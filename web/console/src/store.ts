// A minimal observable value and the hooks that read it.

import { useEffect, useState } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(v: T): void;
  subscribe(fn: (v: T) => void): () => void;
}

export function store<T>(initial: T): Store<T> {
  let value = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(v) {
      if (Object.is(v, value)) return;
      value = v;
      for (const fn of [...subs]) fn(v);
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

/** useStore re-renders the component whenever the store changes. */
export function useStore<T>(s: Store<T>): T {
  const [v, setV] = useState(s.get());
  useEffect(() => {
    setV(s.get());
    return s.subscribe(setV);
  }, [s]);
  return v;
}

const clockStore = store(Date.now());
let clockUsers = 0;
let clockTimer: ReturnType<typeof setInterval> | undefined;

/** useNow is the current time, refreshed every 5 s while some component uses it (for ages). */
export function useNow(): number {
  useEffect(() => {
    if (clockUsers++ === 0) {
      clockStore.set(Date.now());
      clockTimer = setInterval(() => clockStore.set(Date.now()), 5000);
    }
    return () => {
      if (--clockUsers === 0 && clockTimer !== undefined) clearInterval(clockTimer);
    };
  }, []);
  return useStore(clockStore);
}
