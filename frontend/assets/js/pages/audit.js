// /audit — the audit trail (admins): entries newest first, more by cursor.
import { api } from '../api.js';
import { $, errorBox, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { atLeast, layout } from '../layout.js';
import { readQuery } from '../query.js';

const PAGE = Math.min(100, Math.max(1, parseInt(readQuery(['limit']).limit, 10) || 50));
const ADMINS_ONLY = 'Only admins can read the audit trail.';
const box = $('#audit');
const more = $('#more');
let entries = [];
let nextCursor = null;
let generation = 0;

/** An entry's detail: text as it is, anything else as compact JSON. */
function detail(value) {
	if (value === null || value === undefined || value === '')
		return '';
	if (typeof value === 'string')
		return value;
	if (typeof value === 'object' && !Object.keys(value).length)
		return '';
	return h('span', { class: 'mono small' }, JSON.stringify(value));
}

function adminsOnly() {
	box.replaceChildren(h('p', { class: 'state empty', id: 'admins-only' }, ADMINS_ONLY,
		' Ask an admin if you need to know who did what.'));
	more.classList.add('hidden');
	$('#refresh').classList.add('hidden');
}

function render() {
	if (!entries.length) {
		showEmpty(box, 'Nothing recorded yet.');
		return;
	}
	box.replaceChildren(h('table', { id: 'audit-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'When'), h('th', null, 'Who'), h('th', null, 'Via'), h('th', null, 'Address'),
			h('th', null, 'Action'), h('th', null, 'Target'), h('th', null, 'Detail'))),
		h('tbody', null, entries.map((e) => h('tr', { dataset: { id: String(e.id) } },
			h('td', null, timeEl(e.at)),
			h('td', null, e.actor ?? h('span', { class: 'muted' }, 'anonymous')),
			h('td', null, e.via ?? ''),
			h('td', { class: 'mono' }, e.address ?? ''),
			h('td', null, h('span', { class: `badge${/fail|denied|revoke|delete/.test(e.action) ? ' bad' : ''}` }, e.action)),
			h('td', { class: 'path' }, e.target ?? ''),
			h('td', { class: 'msg' }, detail(e.detail)))))));
}

async function load(append = false) {
	const mine = append ? generation : ++generation;
	if (!append) {
		entries = [];
		nextCursor = null;
		showLoading(box, 'Loading the audit trail…');
	}
	more.disabled = true;
	let page;
	try {
		page = await api('/v1/audit', { query: { limit: PAGE, cursor: append ? nextCursor : '' } });
	} catch (err) {
		if (mine !== generation)
			return;
		more.disabled = false;
		if (err.status === 403)
			adminsOnly();
		else if (append)
			box.append(errorBox(err));
		else
			showError(box, err, () => load());
		return;
	}
	if (mine !== generation)
		return;
	entries.push(...page.items);
	nextCursor = page.next_cursor;
	more.disabled = false;
	more.classList.toggle('hidden', !nextCursor);
	$('#audit-info').textContent = entries.length ? `${entries.length} entries${nextCursor ? ' so far' : ''}` : '';
	render();
}

more.addEventListener('click', () => load(true));
$('#refresh').addEventListener('click', () => load());

layout('audit').then((me) => {
	// A person known not to be an admin is told so without asking the API.
	if (me && !atLeast(me, 'admin'))
		adminsOnly();
	else
		load();
});
