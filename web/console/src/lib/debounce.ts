// A trailing debounce that also collects what it was called with.

export interface Debounced<T> {
  (item: T): void;
  cancel(): void;
}

/**
 * debounceCollect calls fn once `wait` ms after the last call, with every item passed since the
 * previous flush (so no change is lost while changes keep coming, it flushes at least every
 * `maxWait` ms).
 */
export function debounceCollect<T>(
  fn: (items: T[]) => void,
  wait: number,
  maxWait = wait * 5,
  // Wrapped: browsers refuse setTimeout called as a method of another object ("Illegal invocation").
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (t: unknown) => void } = {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
  },
): Debounced<T> {
  let items: T[] = [];
  let timer: unknown;
  let first = 0;
  const flush = () => {
    timer = undefined;
    const batch = items;
    items = [];
    fn(batch);
  };
  const d = ((item: T) => {
    const now = Date.now();
    if (items.length === 0) first = now;
    items.push(item);
    if (timer !== undefined) timers.clear(timer);
    timer = timers.set(flush, now - first >= maxWait ? 0 : wait);
  }) as Debounced<T>;
  d.cancel = () => {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
    items = [];
  };
  return d;
}
