// / — services: register one, list them, create and revoke their keys, and
// the environment an OpenTelemetry SDK needs to send a service's spans.
import { api, seg } from '../api.js';
import { $, formError, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { readForm, readQuery, writeQuery } from '../query.js';
import { retentionForm } from '../retention.js';
import { copyText, secretBox } from '../secret.js';

layout('services');

const list = $('#services');
const keysPanel = $('#keys-panel');
const keysList = $('#keys');
const newKey = $('#new-key');
const connectPanel = $('#connect-panel');
let services = [];
let selected = readQuery(['service']).service;
/** The raw key just made for the selected service, until it is hidden or
 *  another service is picked; never stored. */
let freshKey = null;

async function loadServices() {
	showLoading(list, 'Loading services…');
	try {
		services = await api('/v1/services');
	} catch (err) {
		showError(list, err, loadServices);
		return;
	}
	renderServices();
	if (selected && services.some((s) => s.id === selected))
		selectService(selected, false);
	else if (selected)
		selectService('', false);
}

function renderServices() {
	if (!services.length) {
		showEmpty(list, 'No services yet. Register the first one above.');
		return;
	}
	list.replaceChildren(h('table', { id: 'services-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Name'), h('th', null, 'Description'), h('th', null, 'Base URL'),
			h('th', null, 'Created'), h('th', null, ''))),
		h('tbody', null, services.map((s) => h('tr', {
			class: s.id === selected ? 'selected' : '',
			dataset: { id: s.id },
		},
		h('td', null, h('button', { type: 'button', class: 'link', onclick: () => selectService(s.id) }, s.name)),
		h('td', null, s.description ?? ''),
		h('td', { class: 'path' }, s.base_url ? h('a', { href: s.base_url, rel: 'noopener noreferrer' }, s.base_url) : ''),
		h('td', null, timeEl(s.created_at)),
		h('td', null, h('div', { class: 'row' },
			h('button', { type: 'button', class: 'secondary', onclick: () => selectService(s.id) }, 'Keys'),
			h('a', { href: `/dashboard?service_id=${encodeURIComponent(s.id)}` }, 'Logs'),
			h('a', { href: `/metrics-ui?service_id=${encodeURIComponent(s.id)}` }, 'Metrics'),
			h('a', { href: `/alerts-ui?service_id=${encodeURIComponent(s.id)}` }, 'Alerts'),
			h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => deleteService(s) }, 'Delete'))))))));
}

function showRetention(service) {
	$('#retention-meta').textContent = `Its logs are kept ${service.retention_days} days.`;
}

function selectService(id, push = true) {
	selected = id;
	writeQuery({ service: id }, { push });
	newKey.replaceChildren();
	freshKey = null;
	for (const row of list.querySelectorAll('tbody tr'))
		row.classList.toggle('selected', row.dataset.id === id);
	const service = services.find((s) => s.id === id);
	keysPanel.classList.toggle('hidden', !service);
	connectPanel.classList.toggle('hidden', !service);
	if (!service) {
		keysList.replaceChildren();   // a late answer of the service before is dropped
		return;
	}
	$('#connect-title').textContent = `Connect ${service.name} with OpenTelemetry`;
	renderConnect();
	$('#keys-title').textContent = `Keys of ${service.name}`;
	showRetention(service);
	retentionForm($('#retention-form'), `/v1/services/${seg(id)}`, service.retention_days, (changed) => {
		Object.assign(service, changed);
		showRetention(service);
	});
	$('#service-links').replaceChildren(
		h('a', { href: `/dashboard?service_id=${encodeURIComponent(id)}` }, 'Request log'),
		h('a', { href: `/metrics-ui?service_id=${encodeURIComponent(id)}` }, 'Metrics'),
		h('a', { href: `/alerts-ui?service_id=${encodeURIComponent(id)}` }, 'Alerts'));
	loadKeys();
}

