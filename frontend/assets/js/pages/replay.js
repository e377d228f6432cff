// /replay/<id> — overrides, run, and the original and replayed responses side
// by side; the earlier replays of the request.
import { api, seg } from '../api.js';
import { $, fmtMs, formError, h, showEmpty, showError, showLoading, statusBadge, timeEl } from '../dom.js';
import { bodyBlock, block, headersBlock } from '../httpview.js';
import { atLeast, layout, pathParam } from '../layout.js';

// A member replays as themselves (the session); anybody may replay with the
// key of the request's service, which a viewer must give.
const signedIn = layout('dashboard');
signedIn.then((me) => {
	if (me && !atLeast(me, 'member')) {
		form.elements.key.required = true;
		$('#key-label').textContent = 'Key of the request\'s service (Bearer; a viewer replays with the key only)';
	}
});

const id = pathParam('/replay/');
const form = $('#replay-form');
const history = $('#history');
let replays = [];
let shownReplay = null;

const MASKED = '***MASKED***';

async function load() {
	const state = $('#log-state');
	if (!id) {
		showError(state, { status: 404, message: 'This address names no request log: /replay/<id>.' });
		hidePanels();
		return;
	}
	showLoading(state, 'Loading the request…');
	let log;
	try {
		log = await api(`/v1/logs/${seg(id)}`);
	} catch (err) {
		if (err.status === 404)
			err.message = 'No request log has this id: there is nothing to replay.';
		showError(state, err, err.status === 404 ? null : load);
		hidePanels();
		return;
	}
	state.replaceChildren();
	renderOriginal(log);
	loadHistory();
}

const NEED_KEY = 'This key does not show the earlier replays: give the key of the request\'s service, or none to see them as yourself.';

function hidePanels() {
	for (const el of document.querySelectorAll('main > section, main > .side-by-side'))
		el.classList.add('hidden');
}

function renderOriginal(log) {
	document.title = `Replay ${log.method} ${log.path} · telltale`;
	$('#title').replaceChildren('Replay ', h('span', { class: 'mono' }, log.method), ' ', log.path);
	$('#back').href = `/log/${encodeURIComponent(log.id)}`;
	$('#original-line').replaceChildren('Original: ', h('span', { class: 'mono' }, `${log.method} ${log.url}`),
		', received ', timeEl(log.received_at), '.');
	form.elements.override_url.placeholder = log.url;
	form.elements.override_body.placeholder = log.request_body ?? '(the original request had no body)';
	const masked = Object.entries(log.request_headers || {}).filter(([, v]) => v === MASKED).map(([k]) => k);
	$('#masked-note').textContent = masked.length
		? `Stored masked, so not sent unless you set them above: ${masked.join(', ')}.`
		: '';
	$('#original-body').replaceChildren(
		h('dl', { class: 'kv' },
			h('dt', null, 'Status'), h('dd', null, statusBadge(log.status_code)),
			h('dt', null, 'Latency'), h('dd', null, fmtMs(log.latency_ms)),
			h('dt', null, 'Error'), h('dd', null, log.error ? h('span', { class: 'badge bad' }, log.error) : 'none')),
		block('Headers', headersBlock(log.response_headers)),
		block('Body', bodyBlock(log.response_body, log.response_body_truncated)));
}

/** A REPLAY in the right-hand column. */
function renderReplay(replay) {
	shownReplay = replay.id;
	for (const row of history.querySelectorAll('tbody tr'))
		row.classList.toggle('selected', row.dataset.id === replay.id);
	const ok = replay.status === 'success';
	$('#replayed-body').replaceChildren(
		h('dl', { class: 'kv', id: 'replay-result' },
			h('dt', null, 'Outcome'), h('dd', null, h('span', { class: `badge ${ok ? 'on' : 'bad'}` }, replay.status)),
			h('dt', null, 'Status'), h('dd', null, statusBadge(replay.status_code)),
			h('dt', null, 'Latency'), h('dd', null, fmtMs(replay.latency_ms)),
			h('dt', null, 'Error'), h('dd', null, replay.error ? h('span', { class: 'badge bad' }, replay.error) : 'none'),
			h('dt', null, 'Replayed'), h('dd', null, timeEl(replay.created_at))),
		block('Headers', headersBlock(replay.response_headers)),
		block('Body', bodyBlock(replay.response_body, false)));
}

function authHeaders() {
	const key = form.elements.key.value.trim();
	return key ? { Authorization: `Bearer ${key}` } : {};
}

