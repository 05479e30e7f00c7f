// Ages and durations.

/** parseTime reads an RFC 3339 time as milliseconds since the epoch; undefined when absent. */
export function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** age is how long ago `then` was, like kubectl: "45s", "3m", "2h5m", "4d". */
export function age(then: string | number | undefined | null, now: number): string {
  const t = typeof then === 'number' ? then : parseTime(then);
  if (t === undefined) return '–';
  return shortDuration(Math.max(0, now - t));
}

/** shortDuration writes milliseconds as "45s", "3m20s", "2h5m", "4d3h". */
export function shortDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 && d < 10 ? `${d}d${h % 24}h` : `${d}d`;
}

/** parseDuration reads a Go-style duration ("1h30m", "90s", "2d" too) as milliseconds. */
export function parseDuration(s: string): number | undefined {
  const text = s.trim();
  if (text === '') return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  return end === text.length && end > 0 ? total : undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** clock writes a time of day, "14:05:09" (local time). */
export function clock(ms: number, seconds = true): string {
  const d = new Date(ms);
  return seconds ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** dateTime writes a full local time, "2026-11-06 14:05:09". */
export function dateTime(t: string | number | undefined): string {
  const ms = typeof t === 'number' ? t : parseTime(t);
  if (ms === undefined) return '–';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
}
