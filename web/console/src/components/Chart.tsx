// LineChart: a small hand-written SVG chart of one or more series over a numeric x axis (time in
// ms, or revision numbers), with optional step lines, dots and horizontal threshold lines.

import { gapPath, linear, niceDomain, stepPath } from '../lib/chart';

export interface ChartSeries {
  label: string;
  points: { x: number; y: number | undefined }[];
  /** step holds each value until the next point (replica counts). */
  step?: boolean;
  /** dots draws a dot per point (no line when line is false). */
  dots?: boolean;
  line?: boolean;
  dashed?: boolean;
  /** colour index 0..5 into the palette (default: the series' position). */
  color?: number;
  /** xEnd extends a step line to this x. */
  xEnd?: number;
}

export interface Threshold {
  y: number;
  label: string;
}

export interface LineChartProps {
  /** title is the chart's accessible name. */
  title: string;
  /** summary says in words what the chart shows (the latest values), for screen readers. */
  summary: string;
  series: ChartSeries[];
  thresholds?: Threshold[];
  xTicks: (min: number, max: number) => number[];
  xFormat: (x: number) => string;
  yFormat: (y: number) => string;
  xDomain?: [number, number];
  /** yZero includes 0 in the y domain (counts, requests). */
  yZero?: boolean;
  height?: number;
  testid?: string;
}

const W = 520;
const pad = { top: 10, right: 12, bottom: 22, left: 50 };

export function LineChart(p: LineChartProps) {
  const H = p.height ?? 150;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of p.series) {
    for (const pt of s.points) {
      xs.push(pt.x);
      if (pt.y !== undefined && Number.isFinite(pt.y)) ys.push(pt.y);
    }
    if (s.xEnd !== undefined) xs.push(s.xEnd);
  }
  for (const t of p.thresholds ?? []) ys.push(t.y);
  const empty = xs.length === 0;
  const [x0, x1] = p.xDomain ?? (empty ? [0, 1] : [Math.min(...xs), Math.max(...xs)]);
  let yMin = ys.length ? Math.min(...ys) : 0;
  const yMax = ys.length ? Math.max(...ys) : 1;
  if (p.yZero && yMin > 0) yMin = 0;
  const yd = niceDomain(yMin, yMax, 4);
  const sx = linear(x0, x1, pad.left, W - pad.right);
  const sy = linear(yd.min, yd.max, H - pad.bottom, pad.top);
  const xticks = empty ? [] : p.xTicks(x0, x1);

  return (
    <figure class="chart" data-testid={p.testid}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${p.title}: ${p.summary}`} preserveAspectRatio="xMidYMid meet">
        <title>{`${p.title}: ${p.summary}`}</title>
        {yd.ticks.map((t) => (
          <g key={`y${t}`} class="tick">
            <line x1={pad.left} x2={W - pad.right} y1={sy(t)} y2={sy(t)} class="gridline" />
            <text x={pad.left - 6} y={sy(t)} dy="0.32em" text-anchor="end">
              {p.yFormat(t)}
            </text>
          </g>
        ))}
        {xticks.map((t) => (
          <g key={`x${t}`} class="tick">
            <line x1={sx(t)} x2={sx(t)} y1={H - pad.bottom} y2={H - pad.bottom + 4} class="axis" />
            <text x={sx(t)} y={H - pad.bottom + 15} text-anchor="middle">
              {p.xFormat(t)}
            </text>
          </g>
        ))}
        <line x1={pad.left} x2={W - pad.right} y1={H - pad.bottom} y2={H - pad.bottom} class="axis" />
        {(p.thresholds ?? []).map((t) => (
          <g key={`t${t.label}`} class="threshold">
            <line x1={pad.left} x2={W - pad.right} y1={sy(t.y)} y2={sy(t.y)} />
            <text x={W - pad.right - 2} y={sy(t.y) - 3} text-anchor="end">
              {t.label}
            </text>
          </g>
        ))}
        {p.series.map((s, i) => {
          const c = `s${(s.color ?? i) % 6}`;
          const pts = s.points.map((pt) => ({ x: sx(pt.x), y: pt.y === undefined || !Number.isFinite(pt.y) ? undefined : sy(pt.y) }));
          const d = s.step
            ? stepPath(
                pts.filter((q): q is { x: number; y: number } => q.y !== undefined),
                s.xEnd !== undefined ? sx(s.xEnd) : undefined,
              )
            : gapPath(pts);
          // A series with one value has no line to draw: show its dot.
          const dots = s.dots || pts.filter((q) => q.y !== undefined).length === 1;
          return (
            <g key={s.label} class={`series ${c}`}>
              {s.line !== false && <path d={d} class={s.dashed ? 'line dashed' : 'line'} />}
              {dots && pts.map((q, j) => (q.y === undefined ? null : <circle key={j} cx={q.x} cy={q.y} r={2.5} class="dot" />))}
            </g>
          );
        })}
        {empty && (
          <text x={W / 2} y={H / 2} text-anchor="middle" class="empty">
            No data yet
          </text>
        )}
      </svg>
      <figcaption class="legend">
        {p.series.map((s, i) => (
          <span key={s.label} class={`legend-item s${(s.color ?? i) % 6}`}>
            <svg width="16" height="8" aria-hidden="true">
              {s.line === false ? <circle cx="8" cy="4" r="3" class="dot" /> : <line x1="0" x2="16" y1="4" y2="4" class={s.dashed ? 'line dashed' : 'line'} />}
            </svg>
            {s.label}
          </span>
        ))}
        {(p.thresholds ?? []).map((t) => (
          <span key={`t${t.label}`} class="legend-item threshold">
            <svg width="16" height="8" aria-hidden="true">
              <line x1="0" x2="16" y1="4" y2="4" />
            </svg>
            {t.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
