// A viewer reads everything and is offered nothing they may not do.
import { apiOk, assert, screenshot, settled, signIn, test } from '../lib.mjs';
import { S, uniq } from '../seed.mjs';

const PASSWORD = 'a viewer reads, only';

/** How many of selector's elements are shown. */
const shown = (page, selector) => page.locator(`${selector} >> visible=true`).count();

test('a viewer: no create, delete, rotate or replay controls, no Audit link, and only tokens on /users', async ({ page }) => {
	const viewer = await apiOk(201, 'POST', '/v1/users', { json: { username: `${uniq}-viewer`, password: PASSWORD, role: 'viewer' } });
	const rule = await apiOk(201, 'POST', '/v1/alerts', { json: {
		service_id: S.search.id, name: 'for the viewer', condition_field: 'status_code', condition_operator: '>=', condition_value: '500',
	} });
	try {
		await signIn(page, viewer.username, PASSWORD, `/?service=${S.checkout.id}`);
		await page.waitForSelector('#keys-table');
		await settled(page);
		assert.equal(await page.locator('#who-name').textContent(), viewer.username);
		assert.equal(await page.locator('#who-role').textContent(), 'viewer');
		assert.equal(await page.locator('.topbar nav a[href="/audit"]').count(), 0, 'no Audit link');
		assert.equal(await page.locator('.topbar nav a[href="/users"]').count(), 1, 'a Users & tokens link');
		assert.ok((await page.locator('#services-table tbody tr').count()) >= 2, 'the services are listed');
		assert.ok((await page.locator('#keys-table tbody tr').count()) >= 1, 'the keys are listed');
		assert.equal(await shown(page, '#service-form'), 0, 'no service form');
		assert.equal(await shown(page, '#key-form'), 0, 'no key form');
		assert.equal(await shown(page, '#retention-form'), 0, 'no retention form');
		assert.match(await page.locator('#retention-meta').textContent(), /kept \d+ days/, 'but the retention');
		assert.equal(await shown(page, 'main button.danger'), 0, 'no Delete or Revoke buttons');
		assert.equal(await shown(page, '.viewer-only'), 1, 'a note says why');
		assert.equal(await shown(page, '#otel-env'), 1, 'the OpenTelemetry environment');
		assert.equal(await shown(page, '#otel-new-key'), 0, 'no button to make a key for it');
		await screenshot(page, 'viewer-services');

		await page.goto(`/alerts-ui?service_id=${S.search.id}`);
		await page.waitForSelector(`#rules-table tr[data-id="${rule.id}"]`);
		await settled(page);
		assert.equal(await shown(page, '#rule-form'), 0, 'no rule form');
		assert.equal(await shown(page, 'main button.danger'), 0, 'no Delete buttons');
		await screenshot(page, 'viewer-alerts');

		await page.goto('/errors');
		await page.waitForSelector(`#apps-table tr[data-id="${S.shop.id}"]`);
		await settled(page);
		assert.equal(await shown(page, '#app-form'), 0, 'no application form');
		assert.equal(await shown(page, '#apps-table button'), 0, 'no New key or Delete buttons');
		assert.equal(await shown(page, `#apps-table a[href="/errors/${S.shop.id}"]`), 2, 'the events are a click away');

		await page.goto(`/log/${S.logs.login.id}`);
		await page.waitForSelector('#summary');
		assert.equal(await shown(page, '#replay-link'), 0, 'no Replay link');

		// The API agrees: a change from the viewer's session is refused.
		const status = await page.evaluate(() => fetch('/v1/services', {
			method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"not allowed"}',
		}).then((r) => r.status));
		assert.equal(status, 403, 'POST /v1/services as a viewer');

		await page.goto('/users');
		await page.waitForSelector('#tokens .state.empty');
		await settled(page);
		assert.equal(await page.locator('#users-panel').isVisible(), false, 'no user list');
		assert.equal(await page.locator('#tokens-panel').isVisible(), true, 'the tokens');
		assert.deepEqual(await page.$$eval('#token-form [name=role] option', (os) => os.map((o) => o.value)), ['viewer'],
			'tokens of the viewer role only');
		await screenshot(page, 'viewer-users');

		await page.goto('/audit');
		await page.waitForSelector('#admins-only');
		assert.match(await page.locator('#audit').textContent(), /^Only admins can read the audit trail\./);
		assert.equal(await page.locator('#audit-table').count(), 0);
		await screenshot(page, 'viewer-audit');
	} finally {
		await apiOk(204, 'DELETE', `/v1/alerts/${rule.id}`);
		await apiOk(204, 'DELETE', `/v1/users/${viewer.id}`);
	}
}, { signedIn: false, allowConsole: /status of 403/ });
