// / — the panel that connects a service's OpenTelemetry SDK.
import { apiOk, assert, BASE, screenshot, settled, test } from '../lib.mjs';
import { S, uniq } from '../seed.mjs';

/** The environment the panel shows with the service key key. */
const env = (key) => [
	`OTEL_EXPORTER_OTLP_ENDPOINT=${BASE}/otlp`,
	`OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer%20${key}`,
	'OTEL_EXPORTER_OTLP_LOGS_HEADERS=Authorization=Bearer%20<application ingest key>',
	'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
].join('\n');

test('/?service=<id>: the connect panel shows the OTLP environment with a placeholder key, and copies it', async ({ page }) => {
	await page.goto(`/?service=${S.checkout.id}`);
	await page.waitForSelector('#connect-panel:not(.hidden)');
	await settled(page);
	assert.equal(await page.locator('#connect-title').textContent(), `Connect ${S.checkout.name} with OpenTelemetry`);
	assert.equal(await page.locator('#otel-env').textContent(), env('<service key>'));
	assert.ok(!(await page.content()).includes(S.checkoutKey.raw_key), 'no raw key on the page');
	assert.equal(await page.locator('#otel-new-key').isVisible(), true, 'an admin may create a key');
	const note = await page.locator('#otel-note').textContent();
	assert.match(note, /Traces take a key of this service/);
	assert.match(note, /Logs take an application's ingest key/);
	assert.equal(await page.getAttribute('#otel-note a[href="/docs"]', 'href'), '/docs');

	await page.click('#otel-copy');
	await page.waitForSelector('#otel-status >> text=Copied.');
	assert.equal(await page.evaluate(() => navigator.clipboard.readText()), env('<service key>'));
	await screenshot(page, 'services-connect');

	await page.click(`#services-table tr[data-id="${S.search.id}"] button.link`);
	await page.waitForFunction((name) => document.querySelector('#connect-title').textContent.includes(name), S.search.name);
	assert.equal(await page.locator('#otel-status').textContent(), '', 'another service starts afresh');
});

test('/: the connect panel creates a key, shows it in the environment until it is hidden, never after', async ({ page }) => {
	const service = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-otel` } });
	try {
		await page.goto(`/?service=${service.id}`);
		await page.waitForSelector('#keys >> text=no keys yet');
		await page.click('#otel-new-key');
		const key = (await page.locator('.secret-box .secret').textContent()).trim();
		assert.match(key, /^mkey_[A-Za-z0-9_-]{43}$/, 'the raw key is in the key box');
		assert.equal(await page.locator('#otel-env').textContent(), env(key));
		assert.equal(await page.locator('#otel-new-key').isVisible(), false, 'no second key offered');
		await page.waitForSelector('#keys-table');
		const keys = await apiOk(200, 'GET', `/v1/services/${service.id}/keys`);
		assert.deepEqual(keys.map((k) => [k.name, k.key_prefix]), [['opentelemetry', key.slice(0, 12)]]);
		await page.click('#otel-copy');
		await page.waitForSelector('#otel-status >> text=Copied.');
		assert.equal(await page.evaluate(() => navigator.clipboard.readText()), env(key));
		await apiOk(201, 'POST', '/v1/logs', {
			json: { method: 'GET', url: 'https://x.example/', path: '/' }, headers: { Authorization: `Bearer ${key}` },
		});
		await screenshot(page, 'services-connect-key');

		await page.click('.secret-box button.secondary');   // "Done, hide it"
		assert.equal(await page.locator('#otel-env').textContent(), env('<service key>'));
		assert.ok(!(await page.content()).includes(key), 'the key left the page');
		assert.equal(await page.locator('#otel-new-key').isVisible(), true);

		// A key of the key form shows in the environment too; a reload forgets it.
		await page.fill('#key-form [name=name]', 'ci');
		await page.click('#key-form button[type=submit]');
		await page.waitForSelector('.secret-box');
		const second = (await page.locator('.secret-box .secret').textContent()).trim();
		assert.notEqual(second, key);
		assert.equal(await page.locator('#otel-env').textContent(), env(second));
		await page.reload();
		await page.waitForSelector('#keys-table');
		assert.equal(await page.locator('#otel-env').textContent(), env('<service key>'));
		assert.ok(!(await page.content()).includes(second), 'not after a reload');
	} finally {
		await apiOk(204, 'DELETE', `/v1/services/${service.id}`);
	}
});