async function loadKeys() {
	const id = selected;
	showLoading(keysList, 'Loading keys…');
	let keys;
	try {
		keys = await api(`/v1/services/${seg(id)}/keys`);
	} catch (err) {
		if (id === selected)
			showError(keysList, err, loadKeys);
		return;
	}
	if (id !== selected)
		return;
	if (!keys.length) {
		showEmpty(keysList, 'This service has no keys yet.');
		return;
	}
	keysList.replaceChildren(h('table', { id: 'keys-table' },
		h('thead', null, h('tr', null,
			h('th', null, 'Name'), h('th', null, 'Prefix'), h('th', null, 'State'),
			h('th', null, 'Created'), h('th', null, ''))),
		h('tbody', null, keys.map((k) => h('tr', { dataset: { id: k.id } },
			h('td', null, k.name),
			h('td', { class: 'mono' }, `${k.key_prefix}…`),
			h('td', null, h('span', { class: `badge ${k.is_active ? 'on' : 'off'}` }, k.is_active ? 'active' : 'revoked')),
			h('td', null, timeEl(k.created_at)),
			h('td', null, k.is_active
				? h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => revokeKey(k) }, 'Revoke')
				: ''))))));
}

async function revokeKey(key) {
	if (!window.confirm(`Revoke the key "${key.name}"? Logs sent with it are refused from now on.`))
		return;
	try {
		await api(`/v1/services/${seg(selected)}/keys/${seg(key.id)}`, { method: 'DELETE' });
	} catch (err) {
		showError(keysList, err, loadKeys);
		return;
	}
	loadKeys();
}

async function deleteService(service) {
	if (!window.confirm(`Delete the service "${service.name}" with its keys, logs and alerts?`))
		return;
	try {
		await api(`/v1/services/${seg(service.id)}`, { method: 'DELETE' });
	} catch (err) {
		showError(list, err, loadServices);
		return;
	}
	if (selected === service.id)
		selectService('');
	loadServices();
}

$('#service-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const form = event.currentTarget;
	const values = readForm(form, ['name', 'description', 'base_url']);
	const body = { name: values.name };
	if (values.description)
		body.description = values.description;
	if (values.base_url)
		body.base_url = values.base_url;
	formError(form, null);
	try {
		const service = await api('/v1/services', { method: 'POST', body });
		form.reset();
		selected = service.id;
		await loadServices();
		selectService(service.id);
	} catch (err) {
		formError(form, err);
	}
});

/** POST /v1/services/{id}/keys for the selected service: shows the raw key
 *  once (in its box and in the OpenTelemetry environment) and lists the
 *  keys again. Throws the API's error. */
async function createKey(name) {
	const key = await api(`/v1/services/${seg(selected)}/keys`, { method: 'POST', body: { name } });
	freshKey = key.raw_key;
	newKey.replaceChildren(secretBox(`New key "${key.name}"`, key.raw_key,
		'Send logs with the header Authorization: Bearer <this key>, or spans with the environment below.',
		'key', () => {
			freshKey = null;
			renderConnect();
		}));
	renderConnect();
	loadKeys();
}

/** The environment of an OpenTelemetry SDK sending to this origin, with the
 *  service key key, or a placeholder for it. */
function otelEnv(key) {
	return [
		`OTEL_EXPORTER_OTLP_ENDPOINT=${window.location.origin}/otlp`,
		`OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer%20${key || '<service key>'}`,
		'OTEL_EXPORTER_OTLP_LOGS_HEADERS=Authorization=Bearer%20<application ingest key>',
		'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
	].join('\n');
}

/** The connect panel of the selected service, with the key just made if any. */
function renderConnect() {
	$('#otel-env').textContent = otelEnv(freshKey);
	$('#otel-new-key').classList.toggle('hidden', Boolean(freshKey));
	$('#otel-status').textContent = '';
}

$('#key-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const form = event.currentTarget;
	formError(form, null);
	try {
		await createKey(readForm(form, ['name']).name);
		form.reset();
	} catch (err) {
		formError(form, err);
	}
});

$('#otel-new-key').addEventListener('click', async (event) => {
	const button = event.currentTarget;
	button.disabled = true;
	try {
		await createKey('opentelemetry');
	} catch (err) {
		$('#otel-status').textContent = `No key made: ${err.message}`;
	}
	button.disabled = false;
});

$('#otel-copy').addEventListener('click', async () => {
	const env = $('#otel-env');
	$('#otel-status').textContent = (await copyText(env.textContent, env)) ? 'Copied.' : 'Select the lines and copy them by hand.';
});

window.addEventListener('popstate', () => {
	selected = readQuery(['service']).service;
	renderServices();
	selectService(selected, false);
});

loadServices();
