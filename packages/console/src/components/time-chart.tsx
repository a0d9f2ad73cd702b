import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** uPlot's Axis.Side.Right: a const enum, which isolated modules cannot read from its types. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum's value, spelled out
const RIGHT_SIDE = 1 as uPlot.Axis.Side;

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Which axis: the left one, or a second on the right (another unit). */
  axis?: 'left' | 'right';
  format?: (value: number) => string;
}

/**
 * A time series chart (uPlot) that follows its container's width: `times` are Unix seconds, one per
 * point of every series. A line per series, a legend that shows the values under the cursor.
 */
export function TimeChart(props: { title: string; times: number[]; series: ChartSeries[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const width = () => Math.max(240, target.clientWidth);
    const right = props.series.find((s) => s.axis === 'right');
    const left = props.series.find((s) => s.axis !== 'right');
    const plot = new uPlot(
      {
        width: width(),
        height: props.height ?? 220,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            points: { show: props.times.length < 40 },
            scale: s.axis === 'right' ? 'right' : 'y',
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : (s.format ?? String)(v)),
          })),
        ],
        scales: {
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
          right: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          {},
          { scale: 'y', values: (_u, ticks) => ticks.map((t) => (left?.format ?? String)(t)), size: 60 },
          ...(right
            ? [
                {
                  scale: 'right',
                  side: RIGHT_SIDE,
                  grid: { show: false },
                  values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (right.format ?? String)(t)),
                  size: 60,
                },
              ]
            : []),
        ],
      },
      [props.times, ...props.series.map((s) => s.values)],
      target,
    );
    const resize = new ResizeObserver(() => {
      plot.setSize({ width: width(), height: props.height ?? 220 });
    });
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.times, props.series, props.height]);
  return <figure class="chart" aria-label={props.title} ref={box} />;
}
