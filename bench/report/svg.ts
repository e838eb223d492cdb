// Small inline-SVG line charts for the bench report: no library, no script, nothing fetched.

export interface Point {
  x: number;
  y: number;
  /** Tooltip text (an SVG <title>). */
  label?: string;
}

export interface Series {
  name: string;
  color: string;
  /** Dashed line and square markers (the second server kind). */
  dashed?: boolean;
  points: Point[];
}

export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  xLabel: string;
  /** `log1p` spreads 0, 100, 1,000 and 10,000 evenly enough (x' = log10(1 + x)). */
  xScale?: 'linear' | 'log1p';
  /** Tick positions (in data x) and their labels. */
  xTicks: Array<{ x: number; label: string }>;
  series: Series[];
  /** A faint reference line, e.g. 1 on a ratio chart. */
  refY?: number;
}

export const LAYOUT = { width: 400, height: 240, left: 52, right: 28, top: 14, bottom: 58 };

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** One decimal at most: keeps paths short and comparable in tests. */
export const num = (n: number): string => String(Math.round(n * 10) / 10);

/** A round upper bound for the y axis and its tick step: 1, 2, 2.5 or 5 times a power of ten. */
export function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.25 };
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

/** Maps data to pixels for one chart. */
export function scales(spec: ChartSpec): { x: (v: number) => number; y: (v: number) => number; yMax: number; yStep: number } {
  const { width, height, left, right, top, bottom } = LAYOUT;
  const tx = spec.xScale === 'log1p' ? (v: number) => Math.log10(1 + Math.max(0, v)) : (v: number) => v;
  const xs = [...spec.xTicks.map((t) => t.x), ...spec.series.flatMap((s) => s.points.map((p) => p.x))].map(tx);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const { max: yMax, step: yStep } = niceScale(Math.max(spec.refY ?? 0, ...ys));
  return {
    x: (v) => (hi > lo ? left + ((tx(v) - lo) / (hi - lo)) * plotW : left + plotW / 2),
    y: (v) => top + plotH * (1 - v / yMax),
    yMax,
    yStep,
  };
}

/** The SVG path of a series: points in x order, M then L. */
export function pathOf(points: Point[], x: (v: number) => number, y: (v: number) => number): string {
  return [...points]
    .sort((a, b) => a.x - b.x)
    .map((p, i) => `${i ? 'L' : 'M'}${num(x(p.x))},${num(y(p.y))}`)
    .join('');
}

export function chartSvg(spec: ChartSpec): string {
  const { width, height, left, right, top, bottom } = LAYOUT;
  const s = scales(spec);
  const out: string[] = [];
  out.push(`<svg class="chart" id="${esc(spec.id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}">`);
  // Grid and y ticks.
  const decimals = Math.min(3, (String(Number(s.yStep.toPrecision(6))).split('.')[1] ?? '').length); // 2.5 -> 1
  for (let v = 0; v <= s.yMax + 1e-9; v += s.yStep) {
    const y = num(s.y(v));
    out.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="tick" x="${left - 4}" y="${y}" dy="0.32em" text-anchor="end">${v.toFixed(decimals)}</text>`);
  }
  if (spec.refY !== undefined) {
    const y = num(s.y(spec.refY));
    out.push(`<line class="ref" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}"/>`);
  }
  // X ticks: at most about 12 labels, rotated when there are many.
  const every = Math.max(1, Math.ceil(spec.xTicks.length / 12));
  const rotate = spec.xTicks.length > 5;
  const baseY = height - bottom;
  spec.xTicks.forEach((t, i) => {
    const x = num(s.x(t.x));
    out.push(`<line class="axis" x1="${x}" x2="${x}" y1="${baseY}" y2="${baseY + 4}"/>`);
    if (i % every === 0) {
      const transform = rotate ? ` transform="rotate(-35 ${x} ${baseY + 14})" text-anchor="end"` : ' text-anchor="middle"';
      out.push(`<text class="tick" x="${x}" y="${baseY + 14}"${transform}>${esc(t.label)}</text>`);
    }
  });
  out.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${baseY}" y2="${baseY}"/>`);
  out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${baseY}"/>`);
  out.push(`<text class="label" x="${left + (width - left - right) / 2}" y="${height - 4}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text class="label" transform="rotate(-90)" x="${-(top + (height - top - bottom) / 2)}" y="12" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  // Series: a line, then a marker (with its tooltip) at each point.
  for (const series of spec.series) {
    const points = series.points.filter((p) => Number.isFinite(p.y));
    if (points.length === 0) continue;
    out.push(`<g class="series" data-series="${esc(series.name)}">`);
    out.push(`<path class="series" d="${pathOf(points, s.x, s.y)}" stroke="${series.color}"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    for (const p of points) {
      const [cx, cy] = [num(s.x(p.x)), num(s.y(p.y))];
      const title = `<title>${esc(p.label ?? `${series.name}: ${num(p.y)}`)}</title>`;
      out.push(
        series.dashed
          ? `<rect class="point" x="${num(s.x(p.x) - 3)}" y="${num(s.y(p.y) - 3)}" width="6" height="6" fill="${series.color}">${title}</rect>`
          : `<circle class="point" cx="${cx}" cy="${cy}" r="3" fill="${series.color}">${title}</circle>`,
      );
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('');
}

/** The chart with its title and an HTML legend. */
export function chartFigure(spec: ChartSpec): string {
  const legend = spec.series
    .filter((s) => s.points.some((p) => Number.isFinite(p.y)))
    .map(
      (s) =>
        `<li><svg width="22" height="8" aria-hidden="true"><line x1="1" x2="21" y1="4" y2="4" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/></svg>${esc(s.name)}</li>`,
    )
    .join('');
  return `<figure class="chart-box"><figcaption>${esc(spec.title)}</figcaption>${chartSvg(spec)}<ul class="legend">${legend}</ul></figure>`;
}
