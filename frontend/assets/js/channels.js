// The notification channels of the alerts page: the list (a URL shown only
// as far as its site), a form to add one (a webhook's signing secret shown
// once), a test notice per channel and its outcome, and deleting one.
import { api, seg } from './api.js';
import { $, fmtMs, formError, h, showEmpty, showError, showLoading, timeEl } from './dom.js';
import { listItems } from './alert-rules.js';
import { secretBox } from './secret.js';

/** The kinds of channel: value → [label, an example URL]. */
export const CHANNEL_KINDS = {
	webhook: ['webhook', 'https://hooks.example.com/telltale'],
	slack: ['Slack', 'https://hooks.slack.com/services/T000/B000/XXXX'],
	discord: ['Discord', 'https://discord.com/api/webhooks/123/abc'],
	teams: ['Microsoft Teams', 'https://example.webhook.office.com/webhookb2/…'],
	ntfy: ['ntfy', 'https://ntfy.sh/your-topic'],
	email: ['e-mail', ''],
};

/** A channel's name with its kind: "on-call (Slack)". */
export const channelLabel = (c) => `${c.name} (${(CHANNEL_KINDS[c.kind] || [c.kind])[0]})`;

/** The channels region: form, list, secret box. onChange(channels) runs
 *  after each load, so that the rule forms offer the channels there are.
 *  Returns {load, channels()}. */
export function channelsRegion({ onChange }) {
	const form = $('#channel-form');
	const list = $('#channels');
	const secret = $('#channel-secret');
	/** The last test's outcome of each channel (id → node), kept across reloads. */
	const outcomes = new Map();
	let channels = [];

	function showKindFields() {
		const kind = form.elements.kind.value;
		const email = kind === 'email';
		const url = form.elements.url;
		const to = form.elements.to;
		$('.url-field', form).classList.toggle('hidden', email);
		$('.to-field', form).classList.toggle('hidden', !email);
		url.disabled = email;
		url.required = !email;
		to.disabled = !email;
		to.required = email;
		if (!email)
			url.placeholder = CHANNEL_KINDS[kind][1];
	}

	async function load() {
		if (!channels.length)
			showLoading(list, 'Loading channels…');
		try {
			channels = listItems(await api('/v1/channels', { query: { limit: 500 } }));
		} catch (err) {
			channels = [];
			showError(list, err, load);
			onChange(channels);
			return channels;
		}
		onChange(channels);
		if (!channels.length) {
			showEmpty(list, 'No channels yet. A rule can still fire; it notifies nobody until it has a channel.');
			return channels;
		}
		list.replaceChildren(h('table', { id: 'channels-table' },
			h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Kind'), h('th', null, 'Sends to'),
				h('th', null, 'Created'), h('th', { 'data-needs': 'member' }, 'Test'), h('th', null, ''))),
			h('tbody', null, channels.map((c) => h('tr', { dataset: { id: c.id } },
				h('td', null, c.name),
				h('td', null, h('span', { class: 'badge' }, (CHANNEL_KINDS[c.kind] || [c.kind])[0])),
				h('td', { class: 'path' }, c.kind === 'email' ? (c.to || '–') : (c.url || '–')),
				h('td', null, timeEl(c.created_at)),
				h('td', { class: 'test-outcome', 'data-needs': 'member' },
					h('button', { type: 'button', class: 'secondary test', onclick: (ev) => sendTest(c, ev.currentTarget) }, 'Send test'),
					outcomes.get(c.id) || null),
				h('td', null, h('button', { type: 'button', class: 'danger', 'data-needs': 'member', onclick: () => remove(c) }, 'Delete')))))));
		return channels;
	}

	/** POST /v1/channels/{id}/test, its outcome beside the button. */
	async function sendTest(channel, button) {
		const cell = button.closest('td');
		const old = outcomes.get(channel.id);
		if (old)
			old.remove();
		button.disabled = true;
		button.textContent = 'Sending…';
		let node;
		try {
			node = outcome(await api(`/v1/channels/${seg(channel.id)}/test`, { method: 'POST' }));
		} catch (err) {
			node = h('div', { class: 'outcome small', role: 'status' },
				h('span', { class: 'badge bad' }, 'not sent'), ' ', err.message || String(err));
		}
		button.disabled = false;
		button.textContent = 'Send test';
		outcomes.set(channel.id, node);
		cell.append(node);
	}

	async function remove(channel) {
		if (!window.confirm(`Delete the channel "${channel.name}"? The rules that send to it stop sending there.`))
			return;
		try {
			await api(`/v1/channels/${seg(channel.id)}`, { method: 'DELETE' });
		} catch (err) {
			showError(list, err, load);
			return;
		}
		outcomes.delete(channel.id);
		load();
	}

	form.elements.kind.addEventListener('change', showKindFields);
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		const kind = form.elements.kind.value;
		const body = { name: form.elements.name.value.trim(), kind };
		if (kind === 'email')
			body.to = form.elements.to.value.trim();
		else
			body.url = form.elements.url.value.trim();
		formError(form, null);
		let channel;
		try {
			channel = await api('/v1/channels', { method: 'POST', body });
		} catch (err) {
			formError(form, err);
			return;
		}
		form.reset();
		showKindFields();
		if (channel.webhook_secret) {
			secret.replaceChildren(secretBox(`Signing secret of the webhook "${channel.name}"`, channel.webhook_secret,
				'Each notice carries the header X-Telltale-Signature, an HMAC-SHA256 of its body with this secret (see the API docs, Webhooks).',
				'secret', null,
				'This is the only time the secret is shown: telltale derives it again to sign each notice, and never answers it again. Copy it now.'));
		} else {
			secret.replaceChildren();
		}
		load();
	});
	showKindFields();
	return { load, channels: () => channels };
}

/** A test's answer {delivered, status_code, error, latency_ms} as a line. */
function outcome(answer) {
	const ok = Boolean(answer && answer.delivered);
	const parts = [];
	if (answer && answer.status_code !== null && answer.status_code !== undefined)
		parts.push(`HTTP ${answer.status_code}`);
	if (answer && answer.latency_ms !== null && answer.latency_ms !== undefined)
		parts.push(`in ${fmtMs(answer.latency_ms)}`);
	return h('div', { class: `outcome small ${ok ? 'delivered' : 'failed'}`, role: 'status' },
		h('span', { class: `badge ${ok ? 'on' : 'bad'}` }, ok ? 'delivered' : 'failed'),
		parts.length ? ` ${parts.join(' ')}` : '',
		answer && answer.error ? h('div', { class: 'muted' }, answer.error) : null);
}
