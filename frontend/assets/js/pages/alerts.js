// /alerts-ui — what fires now; alert rules of every kind (create, switch on
// and off, delete); a rule's state, its last 24 hours as a chart and the
// events it fired; the channels the rules notify.
import { api, pool, seg } from '../api.js';
import {
	describeRule, drawnAs, eventStateBadge, fmtThreshold, fmtValue, isAppRule, isThreshold, kindText, listItems,
	ONE_OFF_METRICS, ruleMetric, rulePath, stateBadge, windowWords,
} from '../alert-rules.js';
import { channelLabel, channelsRegion } from '../channels.js';
import { chartsAvailable, thresholdChart } from '../charts.js';
import { $, $$, errorBox, formError, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { readForm, readQuery, writeQuery } from '../query.js';
import { offerChannels, pointsWords, ruleForms } from '../rule-forms.js';
import { cursorWalk } from '../walk.js';

layout('alerts');

const EVENTS_PAGE = 20;
/** How often "Firing now" asks again, while the page is in view. */
const FIRING_EVERY_MS = 10000;
const filter = $('#filters');
const ruleForm = $('#rule-form');
const rulesBox = $('#rules');
const rulesMessage = $('#rules-message');
const eventsBox = $('#alert-events');
const firingBox = $('#firing');
let services = [];
let apps = [];
let rules = [];
let firingIds = '';
// The page's URL: the owner picked, the rule shown and the cursor of its
// page of events.
const URL_NAMES = ['service_id', 'application_id', 'alert', 'cursor'];
let state = readQuery(URL_NAMES);
const walk = cursorWalk('alertEvents');
walk.restore(state.cursor);
/** The rule whose events the walk goes through. */
let walkRule = state.alert;
/** The points of the rule shown in the detail panel, once loaded. */
let seriesPoints = null;
let detailGeneration = 0;

const channels = channelsRegion({
	onChange(list) {
		offerChannels([forms.windowForm, forms.appForm], list);
		if (rules.length)
			renderRules();
	},
});
const forms = ruleForms({
	onCreated(rule) {
		state.alert = rule.id;
		loadRules();
	},
});

const serviceName = (id) => (services.find((s) => String(s.id) === String(id)) || {}).name || id;
const appName = (id) => (apps.find((a) => String(a.id) === String(id)) || {}).name || id;

/** The rule's service or application, as a link to its page. */
function ownerLink(rule) {
	if (isAppRule(rule))
		return h('a', { href: `/errors/${encodeURIComponent(rule.application_id)}` }, appName(rule.application_id));
	return h('a', { href: `/metrics-ui?service_id=${encodeURIComponent(rule.service_id)}` }, serviceName(rule.service_id));
}

/** The rule's service or application, by name. */
const ownerName = (rule) => (isAppRule(rule) ? appName(rule.application_id) : serviceName(rule.service_id));

/** The names of the rule's channels (and a threshold rule's webhook). */
function channelNames(rule) {
	const known = channels.channels();
	const names = (rule.channel_ids || []).map((id) => {
		const c = known.find((x) => x.id === id);
		return h('span', { class: 'tag' }, c ? channelLabel(c) : id);
	});
	if (rule.webhook_url)
		names.push(h('div', { class: 'path' }, rule.webhook_url));
	return names.length ? names : '–';
}

/** The rules of application id (none when it has gone meanwhile). */
async function appRules(id) {
	try {
		return listItems(await api(`/apps/${seg(id)}/alerts`));
	} catch (err) {
		if (err.status === 404)
			return [];
		throw err;
	}
}

// --- services and applications ------------------------------------------------

async function loadOwners() {
	const [s, a] = await Promise.all([
		api('/v1/services').catch(() => []),
		api('/apps').catch(() => []),
	]);
	services = listItems(s);
	apps = listItems(a);
	const serviceOptions = () => services.map((x) => new Option(x.name, x.id));
	const appOptions = () => apps.map((x) => new Option(x.name, x.id));
	const owner = filter.elements.owner;
	owner.replaceChildren(new Option('all services and applications', ''),
		h('optgroup', { label: 'Services' }, serviceOptions()),
		h('optgroup', { label: 'Applications' }, appOptions()));
	owner.value = state.service_id || state.application_id || '';
	ruleForm.elements.service_id.replaceChildren(...serviceOptions());
	forms.windowForm.elements.service_id.replaceChildren(...serviceOptions());
	forms.appForm.elements.application_id.replaceChildren(...appOptions());
	if (state.service_id) {
		ruleForm.elements.service_id.value = state.service_id;
		forms.windowForm.elements.service_id.value = state.service_id;
	}
	if (state.application_id)
		forms.appForm.elements.application_id.value = state.application_id;
}

// --- firing now ---------------------------------------------------------------

/** When rule last began to fire: its newest "firing" event's time, or null. */
async function firingSince(rule) {
	try {
		const page = await api(`/v1/alerts/${seg(rule.id)}/events`, { query: { limit: EVENTS_PAGE } });
		const ev = listItems(page).find((e) => e.state === 'firing');
		return ev ? ev.created_at : null;
	} catch {
		return null;
	}
}

/** "for 12 min", "for 3 h" since iso. */
function forHowLong(iso) {
	const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
	if (s < 60)
		return `for ${s} s`;
	if (s < 3600)
		return `for ${Math.floor(s / 60)} min`;
	if (s < 2 * 86400)
		return `for ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `for ${Math.floor(s / 86400)} days`;
}

/** GET /v1/alerts?state=firing (the rules of services and applications);
 *  quiet: no loading note (a refresh in the background). */
async function loadFiring(quiet = false) {
	if (!quiet || !firingBox.firstChild)
		showLoading(firingBox, 'Looking for rules that fire…');
	let firing;
	let since;
	try {
		firing = listItems(await api('/v1/alerts', { query: { state: 'firing' } }))
			.filter((r) => r.state === 'firing' && r.enabled !== false);
		since = await pool(firing.map((r) => () => firingSince(r)));
	} catch (err) {
		if (!quiet)
			showError(firingBox, err, () => loadFiring());
		return;
	}
	const ids = firing.map((r) => r.id).sort().join();
	if (quiet && ids !== firingIds)
		loadRules(true);
	firingIds = ids;
	if (!firing.length) {
		firingBox.replaceChildren(h('p', { class: 'state ok', id: 'nothing-firing' },
			'Nothing is firing: every rule that watches a window is within its threshold.'));
		return;
	}
	firingBox.replaceChildren(h('table', { id: 'firing-table' },
		h('thead', null, h('tr', null, h('th', null, 'Rule'), h('th', null, 'Of'), h('th', null, 'Condition'),
			h('th', { class: 'num' }, 'Value'), h('th', { class: 'num' }, 'Threshold'), h('th', null, 'Firing since'))),
		h('tbody', null, firing.map((rule, i) => h('tr', { class: 'firing', dataset: { id: rule.id } },
			h('td', null, h('span', { class: 'badge bad' }, 'firing'), ' ',
				h('button', { type: 'button', class: 'link', onclick: () => selectRule(rule.id, true, true) }, rule.name)),
			h('td', null, ownerLink(rule)),
			h('td', { class: 'mono' }, describeRule(rule)),
			h('td', { class: 'num' }, fmtValue(ruleMetric(rule), rule.last_value)),
			h('td', { class: 'num' }, fmtThreshold(ruleMetric(rule), rule.threshold)),
			h('td', null, since[i] ? [timeEl(since[i]), h('div', { class: 'small muted' }, forHowLong(since[i]))] : '–'))))));
}

// --- the rules ------------------------------------------------------------------

/** The rules of the owner picked: GET /v1/alerts lists every service's and
 *  application's. */
async function fetchRules() {
	if (state.application_id)
		return appRules(state.application_id);
	return listItems(await api('/v1/alerts', { query: { service_id: state.service_id } }));
}

/** Loads and shows the rules; quiet keeps the table shown until the answer. */
async function loadRules(quiet = false) {
	if (!quiet || !$('#rules-table'))
		showLoading(rulesBox, 'Loading rules…');
	try {
		rules = await fetchRules();
	} catch (err) {
		showError(rulesBox, err, () => loadRules());
		return;
	}
	renderRules();
	if (state.alert && !quiet)
		selectRule(state.alert, false);
}

function renderRules() {
	if (!rules.length) {
		showEmpty(rulesBox, services.length || apps.length ? 'No alert rules yet. Create one above.'
			: 'No services yet: register one on the Services page, then give it rules.');
		return;
	}
	rulesBox.replaceChildren(h('table', { id: 'rules-table' },
		h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Of'), h('th', null, 'Condition'),
			h('th', null, 'Kind'), h('th', null, 'State'), h('th', { class: 'num' }, 'Last value'),
			h('th', null, 'Last fired / checked'), h('th', null, 'Enabled'), h('th', null, 'Channels'), h('th', null, ''))),
		h('tbody', null, rules.map((rule) => h('tr', {
			class: `clickable${String(rule.id) === state.alert ? ' selected' : ''}`,
			dataset: { id: rule.id, state: rule.state || '' },
			onclick: (event) => {
				if (!event.target.closest('button, input, label, a'))
					selectRule(rule.id);
			},
		},
		h('td', null, h('button', { type: 'button', class: 'link', onclick: () => selectRule(rule.id) }, rule.name),
			rule.description ? h('div', { class: 'small muted' }, rule.description) : null),
		h('td', null, ownerName(rule)),
		h('td', { class: 'mono condition' }, describeRule(rule)),
		h('td', null, kindText(rule)),
		h('td', null, stateBadge(rule)),
		h('td', { class: 'num' }, fmtValue(ruleMetric(rule), rule.last_value)),
		h('td', null, lastFired(rule)),
		h('td', null, enabledControl(rule)),
		h('td', null, channelNames(rule)),
		h('td', null, h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => deleteRule(rule) }, 'Delete')))))));
}

/** A threshold rule's last firing; a window rule's last evaluation. */
function lastFired(rule) {
	if (rule.last_fired_at)
		return timeEl(rule.last_fired_at);
	if (!isThreshold(rule) && rule.last_evaluated_at)
		return h('span', { class: 'small muted' }, 'checked ', timeEl(rule.last_evaluated_at));
	return 'never';
}

/** The switch of a rule (members), or its word (viewers). */
function enabledControl(rule) {
	if (!('enabled' in rule))
		return '–';
	const on = rule.enabled !== false;
	const word = h('span', null, on ? 'on' : 'off');
	return [
		h('label', { class: 'inline toggle', 'data-needs': 'member' },
			h('input', { type: 'checkbox', class: 'enabled-toggle', checked: on, 'aria-label': `rule "${rule.name}" enabled`,
				onchange: (event) => setEnabled(rule, event.currentTarget, word) }),
			word),
		h('span', { class: `viewer-only badge ${on ? 'on' : 'off'}` }, on ? 'on' : 'off'),
	];
}

/** PATCH the rule's enabled to the box's value; the box goes back on failure. */
async function setEnabled(rule, box, word) {
	const enabled = box.checked;
	box.disabled = true;
	rulesMessage.replaceChildren();
	try {
		const changed = await api(rulePath(rule), { method: 'PATCH', body: { enabled } });
		Object.assign(rule, changed || { enabled });
	} catch (err) {
		box.checked = !enabled;
		box.disabled = false;
		rulesMessage.replaceChildren(errorBox(err));
		return;
	}
	box.disabled = false;
	word.textContent = rule.enabled !== false ? 'on' : 'off';
	const row = box.closest('tr');
	row.cells[4].replaceChildren(stateBadge(rule));
	if (state.alert === String(rule.id))
		renderSummary(rule);
	loadFiring(true);
}

async function deleteRule(rule) {
	if (!window.confirm(`Delete the rule "${rule.name}" and its events?`))
		return;
	try {
		await api(rulePath(rule), { method: 'DELETE' });
	} catch (err) {
		showError(rulesBox, err, () => loadRules());
		return;
	}
	if (state.alert === String(rule.id))
		selectRule('');
	loadRules();
	loadFiring(true);
}

// --- one rule: its state, its last 24 hours, its events ---------------------------

/** Hides the detail panel and empties what it was loading: the answers still
 *  on their way are for a rule no longer shown, and are dropped. */
function hideDetail() {
	++detailGeneration;
	$('#events-panel').classList.add('hidden');
	$('#series-note').replaceChildren();
	eventsBox.replaceChildren();
}

/** Shows rule id in the detail panel; scroll: bring the panel into view. */
async function selectRule(ruleId, resetPage = true, scroll = false) {
	const id = ruleId ? String(ruleId) : '';
	state.alert = id;
	if (resetPage || id !== walkRule)
		walk.reset();
	walkRule = id;
	state.cursor = walk.cursor;
	writeQuery(state, { data: walk.entry() });
	for (const row of rulesBox.querySelectorAll('tbody tr'))
		row.classList.toggle('selected', row.dataset.id === id);
	if (!id) {
		hideDetail();
		return;
	}
	const panel = $('#events-panel');
	panel.classList.remove('hidden');
	const mine = ++detailGeneration;
	let rule = rules.find((r) => String(r.id) === id);
	if (!rule) {
		try {
			rule = await api(`/v1/alerts/${seg(id)}`);
		} catch {
			rule = null;   // the events say what is wrong
		}
		if (mine !== detailGeneration)
			return;
	}
	$('#events-title').textContent = rule ? `Rule "${rule.name}"` : 'Rule';
	renderSummary(rule);
	if (scroll)
		panel.scrollIntoView({ block: 'start' });
	seriesPoints = null;
	const charted = rule && !isThreshold(rule) && !ONE_OFF_METRICS.includes(ruleMetric(rule));
	$('#series-box').classList.toggle('hidden', !charted);
	if (charted)
		loadSeries(rule, mine);
	else
		$('#series-note').replaceChildren();   // a late answer of the rule before is dropped
	loadEvents(rule);
}

function renderSummary(rule) {
	const box = $('#rule-summary');
	if (!rule) {
		box.replaceChildren();
		return;
	}
	const metric = ruleMetric(rule);
	const item = (label, ...value) => [h('dt', null, label), h('dd', null, ...value)];
	box.replaceChildren(h('dl', { class: 'kv', id: 'rule-facts' },
		item('State', stateBadge(rule)),
		item('Condition', h('span', { class: 'mono' }, describeRule(rule))),
		item('Kind', kindText(rule)),
		item(isAppRule(rule) ? 'Application' : 'Service', ownerLink(rule)),
		isThreshold(rule) ? null : item('Last value', fmtValue(metric, rule.last_value),
			rule.last_evaluated_at ? h('span', { class: 'small muted' }, ' checked ', timeEl(rule.last_evaluated_at)) : null),
		isThreshold(rule) ? item('Last fired', rule.last_fired_at ? timeEl(rule.last_fired_at) : 'never') : null,
		isThreshold(rule) ? item('Cooldown', `${rule.cooldown_seconds ?? 0} s`) : null,
		item('Channels', channelNames(rule)),
		rule.description ? item('Description', rule.description) : null,
		item('Created', timeEl(rule.created_at))));
}

async function loadSeries(rule, mine) {
	const note = $('#series-note');
	showLoading(note, 'Loading the last 24 hours…');
	let answer;
	try {
		answer = await api(`/v1/alerts/${seg(rule.id)}/series`);
	} catch (err) {
		if (mine === detailGeneration)
			showError(note, err, () => loadSeries(rule, mine));
		return;
	}
	if (mine !== detailGeneration)
		return;
	seriesPoints = (answer && answer.points) || [];
	drawSeries(rule, currentEvents);
}

let currentEvents = [];

/** Draws the rule's series with its threshold and the events of the page
 *  shown as markers: red where it fired, green where it resolved. */
function drawSeries(rule, events) {
	if (!seriesPoints)
		return;
	const note = $('#series-note');
	const canvas = $('#series-chart');
	canvas.dataset.points = String(seriesPoints.length);
	if (!chartsAvailable()) {
		note.replaceChildren(h('p', { class: 'state error' }, 'The chart library did not load: the chart is missing.'));
		return;
	}
	const metric = ruleMetric(rule);
	const { scale, format } = drawnAs(metric);
	const markers = events.filter((e) => e.state === 'firing' || e.state === 'resolved').map((e) => ({
		t: e.created_at,
		value: scale(e.value ?? e.observed_value),
		colour: e.state === 'firing' ? '#cf3b3b' : '#1e8a4c',
		label: e.state,
	}));
	thresholdChart(canvas, seriesPoints.map((p) => ({ t: p.t, value: scale(p.value) })),
		{ label: metric, threshold: scale(rule.threshold), markers, format });
	const measured = seriesPoints.some((p) => p.value !== null && p.value !== undefined);
	note.replaceChildren(h('p', { class: 'muted small' },
		!seriesPoints.length ? 'No data in the last 24 hours.'
			: `${pointsWords(seriesPoints, rule.window_seconds)} ${measured ? '' : 'None has a value: nothing was measured. '}` +
				'The dashed line is the threshold; red triangles mark where the rule fired, green where it resolved (the events listed below).'));
}

async function loadEvents(rule) {
	const id = state.alert;
	const cursor = walk.cursor;
	showLoading(eventsBox, 'Loading events…');
	let page;
	try {
		page = await api(`/v1/alerts/${seg(id)}/events`, { query: { limit: EVENTS_PAGE, cursor } });
	} catch (err) {
		showError(eventsBox, err, () => loadEvents(rule));
		$('#older').disabled = true;
		$('#newer').disabled = walk.first;
		return;
	}
	if (id !== state.alert || cursor !== walk.cursor)
		return;
	const items = listItems(page);
	currentEvents = items;
	walk.shown(items.length, page.next_cursor);
	$('#older').disabled = !walk.next;
	$('#newer').disabled = walk.first;
	if (rule && seriesPoints)
		drawSeries(rule, items);
	if (!items.length) {
		showEmpty(eventsBox, walk.first ? 'This rule has not fired yet.' : 'No older events.');
		return;
	}
	eventsBox.replaceChildren(rule && !isThreshold(rule) ? stateEventsTable(rule, items) : firedEventsTable(items));
}

/** The events of a threshold rule: each log that matched. */
function firedEventsTable(items) {
	return h('table', { id: 'alert-events-table' },
		h('thead', null, h('tr', null, h('th', null, 'Fired'), h('th', null, 'Field'),
			h('th', null, 'Observed value'), h('th', null, 'Request'), h('th', null, 'Delivery'))),
		h('tbody', null, items.map((ev) => h('tr', null,
			h('td', null, timeEl(ev.created_at)),
			h('td', { class: 'mono' }, ev.field),
			h('td', { class: 'mono' }, ev.observed_value === null || ev.observed_value === undefined ? '–'
				: typeof ev.observed_value === 'string' ? ev.observed_value : JSON.stringify(ev.observed_value)),
			h('td', null, ev.log_id ? h('a', { href: `/log/${encodeURIComponent(ev.log_id)}` }, 'view the request') : '–'),
			h('td', null, delivery(ev))))));
}

/** The events of a window or application rule: firing, resolved, or (a new
 *  issue, a regression) fired. */
function stateEventsTable(rule, items) {
	const metric = ruleMetric(rule);
	return h('table', { id: 'alert-events-table' },
		h('thead', null, h('tr', null, h('th', null, 'When'), h('th', null, 'State'),
			h('th', { class: 'num' }, 'Value'), h('th', null, 'Window'), h('th', null, 'What'), h('th', null, 'Delivery'))),
		h('tbody', null, items.map((ev) => h('tr', { dataset: { state: ev.state || '' } },
			h('td', null, timeEl(ev.created_at)),
			h('td', null, eventStateBadge(ev.state)),
			h('td', { class: 'num' }, fmtValue(metric, ev.value)),
			h('td', null, ev.window_seconds ? windowWords(ev.window_seconds) : '–'),
			h('td', null, ev.issue_id && rule.application_id
				? h('a', { href: `/errors/${encodeURIComponent(rule.application_id)}/issues/${encodeURIComponent(ev.issue_id)}` },
					ev.detail || 'the issue')
				: ev.log_id ? h('a', { href: `/log/${encodeURIComponent(ev.log_id)}` }, 'view the request')
					: (ev.detail || '–')),
			h('td', null, delivery(ev))))));
}

/** An event's deliveries: one per channel when the answer lists them, else
 *  the event's own webhook delivery; each a badge with its detail. */
function delivery(ev) {
	if (Array.isArray(ev.deliveries) && ev.deliveries.length) {
		const known = channels.channels();
		return ev.deliveries.map((d) => {
			const c = known.find((x) => x.id === d.channel_id);
			return h('div', null, c ? `${c.name}: ` : '', deliveryBadge(d));
		});
	}
	return deliveryBadge(ev);
}

function deliveryBadge(d) {
	const status = d.delivery_status || d.status;
	if (!status || status === 'none')
		return '–';
	const cls = { delivered: 'on', failed: 'bad', pending: 's4', sending: 's3' }[status] || '';
	const n = d.delivery_attempts ?? d.attempts;
	const error = d.delivery_error ?? d.error;
	const attempts = n ? ` after ${n} attempt${n > 1 ? 's' : ''}` : '';
	return h('span', null, h('span', { class: `badge ${cls}`, title: error || '' }, status), attempts,
		error ? h('div', { class: 'small muted' }, error) : null);
}

// --- the threshold form ---------------------------------------------------------

ruleForm.addEventListener('submit', async (event) => {
	event.preventDefault();
	const values = readForm(ruleForm, ['service_id', 'name', 'description', 'condition_field',
		'condition_operator', 'condition_value', 'cooldown_seconds', 'webhook_url']);
	const body = {
		service_id: values.service_id,
		name: values.name,
		condition_field: values.condition_field,
		condition_operator: values.condition_operator,
		condition_value: values.condition_value,
	};
	if (values.description)
		body.description = values.description;
	if (values.cooldown_seconds)
		body.cooldown_seconds = Number(values.cooldown_seconds);
	if (values.webhook_url)
		body.webhook_url = values.webhook_url;
	formError(ruleForm, null);
	try {
		const rule = await api('/v1/alerts', { method: 'POST', body });
		ruleForm.reset();
		ruleForm.elements.service_id.value = state.service_id || rule.service_id;
		state.alert = rule.id;
		await loadRules();
	} catch (err) {
		formError(ruleForm, err);
	}
});

// --- the page -------------------------------------------------------------------

/** Shows the tab of the new-rule kind (threshold, window, app). */
function showTab(name) {
	for (const tab of $$('[role=tab]')) {
		const on = tab.dataset.tab === name;
		tab.setAttribute('aria-selected', String(on));
		tab.tabIndex = on ? 0 : -1;
		$(`#${tab.getAttribute('aria-controls')}`).classList.toggle('hidden', !on);
	}
}

