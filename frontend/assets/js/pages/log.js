// /log/<id> — one request: request and response, headers, bodies, tags.
import { api, seg } from '../api.js';
import { $, fmtMs, h, kvTable, showError, showLoading, statusBadge, timeEl } from '../dom.js';
import { bodyBlock, block, headersBlock } from '../httpview.js';
import { layout, pathParam } from '../layout.js';

layout('dashboard');

const id = pathParam('/log/');
const root = $('#log');

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
	root.replaceChildren(summary, h('div', { class: 'side-by-side' }, request, response));
}

load();
