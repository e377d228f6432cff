// Charts, drawn by Chart.js (loaded before this module from /vendor/chart.js/
// as a classic script: window.Chart). Every label reaches the canvas as text.
import { fmtTime } from './dom.js';

const Chart = window.Chart;

const PALETTE = ['#2f6fde', '#1e8a4c', '#b7791f', '#cf3b3b', '#8a1f5c', '#0f8a96', '#6b5ccf', '#5d6678'];
const STATUS_COLOURS = { 1: '#5d6678', 2: '#1e8a4c', 3: '#2f6fde', 4: '#d69e2e', 5: '#cf3b3b' };
const LEVEL_COLOURS = { DEBUG: '#8a93a6', INFO: '#2f6fde', WARNING: '#d69e2e', ERROR: '#cf3b3b', CRITICAL: '#8a1f5c' };

if (Chart) {
	Chart.defaults.animation = false;
	Chart.defaults.maintainAspectRatio = false;
	Chart.defaults.font.family = 'system-ui, "DejaVu Sans", sans-serif';
	Chart.defaults.color = '#5d6678';
	Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** Whether the chart library loaded; pages show a note when it did not. */
export const chartsAvailable = () => Boolean(Chart);

/** Draws config on canvas, replacing a chart drawn there before. */
export function draw(canvas, config) {
	if (!Chart)
		return null;
	const old = Chart.getChart(canvas);
	if (old)
		old.destroy();
	return new Chart(canvas, config);
}

export const statusColour = (code) => STATUS_COLOURS[String(code)[0]] || '#5d6678';
export const levelColour = (level) => LEVEL_COLOURS[level] || '#5d6678';
export const paletteColour = (i) => PALETTE[i % PALETTE.length];

/** A bar chart of labels → values, one colour per bar from colours (an array). */
export function barChart(canvas, labels, values, { label = 'count', colours, horizontal = false } = {}) {
	return draw(canvas, {
		type: 'bar',
		data: {
			labels,
			datasets: [{ label, data: values, backgroundColor: colours || labels.map((_, i) => paletteColour(i)) }],
		},
		options: {
			indexAxis: horizontal ? 'y' : 'x',
			plugins: { legend: { display: false } },
			scales: { [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0 } } },
		},
	});
}

/** A doughnut of labels → values. */
export function doughnutChart(canvas, labels, values, colours) {
	return draw(canvas, {
		type: 'doughnut',
		data: { labels, datasets: [{ data: values, backgroundColor: colours || labels.map((_, i) => paletteColour(i)) }] },
		options: { plugins: { legend: { position: 'right' } } },
	});
}

/** A time chart: labels (bucket names) and datasets [{label, data, colour, type?}]. */
export function timeChart(canvas, labels, datasets, { stacked = false } = {}) {
	return draw(canvas, {
		type: 'bar',
		data: {
			labels,
			datasets: datasets.map((d) => ({
				type: d.type || 'bar',
				label: d.label,
				data: d.data,
				backgroundColor: d.colour,
				borderColor: d.colour,
				borderWidth: d.type === 'line' ? 2 : 0,
				pointRadius: d.type === 'line' ? 2 : 0,
				yAxisID: d.axis || 'y',
				tension: 0.2,
			})),
		},
		options: {
			interaction: { mode: 'index', intersect: false },
			scales: {
				x: { stacked, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } },
				y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
				...(datasets.some((d) => d.axis === 'y2')
					? { y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } }
					: {}),
			},
		},
	});
}

/** A short label for a bucket starting at iso, for buckets of span ms. */
export function bucketLabel(iso, spanMs) {
	const d = new Date(iso);
	const p = (n) => String(n).padStart(2, '0');
	const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
	const time = `${p(d.getHours())}:${p(d.getMinutes())}`;
	if (spanMs >= 86400e3)
		return day;
	return spanMs >= 3600e3 && d.getHours() === 0 && d.getMinutes() === 0 ? `${day} ${time}` : time;
}

/** A line of points [{t: ISO time, value: number|null}] over time (a gap
 *  where value is null), the threshold (a number, or null for none) as a
 *  dashed line across it, and markers [{t, value, colour, label}] as
 *  triangles, one dataset per label: the moments a rule changed state. format(v) writes a value for
 *  the axis and the tooltips. Returns the chart. */
export function thresholdChart(canvas, points, { label = 'value', threshold = null, markers = [], format = String } = {}) {
	const xy = points.map((p) => ({ x: Date.parse(p.t), y: p.value ?? null }));
	const marks = markers.filter((m) => m.value !== null && m.value !== undefined)
		.map((m) => ({ x: Date.parse(m.t), y: m.value, label: m.label, colour: m.colour }));
	const xs = [...xy, ...marks].map((p) => p.x).filter(Number.isFinite);
	const first = xs.length ? Math.min(...xs) : Date.now() - 86400e3;
	const last = xs.length ? Math.max(...xs) : Date.now();
	const span = last - first;
	const datasets = [{
		label,
		data: xy,
		borderColor: '#2f6fde',
		backgroundColor: '#2f6fde',
		borderWidth: 2,
		pointRadius: xy.length > 60 ? 0 : 2,
		spanGaps: false,
		tension: 0.2,
	}];
	if (threshold !== null && threshold !== undefined && Number.isFinite(threshold))
		datasets.push({
			label: `threshold ${format(threshold)}`,
			data: [{ x: first, y: threshold }, { x: last, y: threshold }],
			borderColor: '#cf3b3b',
			backgroundColor: '#cf3b3b',
			borderWidth: 1.5,
			borderDash: [6, 4],
			pointRadius: 0,
		});
	// One set of markers per kind of change, so that the legend names each.
	for (const kind of [...new Set(marks.map((m) => m.label))]) {
		const some = marks.filter((m) => m.label === kind);
		datasets.push({
			label: kind,
			data: some,
			showLine: false,
			pointStyle: 'triangle',
			pointRadius: 7,
			pointHoverRadius: 8,
			backgroundColor: some[0].colour || '#cf3b3b',
			borderColor: some[0].colour || '#cf3b3b',
		});
	}
	return draw(canvas, {
		type: 'line',
		data: { datasets },
		options: {
			parsing: true,
			interaction: { mode: 'nearest', intersect: false },
			scales: {
				x: {
					type: 'linear',
					min: first,
					max: last,
					ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10,
						callback: (v) => bucketLabel(new Date(v).toISOString(), span > 2 * 86400e3 ? 86400e3 : 60e3) },
				},
				y: { beginAtZero: true, ticks: { callback: (v) => format(v) } },
			},
			plugins: {
				tooltip: {
					callbacks: {
						title: (items) => (items.length ? fmtTime(new Date(items[0].parsed.x).toISOString()) : ''),
						label: (item) => `${item.raw.label || item.dataset.label}: ${format(item.parsed.y)}`,
					},
				},
			},
		},
	});
}
