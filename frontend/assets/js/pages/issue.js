// /errors/<app_id>/issues/<issue_id> — one issue: its title, culprit, level
// and status; for members the status changes (resolve, resolve in the next
// release, ignore, reopen) and merging other issues into it; the summary and
// the last 24 hours; the latest event's exception and stack; the tags' top
// values; and the events, newest first, by cursor.
import { api, seg } from '../api.js';
import { $, $$, errorBox, fmtCount, h, levelBadge, setChildren, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { contextView, stackView } from '../eventview.js';
import {
	CHANGES, changeIssue, eventHref, issueStatusBadge, mergeIssues, resolvedNote, sparkline,
} from '../issues.js';
import { layout } from '../layout.js';

layout('errors');

const EVENTS_PAGE = 20;
// The two ids of the path, or null when it names no issue.
const [appId, issueId] = (() => {
	const m = /^\/errors\/([^/]+)\/issues\/([^/]+)\/?$/.exec(window.location.pathname);
	try {
		return m ? [decodeURIComponent(m[1]), decodeURIComponent(m[2])] : [null, null];
	} catch {
		return [null, null];
	}
})();
const base = `/apps/${seg(appId)}/issues/${seg(issueId)}`;
let issue = null;
// The cursor of each page of events shown so far: cursors[page] opens page.
let cursors = [''];
let page = 0;
let nextCursor = null;
let generation = 0;

// --- the issue -------------------------------------------------------------------

function renderHead() {
	document.title = `${issue.title} · telltale`;
	$('#title').textContent = issue.title;
	$('#culprit').textContent = issue.culprit || '';
	const note = resolvedNote(issue);
	setChildren($('#badges'),
		levelBadge(issue.level),
		issueStatusBadge(issue.status),
		note ? h('span', { class: 'small muted', id: 'resolved-note' }, `resolved ${note}`) : null,
		issue.regressed_at ? h('span', { class: 'badge bad', title: issue.regressed_at }, 'regressed') : null,
		h('span', { class: 'small muted' }, `issue #${issue.id}`));
	// Only the changes that change something are offered.
	$('#action-resolve').classList.toggle('hidden', issue.status === 'resolved' && !issue.resolved_in_release);
	$('#action-resolve-next').classList.toggle('hidden', issue.status === 'resolved' && issue.resolved_in_release === 'next');
	$('#action-ignore').classList.toggle('hidden', issue.status === 'ignored');
	$('#action-reopen').classList.toggle('hidden', issue.status === 'unresolved');
}

function renderSummary() {
	const row = (label, ...value) => [h('dt', null, label), h('dd', null, value)];
	$('#summary').replaceChildren(h('dl', { class: 'kv', id: 'summary-list' },
		row('Events', h('span', { id: 'issue-count' }, fmtCount(issue.count))),
		row('First seen', timeEl(issue.first_seen), issue.first_release ? ` in release ${issue.first_release}` : ''),
		row('Last seen', timeEl(issue.last_seen), issue.last_release ? ` in release ${issue.last_release}` : ''),
		row('Environments', issue.environments && issue.environments.length
			? issue.environments.map((e) => h('span', { class: 'tag' }, e)) : '–'),
		row('Status', issue.status, issue.resolved_at ? [' since ', timeEl(issue.resolved_at)] : '',
			resolvedNote(issue) ? ` (${resolvedNote(issue)})` : ''),
		issue.regressed_at ? row('Regressed', timeEl(issue.regressed_at)) : null));
}

function renderSeries() {
	const hours = issue.series || [];
	const label = (iso) => {
		const d = new Date(iso);
		return `${String(d.getHours()).padStart(2, '0')}:00`;
	};
	const total = hours.reduce((n, b) => n + b.count, 0);
	$('#series').replaceChildren(
		h('div', { class: 'series-chart' }, sparkline(hours.map((b) => b.count),
			{ width: 480, height: 90, labels: hours.map((b) => label(b.hour)) })),
		h('div', { class: 'series-axis small muted' },
			h('span', null, '24 hours ago'), h('span', null, 'now')),
		h('p', { class: 'small muted' }, `${fmtCount(total)} event${total === 1 ? '' : 's'} in the last 24 hours, by hour.`));
}

/** The tags' top values: for each name a bar per value, its share of the
 *  issue's events. environment and release first, then the others by name. */
function renderTags() {
	const tags = issue.tags && typeof issue.tags === 'object' ? issue.tags : {};
	const order = (name) => (name === 'environment' ? 0 : name === 'release' ? 1 : 2);
	const names = Object.keys(tags).sort((a, b) => order(a) - order(b) || a.localeCompare(b));
	if (!names.length) {
		showEmpty($('#tags'), 'No tags on this issue\'s events.');
		return;
	}
	$('#tags').replaceChildren(...names.map((name) => {
		const values = Array.isArray(tags[name]) ? tags[name] : [];
		const total = Math.max(issue.count || 0, values.reduce((n, v) => n + v.count, 0), 1);
		return h('div', { class: 'tag-breakdown', dataset: { tag: name } },
			h('h3', null, name),
			h('ul', { class: 'bars' }, values.map((v) => {
				const share = Math.min(1, v.count / total);
				const fill = h('span', { class: 'bar-fill' });
				// A CSSOM property, not a style attribute: the CSP allows it.
				fill.style.width = `${(share * 100).toFixed(1)}%`;
				return h('li', { dataset: { value: v.value } },
					h('span', { class: 'bar-label' }, v.value),
					h('span', { class: 'bar' }, fill),
					h('span', { class: 'bar-count num' }, `${fmtCount(v.count)} · ${Math.round(share * 100)}%`));
			})));
	}));
}

async function renderLatest() {
	const box = $('#latest');
	const exception = $('#exception');
	if (issue.latest_event_id === null || issue.latest_event_id === undefined) {
		showEmpty(box, 'No event is kept for this issue.');
		exception.replaceChildren(stackView(issue.exception, null));
		return;
	}
	showLoading(box, 'Loading the latest event…');
	let ev = null;
	try {
		ev = await api(`/apps/${seg(appId)}/events/${seg(issue.latest_event_id)}`);
	} catch (err) {
		showError(box, err, renderLatest);
	}
	// An /apps stack's value is its event's message.
	exception.replaceChildren(issue.exception ? stackView(issue.exception, ev ? ev.message : null)
		: h('p', { class: 'muted small' }, 'The latest event has no stack.'));
	if (!ev)
		return;
	setChildren(box,
		h('dl', { class: 'kv' },
			h('dt', null, 'Event'), h('dd', null, h('a', { href: eventHref(appId, ev.id), id: 'latest-link' }, `#${ev.id}`)),
			h('dt', null, 'Level'), h('dd', null, levelBadge(ev.level)),
			h('dt', null, 'Occurred'), h('dd', null, timeEl(ev.occurred_at)),
			h('dt', null, 'Received'), h('dd', null, timeEl(ev.received_at)),
			h('dt', null, 'Environment'), h('dd', null, ev.environment ?? '–'),
			h('dt', null, 'Release'), h('dd', null, ev.release ?? '–')),
		h('h3', null, 'Message'),
		h('pre', { id: 'latest-message' }, ev.message),
		ev.context ? [h('h3', null, 'Context'), contextView(ev.context)] : null);
}

/** Loads and shows the issue; false when there is none to show. */
async function loadIssue() {
	const state = $('#issue-state');
	if (!appId || !issueId) {
		showError(state, { status: 404, message: 'This address names no issue: /errors/<app_id>/issues/<issue_id>.' });
		return false;
	}
	showLoading(state, 'Loading the issue…');
	try {
		issue = await api(base);
	} catch (err) {
		if (err.status === 404)
			err.message = `There is no issue ${issueId} in application ${appId}.`;
		showError(state, err, err.status === 404 ? null : init);
		return false;
	}
	state.replaceChildren();
	renderHead();
	renderSummary();
	renderSeries();
	renderTags();
	renderLatest();
	return true;
}

async function loadAppName() {
	const link = $('#app-link');
	link.href = `/errors/${seg(appId)}`;
	link.textContent = `← Application ${appId}`;
	try {
		const app = await api(`/apps/${seg(appId)}`);
		link.textContent = `← ${app.name}`;
	} catch {
		// the issue's own answer says what is wrong
	}
}

// --- its events --------------------------------------------------------------------

async function loadEvents() {
	const mine = ++generation;
	const box = $('#events');
	showLoading(box, 'Loading events…');
	$('#page-info').textContent = '';
	let answer;
	try {
		answer = await api(`${base}/events`, { query: { limit: EVENTS_PAGE, cursor: cursors[page] } });
	} catch (err) {
		if (mine === generation)
			showError(box, err, loadEvents);
		return;
	}
	if (mine !== generation)
		return;
	nextCursor = answer.next_cursor;
	$('#older').disabled = !nextCursor;
	$('#newest').disabled = page === 0;
	if (!answer.items.length) {
		showEmpty(box, page ? 'No older events.' : 'No events.');
		return;
	}
	const first = page * EVENTS_PAGE + 1;
	$('#page-info').textContent = `events ${first}–${first + answer.items.length - 1}`;
	box.replaceChildren(h('table', { id: 'events-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Event'), h('th', null, 'Received'), h('th', null, 'Level'), h('th', null, 'Message'),
			h('th', null, 'Environment'), h('th', null, 'Release'))),
		h('tbody', null, answer.items.map((ev) => h('tr', { dataset: { id: String(ev.id) } },
			h('td', null, h('a', { href: eventHref(appId, ev.id) }, `#${ev.id}`)),
			h('td', null, timeEl(ev.received_at)),
			h('td', null, levelBadge(ev.level)),
			h('td', { class: 'msg' }, ev.message),
			h('td', null, ev.environment ?? ''),
			h('td', null, ev.release ?? ''))))));
}

