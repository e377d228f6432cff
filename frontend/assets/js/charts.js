// Charts, drawn by Chart.js (loaded before this module from /vendor/chart.js/
// as a classic script: window.Chart). Every label reaches the canvas as text.

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
