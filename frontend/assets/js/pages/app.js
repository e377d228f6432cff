// /errors/<app_id> — an application's issues first (issue-list.js), then its
// events with level and time filters and pages, an event's stack and tags on
// click, the time series, counts by level and the top messages.
import { api, seg } from '../api.js';
import { bucketLabel, chartsAvailable, doughnutChart, draw, levelColour, timeChart } from '../charts.js';
import { $, $$, fmtCount, h, kvTable, levelBadge, setChildren, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { contextView, stackView } from '../eventview.js';
import { issueList } from '../issue-list.js';
import { issueHref } from '../issues.js';
import { layout, pathParam } from '../layout.js';
import { fillForm, onFilterChange, readForm, readQuery, showCustomTime, windowOptions, windowRange, writeQuery } from '../query.js';
import { retentionForm } from '../retention.js';
import { cursorWalk } from '../walk.js';

layout('errors');

const appId = pathParam('/errors/');
const FILTERS = ['level', 'window', 'since', 'until', 'interval', 'limit'];
const SPANS = { MINUTE: 60e3, HOUR: 3600e3, DAY: 86400e3, WEEK: 7 * 86400e3 };
const form = $('#filters');
const eventsBox = $('#events');
const walk = cursorWalk('events');
let openEvent = '';
let generation = 0;
const issues = appId ? issueList(appId) : null;

windowOptions(form.elements.window, 'any time');

function fromUrl() {
	const q = readQuery([...FILTERS, 'cursor', 'event']);
	if (!q.window)
		q.window = q.since || q.until ? 'custom' : '24h';
	if (q.window === 'all')
		q.window = '';
	if (!q.limit)
		q.limit = '20';
	fillForm(form, q);
	walk.restore(q.cursor);   // an offset of older links: the first page
	openEvent = q.event;
	showCustomTime(form);
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
	else if (state.window === '')
		state.window = 'all';
	if (state.limit === '20')
		state.limit = '';
	return { ...state, cursor: walk.cursor, offset: '', event: openEvent };
}

function range() {
	const state = readForm(form, FILTERS);
	return windowRange(state.window, state.since, state.until);
}

/** The interval for the series: the chosen one, or one that gives 12–100 buckets. */
function interval(since, until) {
	const chosen = form.elements.interval.value;
	if (chosen)
		return chosen;
	const span = (until ? new Date(until) : new Date()) - (since ? new Date(since) : new Date(Date.now() - 86400e3));
	if (span <= 3 * 3600e3)
		return 'MINUTE';
	if (span <= 7 * 86400e3)
		return 'HOUR';
	if (span <= 120 * 86400e3)
		return 'DAY';
	return 'WEEK';
}

function showMeta(app) {
	$('#app-meta').textContent = ` · application ${app.id} · key ${app.ingest_key_prefix}… · created ${app.created_at}`
		+ ` · events kept ${app.retention_days} days`;
}

async function loadApp() {
	if (!appId) {
		showError($('#app-state'), { status: 404, message: 'This address names no application: /errors/<app_id>.' });
		return false;
	}
	showLoading($('#app-state'), 'Loading the application…');
	try {
		const app = await api(`/apps/${seg(appId)}`);
		document.title = `${app.name} · telltale`;
		$('#title').textContent = app.name;
		showMeta(app);
		retentionForm($('#retention-form'), `/apps/${seg(appId)}`, app.retention_days, showMeta);
		return true;
	} catch (err) {
		if (err.status === 404)
			err.message = `There is no application ${appId}.`;
		showError($('#app-state'), err, err.status === 404 ? null : () => { init(); });
		for (const panel of $$('main > section, main > .grid-2'))
			panel.classList.add('hidden');
		return false;
	}
}

async function loadEvents() {
	const mine = ++generation;
	const { since, until } = range();
	showLoading(eventsBox, 'Loading events…');
	$('#page-info').textContent = '';
	let page;
	try {
		page = await api(`/apps/${seg(appId)}/events`, {
			query: { level: form.elements.level.value, since, until, limit: form.elements.limit.value, cursor: walk.cursor },
		});
	} catch (err) {
		if (mine === generation) {
			showError(eventsBox, err, loadEvents);
			$('#older').disabled = true;
			$('#newer').disabled = walk.first;
		}
		return;
	}
	if (mine !== generation)
		return;
	walk.shown(page.items.length, page.next_cursor);
	$('#older').disabled = !walk.next;
	$('#newer').disabled = walk.first;
	if (!page.items.length) {
		showEmpty(eventsBox, walk.first ? 'No events match these filters.' : 'No more events.');
		return;
	}
	const span = walk.range(page.items.length);
	$('#page-info').textContent = span ? `events ${span}` : 'events further back';
	eventsBox.replaceChildren(h('table', { id: 'events-table' },
		h('thead', null, h('tr', null, h('th', null, 'Received'), h('th', null, 'Level'),
			h('th', null, 'Message'), h('th', null, 'Tags'))),
		h('tbody', null, page.items.map((ev) => h('tr', {
			class: `clickable${String(ev.id) === openEvent ? ' selected' : ''}`,
			dataset: { id: String(ev.id) },
			tabindex: '0',
			onclick: () => showEvent(String(ev.id)),
			onkeydown: (e) => { if (e.key === 'Enter') showEvent(String(ev.id)); },
		},
		h('td', null, timeEl(ev.received_at)),
		h('td', null, levelBadge(ev.level)),
		h('td', { class: 'msg' }, ev.message),
		h('td', null, ev.tags ? Object.entries(ev.tags).slice(0, 4).map(([k, v]) =>
			h('span', { class: 'tag' }, `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)) : ''))))));
}

async function showEvent(id) {
	openEvent = id;
	writeQuery(urlState(), { merge: true });
	for (const row of $$('#events-table tbody tr'))
		row.classList.toggle('selected', row.dataset.id === id);
	const panel = $('#event-panel');
	const box = $('#event');
	panel.classList.toggle('hidden', !id);
	if (!id) {
		box.replaceChildren();   // a late answer of the event before is dropped
		return;
	}
	showLoading(box, 'Loading the event…');
	let ev;
	try {
		ev = await api(`/apps/${seg(appId)}/events/${seg(id)}`);
	} catch (err) {
		if (id === openEvent)
			showError(box, err);
		return;
	}
	if (id !== openEvent)
		return;   // another event was picked meanwhile
	$('#event-title').textContent = `Event ${ev.id}`;
	setChildren(box,
		h('dl', { class: 'kv' },
			h('dt', null, 'Level'), h('dd', null, levelBadge(ev.level)),
			h('dt', null, 'Occurred'), h('dd', null, timeEl(ev.occurred_at)),
			h('dt', null, 'Received'), h('dd', null, timeEl(ev.received_at)),
			h('dt', null, 'Event id'), h('dd', { class: 'mono' }, ev.event_id || '–'),
			h('dt', null, 'Environment'), h('dd', null, ev.environment ?? '–'),
			h('dt', null, 'Release'), h('dd', null, ev.release ?? '–'),
			h('dt', null, 'Issue'), h('dd', null, ev.issue_id === null || ev.issue_id === undefined ? '–'
				: h('a', { id: 'event-issue', href: issueHref(appId, ev.issue_id) }, `#${ev.issue_id}`))),
		h('h3', null, 'Message'),
		h('pre', { id: 'event-message' }, ev.message),
		h('h3', null, 'Stack'),
		stackView(ev.stack, ev.message),
		h('h3', null, 'Tags'),
		kvTable(ev.tags, 'no tags'),
		ev.context ? [h('h3', null, 'Context'), contextView(ev.context)] : null);
	panel.scrollIntoView({ block: 'nearest' });
}

async function loadStats() {
	const mine = generation;
	const { since, until } = range();
	const level = form.elements.level.value;
	const iv = interval(since, until);
	const note = $('#series-note');
	const levelsNote = $('#levels-note');
	const top = $('#top');
	showLoading(note, 'Loading the time series…');
	showLoading(top, 'Loading…');
	const base = `/apps/${seg(appId)}/stats`;
	const [series, levels, messages] = await Promise.allSettled([
		api(`${base}/timeseries`, { query: { since, until, interval: iv, level } }),
		api(`${base}/by-level`, { query: { since, until } }),
		api(`${base}/top-messages`, { query: { since, until, level, limit: 10 } }),
	]);
	if (mine !== generation)
		return;
	if (series.status === 'fulfilled') {
		const s = series.value;
		timeChart($('#chart-series'), s.series.map((b) => bucketLabel(b.bucket_start, SPANS[s.interval])),
			[{ label: level ? `${level} events` : 'events', data: s.series.map((b) => b.count), colour: level ? levelColour(level) : '#2f6fde' }]);
		const total = s.series.reduce((n, b) => n + b.count, 0);
		note.replaceChildren(h('p', { class: 'muted small' },
			`${fmtCount(total)} events from ${s.since} to ${s.until}, by ${s.interval.toLowerCase()}.`));
		if (!chartsAvailable())
			note.append(h('p', { class: 'state error' }, 'The chart library did not load: the charts are missing.'));
	} else {
		showError(note, series.reason);
	}
	if (levels.status === 'fulfilled') {
		const items = levels.value.items;
		if (items.length) {
			levelsNote.replaceChildren();
			doughnutChart($('#chart-levels'), items.map((i) => i.level), items.map((i) => i.count), items.map((i) => levelColour(i.level)));
		} else {
			draw($('#chart-levels'), { type: 'doughnut', data: { labels: [], datasets: [] } });
			showEmpty(levelsNote, 'No events in this window.');
		}
	} else {
		showError(levelsNote, levels.reason);
	}
	if (messages.status === 'fulfilled') {
		const items = messages.value.items;
		if (!items.length)
			showEmpty(top, 'No events in this window.');
		else
			top.replaceChildren(h('table', { id: 'top-table' },
				h('thead', null, h('tr', null, h('th', null, 'Message'), h('th', { class: 'num' }, 'Count'), h('th', null, 'Last seen'))),
				h('tbody', null, items.map((m) => h('tr', null,
					h('td', { class: 'msg' }, m.message), h('td', { class: 'num' }, fmtCount(m.count)), h('td', null, timeEl(m.last_seen)))))));
	} else {
		showError(top, messages.reason);
	}
}

function apply() {
	showCustomTime(form);
	walk.reset();
	writeQuery(urlState(), { merge: true, data: walk.entry() });
	loadEvents();
	loadStats();
}

onFilterChange(form, apply, 500);
$('#refresh').addEventListener('click', () => {
	if (issues)
		issues.load();
	loadEvents();
	loadStats();
});
$('#older').addEventListener('click', () => {
	if (!walk.older())
		return;
	writeQuery(urlState(), { push: true, merge: true, data: walk.entry() });
	loadEvents();
});
$('#newer').addEventListener('click', () => {
	if (!walk.newer())
		return;
	writeQuery(urlState(), { push: true, merge: true, data: walk.entry() });
	loadEvents();
});
$('#close-event').addEventListener('click', () => showEvent(''));
window.addEventListener('popstate', () => {
	fromUrl();
	loadEvents();
	loadStats();
	showEvent(openEvent);
});

async function init() {
	fromUrl();
	if (!(await loadApp()))
		return;
	$('#app-state').replaceChildren();
	for (const panel of $$('main > section:not(#event-panel), main > .grid-2'))
		panel.classList.remove('hidden');
	issues.load();
	loadEvents();
	loadStats();
	if (openEvent)
		showEvent(openEvent);
}

init();
