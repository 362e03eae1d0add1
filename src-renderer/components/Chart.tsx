// A uPlot line chart that follows its container's width and the colour scheme. Data
// updates re-use the plot (setData) instead of rebuilding it; the stores already limit
// how often data changes, so this stays cheap at thousands of sessions.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { themeColor } from '../util/theme.js';

export interface ChartSeries {
  label: string;
  color: string;
  /** Values aligned with `x`. */
  values: readonly (number | null)[];
}

export interface ChartProps {
  title: string;
  x: readonly number[];
  series: ChartSeries[];
  height?: number;
  /** The x values are times in milliseconds since the epoch (else seconds of a run). */
  xTime?: boolean;
  yLabel?: string;
  testId?: string;
  /** Shown instead of an empty plot while there is no point yet. */
  emptyText?: string;
}

export function Chart({
  title,
  x,
  series,
  height = 200,
  xTime = false,
  yLabel,
  testId,
  emptyText = 'No data yet.',
}: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const axisColor = themeColor('--text-muted', '#666');
    const gridColor = themeColor('--border', '#ddd');
    const axis = {
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
    };
    const options: uPlot.Options = {
      title,
      width: Math.max(240, el.clientWidth),
      height,
      // Times in milliseconds, as the API sends them. With uPlot's default (seconds) a lone
      // sample widened the axis by 86400 / 0.001 s: "Jun 2027 ... Jun 2029".
      ms: 1,
      scales: { x: { time: xTime } },
      axes: [
        { ...axis, ...(xTime ? {} : { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}s`) }) },
        { ...axis, label: yLabel, size: 56 },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          // A line needs two points: a lone sample (or one between gaps) is drawn as a dot.
          points: { show: (u: uPlot) => u.data[0].length < 3 },
          spanGaps: false,
        })),
      ],
      legend: { live: false },
      hooks: {
        // The x range drawn, for tests and support (the axis labels are pixels in a canvas).
        setScale: [
          (u: uPlot, key: string) => {
            if (key !== 'x') return;
            el.dataset.xMin = String(u.scales.x.min ?? '');
            el.dataset.xMax = String(u.scales.x.max ?? '');
          },
        ],
      },
      cursor: { drag: { x: false, y: false } },
    };
    const instance = new uPlot(options, [[], ...series.map(() => [])] as unknown as uPlot.AlignedData, el);
    plot.current = instance;
    const resize = new ResizeObserver(() =>
      instance.setSize({ width: Math.max(240, el.clientWidth), height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      instance.destroy();
      plot.current = undefined;
    };
    // Rebuild only when the set of series changes; data flows through setData below.
  }, [shape, title, height, xTime, yLabel]);

  useEffect(() => {
    plot.current?.setData([x as number[], ...series.map((s) => s.values as number[])] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <div className="chart-frame">
      <div
        className="chart"
        ref={container}
        role="img"
        aria-label={title}
        data-testid={testId}
        data-points={x.length}
      />
      {x.length === 0 && (
        <div className="chart-empty small muted" aria-hidden="true">
          {emptyText}
        </div>
      )}
    </div>
  );
}