for (const tab of $$('[role=tab]')) {
	tab.addEventListener('click', () => showTab(tab.dataset.tab));
	tab.addEventListener('keydown', (event) => {
		if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft')
			return;
		const tabs = $$('[role=tab]');
		const next = tabs[(tabs.indexOf(tab) + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
		showTab(next.dataset.tab);
		next.focus();
	});
}

/** The state of the page from the owner picked in the filter. */
function ownerState(id) {
	return {
		service_id: services.some((s) => String(s.id) === id) ? id : '',
		application_id: apps.some((a) => String(a.id) === id) ? id : '',
		alert: '',
	};
}

filter.elements.owner.addEventListener('change', () => {
	state = ownerState(filter.elements.owner.value);
	if (state.service_id) {
		ruleForm.elements.service_id.value = state.service_id;
		forms.windowForm.elements.service_id.value = state.service_id;
	}
	if (state.application_id)
		forms.appForm.elements.application_id.value = state.application_id;
	hideDetail();
	writeQuery(state, { push: true });
	loadRules();
	forms.refresh();
});
$('#refresh').addEventListener('click', () => {
	loadRules();
	loadFiring();
	channels.load();
});
/** Shows the events' page the walk has moved to, its cursor in the URL. */
function turnPage() {
	state.cursor = walk.cursor;
	writeQuery(state, { data: walk.entry() });
	loadEvents(rules.find((r) => String(r.id) === state.alert));
}

$('#older').addEventListener('click', () => {
	if (walk.older())
		turnPage();
});
$('#newer').addEventListener('click', () => {
	if (walk.newer())
		turnPage();
});
window.addEventListener('popstate', () => {
	state = readQuery(URL_NAMES);
	walk.restore(state.cursor);
	walkRule = state.alert;
	filter.elements.owner.value = state.service_id || state.application_id || '';
	if (!state.alert)
		hideDetail();
	loadRules();
});
setInterval(() => {
	if (!document.hidden)
		loadFiring(true);
}, FIRING_EVERY_MS);

showLoading(firingBox, 'Looking for rules that fire…');
loadOwners().then(async () => {
	await channels.load();
	loadRules();
	loadFiring();
	forms.refresh();
});
