// /alerts-ui — the channels the rules notify: add (a webhook's secret shown
// once), send a test, refuse a bad URL, delete. Skipped while the worker does
// not serve /v1/channels yet. The stack must admit loopback for the test
// notices (REPLAY_ALLOW=127.0.0.1/32).
import { api, apiOk, assert, receiver, rendersAsText, routeServed, screenshot, settled, Skip, test, XSS } from '../lib.mjs';
import { uniq } from '../seed.mjs';

async function needChannels() {
	if (!(await routeServed('GET', '/v1/channels')))
		throw new Skip('the worker does not serve /v1/channels yet');
}

const items = (answer) => (Array.isArray(answer) ? answer : answer.items);

/** The channel named name, through the API. */
async function channelNamed(name) {
	const found = items(await apiOk(200, 'GET', '/v1/channels?limit=500')).find((c) => c.name === name);
	assert.ok(found, `the channel "${name}" exists`);
	return found;
}

/** Fills in and sends the channel form. */
async function addChannel(page, { name, kind, url, to }) {
	await page.fill('#channel-form [name=name]', name);
	await page.selectOption('#channel-form [name=kind]', kind);
	if (to !== undefined)
		await page.fill('#channel-form [name=to]', to);
	else
		await page.fill('#channel-form [name=url]', url);
	// The form's POST is answered (made or refused) before the test reads on.
	await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/channels'),
		page.click('#channel-form button[type=submit]'),
	]);
}

/** Clicks the channel's "Send test" and returns the outcome's text. */
async function sendTest(page, channel) {
	const row = `#channels-table tr[data-id="${channel.id}"]`;
	await page.click(`${row} button.test`);
	await page.waitForSelector(`${row} .outcome`);
	await page.waitForSelector(`${row} button.test:not([disabled])`);
	return page.locator(`${row} .outcome`).textContent();
}

test('/alerts-ui: a webhook channel, its secret once, a test notice delivered to it', async ({ page }) => {
	await needChannels();
	const hook = await receiver(200);
	try {
		await page.goto('/alerts-ui');
		await settled(page);
		const name = `${uniq} hook ${XSS}`;
		await addChannel(page, { name, kind: 'webhook', url: hook.url('/telltale/hook?token=abc') });
		await page.waitForSelector('#channel-secret .secret-box');
		const secret = (await page.locator('#channel-secret [data-secret]').textContent()).trim();
		assert.ok(secret.length >= 16, `a signing secret is shown: ${secret}`);
		const channel = await channelNamed(name);
		assert.equal(channel.kind, 'webhook');
		assert.equal(channel.webhook_secret, undefined, 'the list never answers the secret');
		const row = `#channels-table tr[data-id="${channel.id}"]`;
		await page.waitForSelector(row);
		await rendersAsText(page, '#channels-table', name);
		const shown = await page.locator(`${row} td.path`).textContent();
		assert.ok(shown.includes(`127.0.0.1:${hook.port}`), `the URL's site is shown: ${shown}`);
		assert.ok(!shown.includes('token=abc') && !shown.includes('/telltale/hook'), `its path is not: ${shown}`);

		const outcome = await sendTest(page, channel);
		assert.match(outcome, /delivered/, outcome);
		assert.match(outcome, /HTTP 200/, outcome);
		const [hit] = await hook.waitFor(1);
		assert.equal(hit.method, 'POST');
		assert.equal(hit.path, '/telltale/hook?token=abc', 'sent to the whole URL');
		assert.match(hit.headers['content-type'], /^application\/json/);
		assert.ok(hit.headers['x-telltale-signature'], 'the notice is signed');
		const notice = JSON.parse(hit.body);
		assert.equal(notice.state, 'test', hit.body);
		await screenshot(page, 'alerts-channels');

		// The secret box goes when dismissed, and a reload does not bring it back.
		await page.click('#channel-secret .secret-box button.secondary');
		assert.equal(await page.locator('#channel-secret .secret-box').count(), 0);
		await page.reload();
		await page.waitForSelector(row);
		assert.equal(await page.locator('#channel-secret .secret-box').count(), 0);
		assert.equal(await page.locator(`${row} .outcome`).count(), 0, 'an outcome is for the page that asked');
		await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
	} finally {
		await hook.close();
	}
});

