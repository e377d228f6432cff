// /metrics-ui — per service: totals, error rate, percentiles, charts by status
// and method, requests over time (GET /v1/metrics, once per time bucket), and
// the routes (GET /v1/metrics/routes), sorted by the heading picked.
import { api, pool, queryString } from '../api.js';
import { barChart, bucketLabel, chartsAvailable, doughnutChart, draw, paletteColour, statusColour, timeChart } from '../charts.js';
import { $, fmtCount, fmtMs, fmtPct, h, showEmpty, showError, showLoading } from '../dom.js';
import { layout } from '../layout.js';
import { fillForm, onFilterChange, readForm, readQuery, showCustomTime, windowOptions, windowRange, writeQuery } from '../query.js';

layout('metrics');

const FILTERS = ['service_id', 'window', 'since', 'until'];
const BUCKET_SIZES = [60e3, 5 * 60e3, 15 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 86400e3, 7 * 86400e3];
const MAX_BUCKETS = 30;
/** The sorts of GET /v1/metrics/routes; count is its default. */
const ROUTE_SORTS = ['count', 'error_rate', 'p95'];
const ROUTE_LIMIT = 50;
const form = $('#filters');
const figures = $('#figures');
let services = [];
let generation = 0;
let routeSort = 'count';

windowOptions(form.elements.window);

function fromUrl() {
	const q = readQuery([...FILTERS, 'sort']);
	if (!q.window)
		q.window = q.since || q.until ? 'custom' : '24h';
	fillForm(form, q);
	showCustomTime(form);
	routeSort = ROUTE_SORTS.includes(q.sort) ? q.sort : 'count';
}

function urlState() {
	const state = readForm(form, FILTERS);
	if (state.window !== 'custom') {
		state.since = '';
		state.until = '';
	} else if (state.since || state.until) {
		state.window = '';
	}
	if (state.window === '24h')
		state.window = '';
	state.sort = routeSort === 'count' ? '' : routeSort;
	return state;
}

/** The buckets [{start, end}] (Dates) covering since..until, at most MAX_BUCKETS. */
function buckets(since, until) {
	const from = new Date(since).getTime();
	const to = new Date(until).getTime();
	if (!(from < to))
		return { size: 0, list: [] };
	const size = BUCKET_SIZES.find((s) => Math.ceil((to - from) / s) + 1 <= MAX_BUCKETS) || BUCKET_SIZES.at(-1);
	const list = [];
	for (let start = Math.floor(from / size) * size; start < to && list.length <= MAX_BUCKETS; start += size)
		list.push({ start: new Date(Math.max(start, from)), end: new Date(Math.min(start + size, to)), label: new Date(start) });
	return { size, list };
}

async function loadServices() {
	const select = form.elements.service_id;
	try {
		services = await api('/v1/services');
	} catch {
		return;   // the figures show the error
	}
	const current = select.value;
	select.replaceChildren(new Option('all services', ''), ...services.map((s) => new Option(s.name, s.id)));
	if (current && !services.some((s) => s.id === current))
		select.append(new Option(`unknown service ${current}`, current));
	select.value = current;
}

async function load() {
	const mine = ++generation;
	const state = readForm(form, FILTERS);
	let { since, until } = windowRange(state.window, state.since, state.until);
	const serviceId = state.service_id;
	showLoading(figures, 'Loading metrics…');
	let metrics;
	try {
		metrics = await api('/v1/metrics', { query: { service_id: serviceId, since, until } });
	} catch (err) {
		if (mine === generation) {
			showError(figures, err, load);
			clearCharts();
		}
		return;
	}
	if (mine !== generation)
		return;
	renderFigures(metrics);
	renderBreakdowns(metrics);
	// A custom window may leave an end open: the time chart needs both.
	if (!until)
		until = metrics.until || new Date().toISOString();
	if (!since)
		since = metrics.since || new Date(new Date(until).getTime() - 24 * 3600e3).toISOString();
	loadTimeChart(mine, serviceId, since, until);
	loadRoutes(mine, serviceId, since, until);
	loadPerService(mine, serviceId, since, until);
}

function clearCharts() {
	for (const id of ['chart-status', 'chart-method', 'chart-time']) {
		const chart = window.Chart && window.Chart.getChart($(`#${id}`));
		if (chart)
			chart.destroy();
	}
}