/** The earlier replays: as the signed-in person, or with the key given (a
 *  wrong key is refused, and said so). */
let historyGeneration = 0;

async function loadHistory() {
	const mine = ++historyGeneration;
	const withKey = Boolean(form.elements.key.value.trim());
	showLoading(history, 'Loading earlier replays…');
	if (!withKey) {
		const me = await signedIn;
		if (mine !== historyGeneration)
			return;
		if (me && !atLeast(me, 'member')) {
			showEmpty(history, 'A viewer sees the earlier replays with the key of the request\'s service: give it above.');
			return;
		}
	}
	try {
		// The page's GET of the log has checked the session: a 401 here is
		// about the key, or a server that lists replays for keys only.
		replays = await api(`/v1/logs/${seg(id)}/replays`, { headers: authHeaders(), signIn: false });
	} catch (err) {
		if (mine !== historyGeneration)
			return;
		if (withKey && (err.status === 401 || err.status === 403 || err.status === 404))
			showEmpty(history, `${NEED_KEY} (${err.message})`);
		else if (err.status === 401 || err.status === 403)
			showEmpty(history, `Give the key of the request's service above to see its earlier replays (${err.message}).`);
		else
			showError(history, err, loadHistory);
		return;
	}
	if (mine !== historyGeneration)
		return;
	if (!replays.length) {
		showEmpty(history, 'This request has not been replayed yet.');
		return;
	}
	history.replaceChildren(h('table', { id: 'replays-table' },
		h('thead', null, h('tr', null, h('th', null, 'Replayed'), h('th', null, 'Outcome'),
			h('th', null, 'Status'), h('th', { class: 'num' }, 'Latency'), h('th', null, 'Error'))),
		h('tbody', null, replays.map((r) => h('tr', {
			class: `clickable${r.id === shownReplay ? ' selected' : ''}`,
			dataset: { id: r.id },
			onclick: () => renderReplay(r),
		},
		h('td', null, timeEl(r.created_at)),
		h('td', null, h('span', { class: `badge ${r.status === 'success' ? 'on' : 'bad'}` }, r.status)),
		h('td', null, statusBadge(r.status_code)),
		h('td', { class: 'num' }, fmtMs(r.latency_ms)),
		h('td', { class: 'msg' }, r.error || ''))))));
}

/** The overrides of the form as the API takes them; throws on bad headers JSON. */
function overrides() {
	const body = {};
	const url = form.elements.override_url.value.trim();
	if (url)
		body.override_url = url;
	const headersText = form.elements.override_headers.value.trim();
	if (headersText) {
		let headers;
		try {
			headers = JSON.parse(headersText);
		} catch {
			throw Object.assign(new Error('The headers are not JSON: write an object such as {"X-Debug": "1"}.'), { field: 'override_headers' });
		}
		if (!headers || typeof headers !== 'object' || Array.isArray(headers) ||
		    Object.values(headers).some((v) => typeof v !== 'string'))
			throw Object.assign(new Error('The headers must be a JSON object of strings.'), { field: 'override_headers' });
		body.override_headers = headers;
	}
	if (form.elements.replace_body.checked)
		body.override_body = form.elements.override_body.value;
	return body;
}

form.elements.key.addEventListener('change', loadHistory);

form.elements.replace_body.addEventListener('change', () => {
	form.elements.override_body.disabled = !form.elements.replace_body.checked;
});

form.addEventListener('submit', async (event) => {
	event.preventDefault();
	formError(form, null);
	let body;
	try {
		body = overrides();
	} catch (err) {
		formError(form, err);
		return;
	}
	const run = $('#run');
	run.disabled = true;
	showLoading($('#replayed-body'), 'Replaying… (up to 10 seconds)');
	try {
		// Without a key the session replays; a 401 is said here rather than
		// leaving the overrides typed in for the sign-in page.
		const replay = await api(`/v1/logs/${seg(id)}/replay`, { method: 'POST', body, headers: authHeaders(), signIn: false });
		renderReplay(replay);
		loadHistory();
	} catch (err) {
		if (form.elements.key.value.trim() && (err.status === 401 || (err.status === 404 && err.code === 'NOT_FOUND')))
			err.message = `${err.message} — the key must be an active key of this request's service.`;
		else if (err.status === 401)
			err.message = `${err.message} — give the key of the request's service, or sign in again (reload the page).`;
		else if (err.status === 403)
			err.message = `${err.message} — a viewer replays with the key of the request's service only.`;
		showError($('#replayed-body'), err);
		formError(form, err);
	} finally {
		run.disabled = false;
	}
});

load();
