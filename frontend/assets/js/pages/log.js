// /log/<id> — one request: request and response, headers, bodies, tags, and
// the other requests of its OpenTelemetry trace.
import { api, queryString, seg } from '../api.js';
import { $, fmtMs, h, kvTable, setChildren, showEmpty, showError, showLoading, statusBadge, timeEl } from '../dom.js';
import { bodyBlock, block, headersBlock } from '../httpview.js';
import { layout, pathParam } from '../layout.js';

layout('dashboard');

const id = pathParam('/log/');
const root = $('#log');
/** At most this many logs of a trace are listed. */
const TRACE_LIMIT = 50;

async function load() {
	if (!id) {
		showError(root, { status: 404, message: 'This address names no request log: /log/<id>.' });
		return;
	}
	showLoading(root, 'Loading the request…');
	let log;
	try {
		log = await api(`/v1/logs/${seg(id)}`);
	} catch (err) {
		if (err.status === 404)
			err.message = 'No request log has this id (it may have been deleted with its service).';
		showError(root, err, err.status === 404 ? null : load);
		return;
	}
	let service = null;
	try {
		service = await api(`/v1/services/${seg(log.service_id)}`);
	} catch {
		// the id is shown instead
	}
	render(log, service);
}

function render(log, service) {
	document.title = `${log.method} ${log.path} · telltale`;
	$('#title').replaceChildren(h('span', { class: 'mono' }, log.method), ' ', log.path);
	const replay = $('#replay-link');
	replay.href = `/replay/${encodeURIComponent(log.id)}`;
	replay.classList.remove('hidden');
	$('#back').href = `/dashboard?service_id=${encodeURIComponent(log.service_id)}`;

	const summary = h('section', { class: 'panel', id: 'summary', 'aria-label': 'Summary' },
		h('dl', { class: 'kv' },
			h('dt', null, 'URL'), h('dd', { class: 'mono' }, log.url),
			h('dt', null, 'Status'), h('dd', null, statusBadge(log.status_code)),
			h('dt', null, 'Latency'), h('dd', null, fmtMs(log.latency_ms)),
			h('dt', null, 'Route'), h('dd', { class: 'mono', id: 'log-route' }, log.route ?? '–'),
			h('dt', null, 'Trace id'), h('dd', { class: 'mono', id: 'log-trace' }, log.trace_id
				? h('a', { href: traceHref(log.trace_id), title: 'all logs of this trace' }, log.trace_id) : '–'),
			h('dt', null, 'Span id'), h('dd', { class: 'mono', id: 'log-span' }, log.span_id ?? '–'),
			h('dt', null, 'Received'), h('dd', null, timeEl(log.received_at)),
			h('dt', null, 'Service'), h('dd', null,
				h('a', { href: `/dashboard?service_id=${encodeURIComponent(log.service_id)}` },
					service ? service.name : log.service_id)),
			h('dt', null, 'Source IP'), h('dd', { class: 'mono' }, log.source_ip || '–'),
			h('dt', null, 'Error'), h('dd', { id: 'log-error' }, log.error ? h('span', { class: 'badge bad' }, log.error) : 'none'),
			h('dt', null, 'Tags'), h('dd', { id: 'log-tags' }, (log.tags && log.tags.length)
				? log.tags.map((t) => h('span', { class: 'tag' }, t)) : 'none'),
			h('dt', null, 'Id'), h('dd', { class: 'mono small' }, log.id)));

	const request = h('section', { class: 'panel', id: 'request', 'aria-label': 'Request' },
		h('h2', null, 'Request'),
		block('Query parameters', kvTable(log.query_params, 'none')),
		block('Headers', headersBlock(log.request_headers)),
		block('Body', bodyBlock(log.request_body, log.request_body_truncated)));
	const response = h('section', { class: 'panel', id: 'response', 'aria-label': 'Response' },
		h('h2', null, 'Response'),
		block('Headers', headersBlock(log.response_headers)),
		block('Body', bodyBlock(log.response_body, log.response_body_truncated)));
	root.replaceChildren(summary, log.trace_id ? traceSection(log) : null,
		h('div', { class: 'side-by-side' }, request, response));
}

/** The request log's address of a trace's logs. */
function traceHref(traceId) {
	return `/dashboard${queryString({ trace_id: traceId })}`;
}

/** The section of the other requests of log's trace; fills itself. */
function traceSection(log) {
	const list = h('div', { id: 'trace-logs', class: 'table-wrap' });
	const section = h('section', { class: 'panel', id: 'trace', 'aria-labelledby': 'trace-title' },
		h('div', { class: 'page-head' },
			h('h2', { id: 'trace-title' }, 'Other requests in this trace'),
			h('a', { href: traceHref(log.trace_id), id: 'trace-all' }, 'All logs of this trace →')),
		list);
	loadTrace(log, list);
	return section;
}

/** GET /v1/logs?trace_id=…: the trace's logs but log, into list. */
async function loadTrace(log, list) {
	showLoading(list, 'Loading the trace…');
	let page;
	try {
		page = await api('/v1/logs', { query: { trace_id: log.trace_id, limit: TRACE_LIMIT } });
	} catch (err) {
		showError(list, err, () => loadTrace(log, list));
		return;
	}
	const others = page.items.filter((item) => item.id !== log.id);
	if (!others.length) {
		showEmpty(list, 'No other request of this trace is logged.');
		return;
	}
	setChildren(list, h('table', { id: 'trace-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Method'), h('th', null, 'Path / route'), h('th', null, 'Status'),
			h('th', { class: 'num' }, 'Latency'), h('th', null, 'Span id'), h('th', null, 'Received'))),
		h('tbody', null, others.map(traceRow))),
	page.next_offset === null ? null
		: h('p', { class: 'muted small' }, `The first ${TRACE_LIMIT} requests of the trace; the request log has them all.`));
}

function traceRow(item) {
	return h('tr', { dataset: { id: item.id } },
		h('td', { class: 'mono' }, item.method),
		h('td', { class: 'path' }, h('a', { href: `/log/${encodeURIComponent(item.id)}` }, item.path),
			item.route && item.route !== item.path ? h('div', { class: 'muted small' }, item.route) : null),
		h('td', null, statusBadge(item.status_code)),
		h('td', { class: 'num' }, fmtMs(item.latency_ms)),
		h('td', { class: 'mono small' }, item.span_id ?? '–'),
		h('td', null, timeEl(item.received_at)));
}

load();
