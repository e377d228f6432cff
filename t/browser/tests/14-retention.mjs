// How long an application keeps its events and a service its logs: shown on
// their pages, changed by a member through a form.
import { apiOk, assert, settled, test } from '../lib.mjs';
import { uniq } from '../seed.mjs';

test('/errors/<id> shows and changes how long the application keeps its events', async ({ page }) => {
	const app = await apiOk(201, 'POST', `/apps/${encodeURIComponent(`${uniq}-kept`)}`);
	await page.goto(`/errors/${app.id}`);
	await page.waitForSelector('#app-meta >> text=events kept 90 days');
	await settled(page);
	assert.equal(await page.inputValue('#retention-form [name=retention_days]'), '90');
	await page.fill('#retention-form [name=retention_days]', '14');
	await page.click('#retention-form button[type=submit]');
	await page.waitForSelector('#app-meta >> text=events kept 14 days');
	assert.equal((await apiOk(200, 'GET', `/apps/${app.id}`)).retention_days, 14, 'the API keeps 14');
});

test('/ shows and changes how long a service keeps its logs', async ({ page }) => {
	const service = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-kept`, retention_days: 7 } });
	await page.goto(`/?service=${service.id}`);
	await page.waitForSelector('#retention-meta >> text=Its logs are kept 7 days.');
	await settled(page);
	assert.equal(await page.inputValue('#retention-form [name=retention_days]'), '7');
	await page.fill('#retention-form [name=retention_days]', '45');
	await page.click('#retention-form button[type=submit]');
	await page.waitForSelector('#retention-meta >> text=Its logs are kept 45 days.');
	assert.equal((await apiOk(200, 'GET', `/v1/services/${service.id}`)).retention_days, 45, 'the API keeps 45');
});
