// /log/<id> — one request.
import { assert, rendersAsText, screenshot, settled, test, XSS, XSS_SCRIPT } from '../lib.mjs';
import { S } from '../seed.mjs';

test('/log/<id> shows request and response, masked headers, pretty JSON bodies, tags, a replay link', async ({ page }) => {
	const log = S.logs.login;
	await page.goto(`/log/${log.id}`);
	await page.waitForSelector('#summary');
	await settled(page);
	assert.match(await page.locator('#title').textContent(), /POST\s+\/v1\/login/);
	const summary = await page.locator('#summary').textContent();
	for (const want of ['502', 'upstream timed out', '841 ms', '203.0.113.7', `${S.checkout.name}`, 'token=***MASKED***'])
		assert.ok(summary.includes(want), `summary shows ${want}`);
	assert.deepEqual(await page.$$eval('#log-tags .tag', (t) => t.map((x) => x.textContent)), ['eu', 'web']);
	const request = await page.locator('#request').textContent();
	assert.ok(request.includes('Authorization') && request.includes('***MASKED***'), 'the masked header is shown');
	const body = await page.locator('#request pre.json').textContent();
	assert.ok(body.includes('\n  "user": "ann"'), `pretty JSON: ${body}`);
	assert.ok(body.includes('"password": "***MASKED***"'), 'the masked body field');
	assert.ok((await page.locator('#response pre.json').textContent()).includes('"retry": 3'));
	assert.equal(await page.locator('#replay-link').getAttribute('href'), `/replay/${log.id}`);
	await screenshot(page, 'log');
});

test('/log/<id>: an error, a path, a tag and a body holding HTML render as text', async ({ page }) => {
	await page.goto(`/log/${S.logs.xss.id}`);
	await page.waitForSelector('#summary');
	await rendersAsText(page, '#log-error', XSS);
	await rendersAsText(page, '#log-tags', XSS);
	await rendersAsText(page, '#title', XSS_SCRIPT);
	await rendersAsText(page, '#response', XSS);
	await screenshot(page, 'log-xss');
});

test('/log/<unknown id> says so', async ({ page }) => {
	await page.goto('/log/00000000-0000-4000-8000-000000000000');
	await page.waitForSelector('#log .state.error');
	assert.match(await page.locator('#log').textContent(), /Not found/);
}, { allowConsole: /status of 404/ });