// --- changes -----------------------------------------------------------------------

function note(kind, ...content) {
	$('#action-note').replaceChildren(h('p', { class: `state ${kind}`, role: kind === 'ok' ? 'status' : 'alert' }, content));
}

async function change(name) {
	const [, body, done] = CHANGES[name];
	const buttons = $$('#actions button');
	buttons.forEach((b) => { b.disabled = true; });
	try {
		issue = { ...issue, ...(await changeIssue(appId, issueId, body)) };
		note('ok', `${done}.`);
		renderHead();
		renderSummary();
	} catch (err) {
		$('#action-note').replaceChildren(errorBox(err));
	} finally {
		buttons.forEach((b) => { b.disabled = false; });
	}
}

for (const button of $$('#actions button'))
	button.addEventListener('click', () => change(button.dataset.change));

$('#merge-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const input = event.currentTarget.elements.ids;
	const words = input.value.split(/[\s,]+/).filter(Boolean);
	const others = [...new Set(words)].filter((w) => w !== String(issue.id));
	if (!others.length || words.some((w) => !/^[0-9]+$/.test(w))) {
		note('error', 'Give the ids of other issues of this application, e.g. 12, 15.');
		return;
	}
	if (!window.confirm(`Merge issue${others.length === 1 ? '' : 's'} ${others.map((o) => `#${o}`).join(', ')} into this one? ` +
		'Their events move here and they are deleted.'))
		return;
	try {
		issue = { ...issue, ...(await mergeIssues(appId, [String(issue.id), ...others])) };
	} catch (err) {
		$('#action-note').replaceChildren(errorBox(err));
		return;
	}
	input.value = '';
	note('ok', `Merged ${others.length} issue${others.length === 1 ? '' : 's'} into this one; the counts catch up in a moment.`);
	refresh();
});

function refresh() {
	cursors = [''];
	page = 0;
	loadIssue();
	loadEvents();
}

$('#refresh').addEventListener('click', refresh);
$('#older').addEventListener('click', () => {
	if (!nextCursor)
		return;
	cursors[page + 1] = nextCursor;
	page++;
	loadEvents();
});
$('#newest').addEventListener('click', () => {
	page = 0;
	loadEvents();
});

async function init() {
	if (appId)
		loadAppName();
	if (!(await loadIssue())) {
		for (const panel of $$('main > section, main > .grid-2'))
			panel.classList.add('hidden');
		return;
	}
	for (const panel of $$('main > section, main > .grid-2'))
		panel.classList.remove('hidden');
	loadEvents();
}

init();