test('/alerts-ui: a Slack channel over http to a local receiver gets a Slack message', async ({ page }) => {
	await needChannels();
	const slack = await receiver(200);
	try {
		await page.goto('/alerts-ui');
		await settled(page);
		const name = `${uniq} slack`;
		await addChannel(page, { name, kind: 'slack', url: slack.url('/services/T000/B000/XXXX') });
		const channel = await channelNamed(name);
		const row = `#channels-table tr[data-id="${channel.id}"]`;
		await page.waitForSelector(row);
		assert.equal(await page.locator('#channel-secret .secret-box').count(), 0, 'no secret for a Slack channel');
		assert.match(await page.locator(row).textContent(), /Slack/);
		assert.doesNotMatch(await page.locator(`${row} td.path`).textContent(), /XXXX/, 'the hook\'s path is a secret');
		const outcome = await sendTest(page, channel);
		assert.match(outcome, /delivered/, outcome);
		const [hit] = await slack.waitFor(1);
		assert.equal(hit.path, '/services/T000/B000/XXXX');
		const message = JSON.parse(hit.body);
		assert.equal(typeof message.text, 'string', hit.body);
		assert.ok(Array.isArray(message.blocks) && message.blocks.length, hit.body);
		await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
	} finally {
		await slack.close();
	}
});

test('/alerts-ui: a test to a receiver that answers 500 says it failed, and why', async ({ page }) => {
	await needChannels();
	const down = await receiver(500);
	try {
		const channel = await apiOk(201, 'POST', '/v1/channels', { json: {
			name: `${uniq} failing`, kind: 'discord', url: down.url('/api/webhooks/1/x'),
		} });
		await page.goto('/alerts-ui');
		await page.waitForSelector(`#channels-table tr[data-id="${channel.id}"]`);
		const outcome = await sendTest(page, channel);
		assert.match(outcome, /failed/, outcome);
		assert.match(outcome, /HTTP 500/, outcome);
		await down.waitFor(1);
		await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
	} finally {
		await down.close();
	}
});

test('/alerts-ui: a bad URL is refused with the API\'s message beside the form; an e-mail channel', async ({ page }) => {
	await needChannels();
	await page.goto('/alerts-ui');
	await settled(page);
	await addChannel(page, { name: `${uniq} bad`, kind: 'ntfy', url: 'ftp://ntfy.example.com/topic' });
	await page.waitForSelector('#channel-form .form-error:not(.hidden)');
	const message = await page.locator('#channel-form .form-error').textContent();
	assert.match(message, /url/i, message);
	assert.equal(await page.locator('#channel-form [name=name]').inputValue(), `${uniq} bad`, 'the form keeps what was typed');
	const listed = items(await apiOk(200, 'GET', '/v1/channels?limit=500'));
	assert.ok(!listed.some((c) => c.name === `${uniq} bad`), 'nothing was made');

	// e-mail: an address instead of a URL.
	await page.selectOption('#channel-form [name=kind]', 'email');
	assert.equal(await page.locator('#channel-form [name=url]').isVisible(), false, 'no URL for e-mail');
	const name = `${uniq} mail`;
	await addChannel(page, { name, kind: 'email', to: 'oncall@example.com' });
	const channel = await channelNamed(name);
	assert.equal(channel.to, 'oncall@example.com');
	const row = `#channels-table tr[data-id="${channel.id}"]`;
	await page.waitForSelector(row);
	assert.match(await page.locator(row).textContent(), /oncall@example\.com/);
	assert.equal(await page.locator('#channel-form .form-error:not(.hidden)').count(), 0, 'the error went');
	await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
}, { allowConsole: /status of 422/ });

test('/alerts-ui: a channel is deleted after a confirm', async ({ page, alerts }) => {
	await needChannels();
	const channel = await apiOk(201, 'POST', '/v1/channels', { json: {
		name: `${uniq} to delete`, kind: 'ntfy', url: 'https://ntfy.example.com/telltale-topic',
	} });
	await page.goto('/alerts-ui');
	const row = `#channels-table tr[data-id="${channel.id}"]`;
	await page.waitForSelector(row);
	await page.click(`${row} button.danger`);
	await page.waitForSelector(row, { state: 'detached' });
	assert.deepEqual(alerts, []);
	assert.equal((await api('GET', `/v1/channels/${channel.id}`)).status, 404, 'the channel is gone');
});