function card(label, value, extraClass = '') {
	return h('div', { class: `card ${extraClass}` }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

function renderFigures(m) {
	figures.replaceChildren(h('div', { class: 'cards', id: 'cards' },
		card('Requests', fmtCount(m.total_requests)),
		card('Errors', fmtCount(m.error_count), m.error_count ? 'bad' : ''),
		card('Error rate', fmtPct(m.error_rate), m.error_rate > 0.05 ? 'bad' : ''),
		card('Average', fmtMs(m.avg_latency_ms)),
		card('p50', fmtMs(m.p50_latency_ms)),
		card('p95', fmtMs(m.p95_latency_ms)),
		card('p99', fmtMs(m.p99_latency_ms))));
	if (!chartsAvailable())
		figures.append(h('p', { class: 'state error' }, 'The chart library did not load: the charts are missing.'));
}

function renderBreakdowns(m) {
	const statuses = Object.entries(m.by_status || {}).sort(([a], [b]) => Number(a) - Number(b));
	const methods = Object.entries(m.by_method || {}).sort(([, a], [, b]) => b - a);
	const statusNote = $('#status-note');
	const methodNote = $('#method-note');
	if (statuses.length) {
		statusNote.replaceChildren();
		barChart($('#chart-status'), statuses.map(([k]) => k), statuses.map(([, v]) => v),
			{ label: 'requests', colours: statuses.map(([k]) => statusColour(k)) });
	} else {
		draw($('#chart-status'), emptyConfig());
		showEmpty(statusNote, 'No requests in this window.');
	}
	if (methods.length) {
		methodNote.replaceChildren();
		doughnutChart($('#chart-method'), methods.map(([k]) => k), methods.map(([, v]) => v),
			methods.map((_, i) => paletteColour(i)));
	} else {
		draw($('#chart-method'), emptyConfig());
		showEmpty(methodNote, 'No requests in this window.');
	}
}

/** An empty bar chart: axes, no bars. */
function emptyConfig() {
	return { type: 'bar', data: { labels: [], datasets: [] }, options: { plugins: { legend: { display: false } } } };
}

async function loadTimeChart(mine, serviceId, since, until) {
	const note = $('#time-note');
	const { size, list } = buckets(since, until);
	if (!list.length) {
		showEmpty(note, 'The window is empty.');
		return;
	}
	showLoading(note, 'Loading the time series…');
	let answers;
	try {
		answers = await pool(list.map((b) => () => api('/v1/metrics', {
			query: { service_id: serviceId, since: b.start.toISOString(), until: b.end.toISOString() },
		})));
	} catch (err) {
		if (mine === generation)
			showError(note, err, () => loadTimeChart(mine, serviceId, since, until));
		return;
	}
	if (mine !== generation)
		return;
	note.replaceChildren(h('p', { class: 'muted small' },
		`${list.length} buckets of ${describeSpan(size)}; bars: requests and errors, line: p95 latency (right axis).`));
	timeChart($('#chart-time'), list.map((b) => bucketLabel(b.label.toISOString(), size)), [
		{ label: 'requests', data: answers.map((a) => a.total_requests - a.error_count), colour: '#2f6fde' },
		{ label: 'errors', data: answers.map((a) => a.error_count), colour: '#cf3b3b' },
		{ label: 'p95 latency (ms)', data: answers.map((a) => a.p95_latency_ms), colour: '#b7791f', type: 'line', axis: 'y2' },
	], { stacked: true });
}

function describeSpan(ms) {
	if (ms >= 86400e3)
		return `${ms / 86400e3} day${ms > 86400e3 ? 's' : ''}`;
	if (ms >= 3600e3)
		return `${ms / 3600e3} hour${ms > 3600e3 ? 's' : ''}`;
	return `${ms / 60e3} minute${ms > 60e3 ? 's' : ''}`;
}

/** The routes table of the window: GET /v1/metrics/routes sorted by
 *  routeSort; each route links to its requests in the request log, counted
 *  over the same window. */
async function loadRoutes(mine, serviceId, since, until) {
	const box = $('#routes');
	showLoading(box, 'Loading the routes…');
	let answer;
	try {
		answer = await api('/v1/metrics/routes', {
			query: { service_id: serviceId, since, until, sort: routeSort, limit: ROUTE_LIMIT },
		});
	} catch (err) {
		if (mine === generation)
			showError(box, err, () => loadRoutes(mine, serviceId, since, until));
		return;
	}
	if (mine !== generation || answer.sort !== routeSort)
		return;   // a newer window or sort is on its way
	if (!answer.items.length) {
		showEmpty(box, 'No requests in this window.');
		return;
	}
	const resort = (sort) => {
		routeSort = sort;
		writeQuery(urlState());
		loadRoutes(mine, serviceId, since, until);
	};
	const href = (item) => `/dashboard${queryString({
		service_id: serviceId, method: item.method, route: item.route, since, until,
	})}`;
	box.replaceChildren(routesTable(answer.items, href, resort));
}

/** The routes table; href(item) is a route's link, resort(sort) runs when a
 *  sortable heading is clicked. */
function routesTable(items, href, resort) {
	const sortable = (sort, label) => h('th', { class: 'num', 'aria-sort': sort === routeSort ? 'descending' : null },
		h('button', { type: 'button', class: 'link sort', dataset: { sort }, onclick: () => resort(sort) }, label));
	return h('table', { id: 'routes-table' },
		h('thead', null, h('tr', null, h('th', null, 'Method'), h('th', null, 'Route'),
			sortable('count', 'Count'), sortable('error_rate', 'Error rate'),
			h('th', { class: 'num' }, 'p50'), sortable('p95', 'p95'), h('th', { class: 'num' }, 'p99'))),
		h('tbody', null, items.map((item) => h('tr', null,
			h('td', { class: 'mono' }, item.method),
			h('td', { class: 'path' }, h('a', { href: href(item) }, item.route)),
			h('td', { class: 'num' }, fmtCount(item.count)),
			h('td', { class: 'num' }, fmtPct(item.error_rate)),
			h('td', { class: 'num' }, fmtMs(item.p50_latency_ms)),
			h('td', { class: 'num' }, fmtMs(item.p95_latency_ms)),
			h('td', { class: 'num' }, fmtMs(item.p99_latency_ms))))));
}

async function loadPerService(mine, serviceId, since, until) {
	const panel = $('#per-service-panel');
	const box = $('#per-service');
	panel.classList.toggle('hidden', Boolean(serviceId));
	if (serviceId) {
		box.replaceChildren();   // a late answer of the load before is dropped
		return;
	}
	if (!services.length) {
		showEmpty(box, 'No services yet: register one on the Services page.');
		return;
	}
	showLoading(box, 'Loading each service…');
	let rows;
	try {
		rows = await pool(services.map((s) => () => api('/v1/metrics', { query: { service_id: s.id, since, until } })));
	} catch (err) {
		if (mine === generation)
			showError(box, err);
		return;
	}
	if (mine !== generation)
		return;
	box.replaceChildren(h('table', { id: 'per-service-table' },
		h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', { class: 'num' }, 'Requests'),
			h('th', { class: 'num' }, 'Errors'), h('th', { class: 'num' }, 'Error rate'),
			h('th', { class: 'num' }, 'p50'), h('th', { class: 'num' }, 'p95'), h('th', { class: 'num' }, 'p99'))),
		h('tbody', null, services.map((s, i) => h('tr', null,
			h('td', null, h('a', { href: `/metrics-ui?service_id=${encodeURIComponent(s.id)}` }, s.name)),
			h('td', { class: 'num' }, fmtCount(rows[i].total_requests)),
			h('td', { class: 'num' }, fmtCount(rows[i].error_count)),
			h('td', { class: 'num' }, fmtPct(rows[i].error_rate)),
			h('td', { class: 'num' }, fmtMs(rows[i].p50_latency_ms)),
			h('td', { class: 'num' }, fmtMs(rows[i].p95_latency_ms)),
			h('td', { class: 'num' }, fmtMs(rows[i].p99_latency_ms)))))));
}

function apply() {
	showCustomTime(form);
	writeQuery(urlState());
	load();
}

onFilterChange(form, apply, 500);
$('#refresh').addEventListener('click', load);
window.addEventListener('popstate', () => {
	fromUrl();
	load();
});

fromUrl();
loadServices().then(load);
