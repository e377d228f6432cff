// /dashboard — the request log with live filters kept in the URL query.
import { api } from '../api.js';
import { $, fmtMs, h, showEmpty, showError, showLoading, statusBadge, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { fillForm, onFilterChange, readForm, readQuery, showCustomTime, windowOptions, windowRange, writeQuery } from '../query.js';
import { cursorWalk } from '../walk.js';

layout('dashboard');

const FILTERS = ['service_id', 'method', 'status_code', 'path', 'has_error', 'min_latency_ms',
	'max_latency_ms', 'tag', 'route', 'trace_id', 'window', 'since', 'until', 'limit'];
const form = $('#filters');
const table = $('#logs');
const summary = $('#summary');
const walk = cursorWalk('logs');
let serviceNames = new Map();
let generation = 0;

windowOptions(form.elements.window, 'any time');

/** The state of the page from the URL: filters and the page's cursor (an
 *  offset of older links is not read: they open the first page). */
function fromUrl() {
	const q = readQuery([...FILTERS, 'cursor']);
	if (!q.window && (q.since || q.until))
		q.window = 'custom';
	if (!q.limit)
		q.limit = '50';
	fillForm(form, q);
	walk.restore(q.cursor);
	showCustomTime(form);
}

/** The filters as they go into the URL (relative windows stay relative). */
function urlState() {
	const state = readForm(form, FILTERS);
	if (state.window !== 'custom') {
		state.since = '';
		state.until = '';
	}
	if (state.window === 'custom' && (state.since || state.until))
		state.window = '';
	if (state.limit === '50')
		state.limit = '';
	return { ...state, cursor: walk.cursor };
}

/** The query of GET /v1/logs for the current filters. */
function apiQuery() {
	const state = readForm(form, FILTERS);
	const { since, until } = windowRange(state.window, state.since, state.until);
	delete state.window;
	return { ...state, since, until, cursor: walk.cursor };
}

async function loadServices() {
	const select = form.elements.service_id;
	try {
		const services = await api('/v1/services');
		serviceNames = new Map(services.map((s) => [s.id, s.name]));
		const current = select.value;
		select.replaceChildren(new Option('all services', ''),
			...services.map((s) => new Option(s.name, s.id)));
		if (current && !serviceNames.has(current))
			select.append(new Option(`unknown service ${current}`, current));
		select.value = current;
	} catch {
		// the table shows the error
	}
}

async function loadLogs() {
	const mine = ++generation;
	showLoading(table, 'Loading requests…');
	summary.textContent = '';
	let page;
	try {
		page = await api('/v1/logs', { query: apiQuery() });
	} catch (err) {
		if (mine !== generation)
			return;
		showError(table, err, loadLogs);
		$('#older').disabled = true;
		$('#newer').disabled = walk.first;
		return;
	}
	if (mine !== generation)
		return;
	walk.shown(page.items.length, page.next_cursor);
	$('#older').disabled = !walk.next;
	$('#newer').disabled = walk.first;
	render(page.items);
}

function render(items) {
	if (!items.length) {
		showEmpty(table, walk.first ? 'No requests match these filters.' : 'No more requests.');
		summary.textContent = '';
		return;
	}
	const span = walk.range(items.length);
	summary.textContent = (span ? `Requests ${span}` : 'Requests further back') +
		(walk.next ? ', older ones on the next page' : ' (the oldest shown)');
	table.replaceChildren(h('table', { id: 'logs-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Received'), h('th', null, 'Service'), h('th', null, 'Method'),
			h('th', null, 'Path'), h('th', null, 'Status'), h('th', { class: 'num' }, 'Latency'),
			h('th', null, 'Error'), h('th', null, 'Tags'))),
		h('tbody', null, items.map(row))));
}

function row(log) {
	const href = `/log/${encodeURIComponent(log.id)}`;
	return h('tr', {
		class: 'clickable',
		dataset: { id: log.id },
		onclick: (event) => {
			if (!event.target.closest('a'))
				window.location.assign(href);
		},
	},
	h('td', null, h('a', { href }, timeEl(log.received_at))),
	h('td', null, serviceNames.get(log.service_id) || h('span', { class: 'mono small' }, log.service_id.slice(0, 8))),
	h('td', { class: 'mono' }, log.method),
	h('td', { class: 'path' }, log.path),
	h('td', null, statusBadge(log.status_code)),
	h('td', { class: 'num' }, fmtMs(log.latency_ms)),
	h('td', { class: 'msg' }, log.error ? h('span', { class: 'badge bad' }, log.error) : ''),
	h('td', null, (log.tags || []).map((t) => h('span', { class: 'tag' }, t))));
}

/** A filter changed: back to the first page, URL updated, table reloaded. */
function apply() {
	showCustomTime(form);
	walk.reset();
	writeQuery(urlState(), { data: walk.entry() });
	loadLogs();
}

onFilterChange(form, apply, 350);
$('#clear').addEventListener('click', () => {
	form.reset();
	form.elements.limit.value = '50';
	apply();
});
$('#refresh').addEventListener('click', loadLogs);
$('#older').addEventListener('click', () => {
	if (!walk.older())
		return;
	writeQuery(urlState(), { push: true, data: walk.entry() });
	loadLogs();
});
$('#newer').addEventListener('click', () => {
	if (!walk.newer())
		return;
	writeQuery(urlState(), { push: true, data: walk.entry() });
	loadLogs();
});
window.addEventListener('popstate', () => {
	fromUrl();
	loadLogs();
});

fromUrl();
loadServices().then(loadLogs);
