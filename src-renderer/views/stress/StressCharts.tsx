// The live charts of a run: one table of charts, each a title and its series.
import { useMemo } from 'react';
import { Chart } from '../../components/Chart.js';
import type { StressSeries } from '../../stores/stress.js';

const COLORS = {
  blue: 'rgb(76, 110, 245)',
  green: 'rgb(47, 158, 68)',
  orange: 'rgb(240, 140, 0)',
  red: 'rgb(224, 49, 49)',
  purple: 'rgb(174, 62, 201)',
  gray: 'rgb(134, 142, 150)',
};

export function StressCharts({ series }: { series: StressSeries }) {
  const charts = useMemo(
    () => [
      {
        title: 'Open connections',
        testId: 'chart-connections',
        series: [
          { label: 'Open connections', color: COLORS.blue, values: series.open },
          { label: 'In flight', color: COLORS.gray, values: series.inFlight },
        ],
      },
      {
        title: 'Sessions per second',
        series: [
          { label: 'Started/s', color: COLORS.blue, values: series.sessionsPerSec },
          { label: 'Completed/s', color: COLORS.green, values: series.completedPerSec },
          { label: 'Errors/s', color: COLORS.red, values: series.errorsPerSec },
        ],
      },
      {
        title: 'Outcomes (cumulative)',
        series: [
          { label: 'Completed', color: COLORS.green, values: series.completed },
          { label: 'Refused', color: COLORS.orange, values: series.refused },
          { label: 'Timed out', color: COLORS.purple, values: series.timedOut },
          { label: 'Failed', color: COLORS.red, values: series.failed },
        ],
      },
      {
        title: 'Latency to final result',
        yLabel: 'ms',
        series: [
          { label: 'p50', color: COLORS.green, values: series.p50 },
          { label: 'p99', color: COLORS.red, values: series.p99 },
        ],
      },
    ],
    [series],
  );
  return (
    <div className="grid chart-grid">
      {charts.map((chart) => (
        <div className="card" key={chart.title}>
          <Chart
            title={chart.title}
            x={series.t as number[]}
            series={chart.series}
            testId={chart.testId}
            yLabel={chart.yLabel}
            height={170}
          />
        </div>
      ))}
    </div>
  );
}
