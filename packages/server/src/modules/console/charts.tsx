/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */

/*
 * Small line charts drawn by the server as inline SVG: no script, no chart library, nothing for
 * the CSP to allow. The figure's text alternative states the first and last values.
 */

export function LineChart(props: { label: string; values: number[]; format: (n: number) => string }) {
  const width = 320;
  const height = 80;
  const pad = 4;
  const max = Math.max(1, ...props.values);
  const step = props.values.length > 1 ? (width - 2 * pad) / (props.values.length - 1) : 0;
  const points = props.values
    .map((v, i) => `${(pad + i * step).toFixed(1)},${(height - pad - (v / max) * (height - 2 * pad)).toFixed(1)}`)
    .join(" ");
  const first = props.values[0] ?? 0;
  const last = props.values.at(-1) ?? 0;
  const summary = `${props.label}: from ${props.format(first)} to ${props.format(last)}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <title>{summary}</title>
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
      </svg>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
