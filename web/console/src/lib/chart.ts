// Chart arithmetic for the hand-written SVG charts: nice ticks, scales and paths.

export interface Point {
  x: number;
  y: number;
}

/** niceStep is a round step (1, 2 or 5 times a power of ten) that cuts span in about n parts. */
export function niceStep(span: number, n: number): number {
  if (!(span > 0) || n <= 0) return 1;
  const raw = span / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * pow;
}

/** niceDomain widens [min, max] to round ends and returns the ticks between them. */
export function niceDomain(min: number, max: number, n = 4): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 1] };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
    if (min < 0 && max - pad >= 0 && max - pad - pad >= 0) min = 0;
  }
  const step = niceStep(max - min, n);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: lo, max: hi, ticks };
}

/** linear maps [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** timeTicks picks about n round times (1s..1d steps) within [t0, t1] (ms). */
export function timeTicks(t0: number, t1: number, n = 4): number[] {
  if (!(t1 > t0)) return [t0];
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  const raw = (t1 - t0) / n;
  const step = steps.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
  // Round in local time for steps under a day (time zones with whole-hour offsets).
  const offset = new Date(t0).getTimezoneOffset() * 60_000;
  const out: number[] = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) out.push(t);
  return out;
}

const f = (v: number) => (Math.round(v * 10) / 10).toString();

/** linePath joins points with straight lines. */
export function linePath(pts: Point[]): string {
  return pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(p.x)},${f(p.y)}`).join('');
}

/** stepPath holds each value until the next point (a step-after line), then to xEnd if given. */
export function stepPath(pts: Point[], xEnd?: number): string {
  if (pts.length === 0) return '';
  let d = `M${f(pts[0]!.x)},${f(pts[0]!.y)}`;
  for (let i = 1; i < pts.length; i++) d += `H${f(pts[i]!.x)}V${f(pts[i]!.y)}`;
  if (xEnd !== undefined && xEnd > pts[pts.length - 1]!.x) d += `H${f(xEnd)}`;
  return d;
}

/** gapPath is a line that breaks where a value is missing (undefined y). */
export function gapPath(pts: { x: number; y: number | undefined }[]): string {
  let d = '';
  let pen = false;
  for (const p of pts) {
    if (p.y === undefined || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${f(p.x)},${f(p.y)}`;
    pen = true;
  }
  return d;
}
