// /dashboard — the request log with live filters kept in the URL query.
import { api } from '../api.js';
import { $, fmtMs, h, showEmpty, showError, showLoading, statusBadge, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { fillForm, onFilterChange, readForm, readQuery, showCustomTime, windowOptions, windowRange, writeQuery } from '../query.js';

layout('dashboard');

const FILTERS = ['service_id', 'method', 'status_code', 'path', 'has_error', 'min_latency_ms',
	'max_latency_ms', 'tag', 'route', 'trace_id', 'window', 'since', 'until', 'limit'];
const form = $('#filters');
const table = $('#logs');
const summary = $('#summary');
let offset = 0;
let nextOffset = null;
let serviceNames = new Map();
let generation = 0;

windowOptions(form.elements.window, 'any time');

/** The state of the page from the URL: filters and offset. */
function fromUrl() {
	const q = readQuery([...FILTERS, 'offset']);
	if (!q.window && (q.since || q.until))
		q.window = 'custom';
	if (!q.limit)
		q.limit = '50';
	fillForm(form, q);
	offset = Math.max(0, parseInt(q.offset, 10) || 0);
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
	return { ...state, offset: offset || '' };
}

/** The query of GET /v1/logs for the current filters. */
function apiQuery() {
	const state = readForm(form, FILTERS);
	const { since, until } = windowRange(state.window, state.since, state.until);
	delete state.window;
	return { ...state, since, until, offset };
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
		$('#newer').disabled = offset === 0;
		return;
	}
	if (mine !== generation)
		return;
	nextOffset = page.next_offset;
	$('#older').disabled = nextOffset === null;
	$('#newer').disabled = offset === 0;
	render(page.items);
}

function render(items) {
	if (!items.length) {
		showEmpty(table, offset ? 'No more requests.' : 'No requests match these filters.');
		summary.textContent = '';
		return;
	}
	summary.textContent = `Requests ${offset + 1}–${offset + items.length}` +
		(nextOffset === null ? ' (the oldest shown)' : ', older ones on the next page');
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
	offset = 0;
	writeQuery(urlState());
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
	if (nextOffset === null)
		return;
	offset = nextOffset;
	writeQuery(urlState(), { push: true });
	loadLogs();
});
$('#newer').addEventListener('click', () => {
	offset = Math.max(0, offset - Number(form.elements.limit.value || 50));
	writeQuery(urlState(), { push: true });
	loadLogs();
});
window.addEventListener('popstate', () => {
	fromUrl();
	loadLogs();
});

fromUrl();
loadServices().then(loadLogs);
