// /alerts-ui — alert rules (create, delete) and the events they fired.
import { api, seg } from '../api.js';
import { $, formError, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { readForm, readQuery, writeQuery } from '../query.js';

layout('alerts');

const EVENTS_PAGE = 20;
const filter = $('#filters');
const ruleForm = $('#rule-form');
const rulesBox = $('#rules');
const eventsBox = $('#alert-events');
let services = [];
let rules = [];
let state = readQuery(['service_id', 'alert']);
let eventsOffset = 0;
let eventsNext = null;

const serviceName = (id) => (services.find((s) => s.id === id) || {}).name || id;

async function loadServices() {
	try {
		services = await api('/v1/services');
	} catch {
		services = [];
		return;
	}
	const options = () => services.map((s) => new Option(s.name, s.id));
	filter.elements.service_id.replaceChildren(new Option('all services', ''), ...options());
	filter.elements.service_id.value = state.service_id;
	ruleForm.elements.service_id.replaceChildren(...options());
	if (state.service_id)
		ruleForm.elements.service_id.value = state.service_id;
}

async function loadRules() {
	showLoading(rulesBox, 'Loading rules…');
	try {
		rules = await api('/v1/alerts', { query: { service_id: state.service_id } });
	} catch (err) {
		showError(rulesBox, err, loadRules);
		return;
	}
	if (!rules.length) {
		showEmpty(rulesBox, services.length ? 'No alert rules yet. Create one above.'
			: 'No services yet: register one on the Services page, then give it rules.');
	} else {
		rulesBox.replaceChildren(h('table', { id: 'rules-table' },
			h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Service'),
				h('th', null, 'Condition'), h('th', { class: 'num' }, 'Cooldown'), h('th', null, 'Webhook'),
				h('th', null, 'Last fired'), h('th', null, 'Created'), h('th', null, ''))),
			h('tbody', null, rules.map((rule) => h('tr', {
				class: `clickable${rule.id === state.alert ? ' selected' : ''}`,
				dataset: { id: rule.id },
				onclick: (event) => {
					if (!event.target.closest('button'))
						selectRule(rule.id);
				},
			},
			h('td', null, h('button', { type: 'button', class: 'link' }, rule.name),
				rule.description ? h('div', { class: 'small muted' }, rule.description) : null),
			h('td', null, serviceName(rule.service_id)),
			h('td', { class: 'mono' }, `${rule.condition_field} ${rule.condition_operator} ${rule.condition_value}`),
			h('td', { class: 'num' }, `${rule.cooldown_seconds ?? 0} s`),
			h('td', { class: 'path' }, rule.webhook_url || '–'),
			h('td', null, rule.last_fired_at ? timeEl(rule.last_fired_at) : 'never'),
			h('td', null, timeEl(rule.created_at)),
			h('td', null, h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => deleteRule(rule) }, 'Delete')))))));
	}
	if (state.alert)
		selectRule(state.alert, false);
}

function selectRule(id, resetPage = true) {
	state.alert = id;
	if (resetPage)
		eventsOffset = 0;
	writeQuery(state);
	for (const row of rulesBox.querySelectorAll('tbody tr'))
		row.classList.toggle('selected', row.dataset.id === id);
	const rule = rules.find((r) => r.id === id);
	$('#events-panel').classList.toggle('hidden', !id);
	if (!id)
		return;
	$('#events-title').textContent = rule ? `Fired events of "${rule.name}"` : 'Fired events';
	loadEvents();
}

async function loadEvents() {
	const id = state.alert;
	showLoading(eventsBox, 'Loading fired events…');
	let page;
	try {
		page = await api(`/v1/alerts/${seg(id)}/events`, { query: { limit: EVENTS_PAGE, offset: eventsOffset } });
	} catch (err) {
		showError(eventsBox, err, loadEvents);
		return;
	}
	if (id !== state.alert)
		return;
	eventsNext = page.next_offset;
	$('#older').disabled = eventsNext === null;
	$('#newer').disabled = eventsOffset === 0;
	if (!page.items.length) {
		showEmpty(eventsBox, 'This rule has not fired yet.');
		return;
	}
	eventsBox.replaceChildren(h('table', { id: 'alert-events-table' },
		h('thead', null, h('tr', null, h('th', null, 'Fired'), h('th', null, 'Field'),
			h('th', null, 'Observed value'), h('th', null, 'Request'), h('th', null, 'Webhook'))),
		h('tbody', null, page.items.map((ev) => h('tr', null,
			h('td', null, timeEl(ev.created_at)),
			h('td', { class: 'mono' }, ev.field),
			h('td', { class: 'mono' }, ev.observed_value === null || ev.observed_value === undefined ? '–'
				: typeof ev.observed_value === 'string' ? ev.observed_value : JSON.stringify(ev.observed_value)),
			h('td', null, ev.log_id ? h('a', { href: `/log/${encodeURIComponent(ev.log_id)}` }, 'view the request') : '–'),
			h('td', null, delivery(ev)))))));
}

/** An alert event's webhook delivery, as a badge with its detail. */
function delivery(ev) {
	const status = ev.delivery_status;
	if (!status || status === 'none')
		return '–';
	const cls = { delivered: 'on', failed: 'bad', pending: 's4', sending: 's3' }[status] || '';
	const attempts = ev.delivery_attempts ? ` after ${ev.delivery_attempts} attempt${ev.delivery_attempts > 1 ? 's' : ''}` : '';
	return h('span', null, h('span', { class: `badge ${cls}`, title: ev.delivery_error || '' }, status), attempts,
		ev.delivery_error ? h('div', { class: 'small muted' }, ev.delivery_error) : null);
}

async function deleteRule(rule) {
	if (!window.confirm(`Delete the rule "${rule.name}" and its fired events?`))
		return;
	try {
		await api(`/v1/alerts/${seg(rule.id)}`, { method: 'DELETE' });
	} catch (err) {
		showError(rulesBox, err, loadRules);
		return;
	}
	if (state.alert === rule.id)
		selectRule('');
	loadRules();
}

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

filter.addEventListener('change', () => {
	state = { service_id: filter.elements.service_id.value, alert: '' };
	if (state.service_id)
		ruleForm.elements.service_id.value = state.service_id;
	$('#events-panel').classList.add('hidden');
	writeQuery(state, { push: true });
	loadRules();
});
$('#older').addEventListener('click', () => {
	if (eventsNext === null)
		return;
	eventsOffset = eventsNext;
	loadEvents();
});
$('#newer').addEventListener('click', () => {
	eventsOffset = Math.max(0, eventsOffset - EVENTS_PAGE);
	loadEvents();
});
window.addEventListener('popstate', () => {
	state = readQuery(['service_id', 'alert']);
	filter.elements.service_id.value = state.service_id;
	$('#events-panel').classList.toggle('hidden', !state.alert);
	loadRules();
});

loadServices().then(loadRules);
