// /errors — applications: create one (its ingest key shown once), list them,
// give one a new key, delete one.
import { api, seg } from '../api.js';
import { $, formError, h, showEmpty, showError, showLoading, timeEl } from '../dom.js';
import { layout } from '../layout.js';
import { readForm } from '../query.js';
import { secretBox } from '../secret.js';

layout('errors');

const list = $('#apps');
const newKey = $('#new-key');

/** The DSN a Sentry SDK takes for app with key. */
function dsn(key, appId) {
	return `${window.location.protocol}//${key}@${window.location.host}/${appId}`;
}

function showKey(title, app) {
	newKey.replaceChildren(secretBox(title, app.ingest_key, h('span', null,
		'Send events with the header X-Ingest-Key, or give a Sentry SDK the DSN ',
		h('code', { class: 'dsn' }, dsn(app.ingest_key, app.id)), '.')));
}

async function loadApps() {
	showLoading(list, 'Loading applications…');
	let apps;
	try {
		apps = await api('/apps');
	} catch (err) {
		showError(list, err, loadApps);
		return;
	}
	if (!apps.length) {
		showEmpty(list, 'No applications yet. Create the first one above.');
		return;
	}
	list.replaceChildren(h('table', { id: 'apps-table' },
		h('thead', null, h('tr', null,
			h('th', { class: 'num' }, 'Id'), h('th', null, 'Name'), h('th', null, 'Key prefix'),
			h('th', null, 'Created'), h('th', null, ''))),
		h('tbody', null, apps.map((app) => h('tr', { dataset: { id: String(app.id) } },
			h('td', { class: 'num' }, String(app.id)),
			h('td', null, h('a', { href: `/errors/${encodeURIComponent(app.id)}` }, app.name)),
			h('td', { class: 'mono' }, `${app.ingest_key_prefix}…`),
			h('td', null, timeEl(app.created_at)),
			h('td', null, h('div', { class: 'row' },
				h('a', { href: `/errors/${encodeURIComponent(app.id)}` }, 'Events'),
				h('button', { type: 'button', class: 'secondary', 'data-needs': 'member', onclick: () => rotate(app) }, 'New key'),
				h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => remove(app) }, 'Delete'))))))));
}

async function rotate(app) {
	if (!window.confirm(`Give "${app.name}" a new ingest key? The current key stops working at once.`))
		return;
	try {
		const answer = await api(`/apps/${seg(app.id)}/ingest-key`, { method: 'POST' });
		showKey(`New ingest key of "${app.name}"`, { ...app, ...answer });
		newKey.scrollIntoView({ block: 'nearest' });
	} catch (err) {
		showError(newKey, err);
	}
	loadApps();
}

async function remove(app) {
	if (!window.confirm(`Delete "${app.name}" and all its events?`))
		return;
	try {
		await api(`/apps/${seg(app.id)}`, { method: 'DELETE' });
	} catch (err) {
		showError(list, err, loadApps);
		return;
	}
	newKey.replaceChildren();
	loadApps();
}

$('#app-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const form = event.currentTarget;
	const { name } = readForm(form, ['name']);
	formError(form, null);
	newKey.replaceChildren();
	try {
		const app = await api(`/apps/${seg(name)}`, { method: 'POST' });
		form.reset();
		showKey(`Ingest key of "${app.name}"`, app);
	} catch (err) {
		formError(form, err);
	}
	loadApps();
});

loadApps();
