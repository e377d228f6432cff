// /docs and /openapi.json.
import fs from 'node:fs';
import path from 'node:path';
import { api, assert, ROOT, screenshot, test } from '../lib.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const doc = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'frontend/openapi.json'), 'utf8'));

test('/openapi.json serves frontend/openapi.json as JSON', async () => {
	const res = await api('GET', '/openapi.json');
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^application\/json/);
	assert.deepEqual(res.json, doc());
	assert.match(res.json.openapi, /^3\.1\./);
}, { page: false });

test('/docs renders Swagger UI with every operation of openapi.json', async ({ page }) => {
	const operations = Object.values(doc().paths).reduce((n, item) =>
		n + Object.keys(item).filter((m) => METHODS.includes(m)).length, 0);
	await page.goto('/docs');
	await page.waitForSelector('#swagger .opblock');
	await page.waitForFunction((n) => document.querySelectorAll('#swagger .opblock').length === n, operations);
	assert.match(await page.locator('#swagger .title').first().textContent(), /telltale/);
	assert.equal(await page.locator('#docs-state .state').count(), 0, 'the loading note is gone');
	// One operation opens with its parameters and responses.
	await page.click('#operations-Logs-listLogs .opblock-summary-control');
	await page.waitForSelector('#operations-Logs-listLogs .parameters');
	assert.ok((await page.locator('#operations-Logs-listLogs').textContent()).includes('has_error'));
	await screenshot(page, 'docs');
});
