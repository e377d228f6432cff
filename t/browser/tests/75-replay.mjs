// /replay/<id> — overrides, run, both responses. Skipped while the worker does
// not serve the replay routes yet. The stack must admit 127.0.0.1 in its
// outbound guard (REPLAY_ALLOW=127.0.0.1/32); otherwise the replay is
// "failed" and the test checks that the page says why.
import http from 'node:http';
import { api, assert, rendersAsText, routeServed, screenshot, settled, Skip, test } from '../lib.mjs';
import { opsLog, S } from '../seed.mjs';

async function needReplay() {
	if (!(await routeServed('GET', `/v1/logs/${S.opsLog.id}/replays`, { headers: { Authorization: `Bearer ${S.opsKey.raw_key}` } })))
		throw new Skip('the worker does not serve /v1/logs/{id}/replay yet');
}

/** A server on 127.0.0.1 that answers what it was sent, as JSON. */
async function echoServer() {
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			res.writeHead(200, { 'Content-Type': 'application/json', 'X-Echo': 'yes' });
			res.end(JSON.stringify({ method: req.method, url: req.url, debug: req.headers['x-debug'] || null, body }));
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return server;
}

test('/replay/<id> replays with overrides and shows the original and replayed responses side by side', async ({ page }) => {
	await needReplay();
	const server = await echoServer();
	try {
		const port = server.address().port;
		const log = await opsLog({
			method: 'POST', path: '/echo', url: `http://127.0.0.1:${port}/echo?x=1`, status_code: 201, latency_ms: 12,
			request_headers: { 'Content-Type': 'application/json' }, request_body: '{"a": 1}',
			response_body: '{"old": true}',
		});
		await page.goto(`/replay/${log.id}`);
		await settled(page);
		assert.ok((await page.locator('#original').textContent()).includes('"old": true'));
		await page.fill('#replay-form [name=key]', S.opsKey.raw_key);
		await page.fill('#replay-form [name=override_headers]', '{"X-Debug": "from the browser"}');
		await page.click('#replay-form button[type=submit]');
		await page.waitForSelector('#replay-result');
		const result = await page.locator('#replayed').textContent();
		if (result.includes('failed'))
			assert.fail(`the replay failed (is REPLAY_ALLOW=127.0.0.1/32 set for the stack?): ${result}`);
		assert.ok(result.includes('success') && result.includes('200'), result);
		const body = await page.locator('#replayed pre').textContent();
		assert.ok(body.includes('"debug": "from the browser"') && body.includes('"url": "/echo?x=1"'), body);
		assert.ok(body.includes('"body": "{\\"a\\": 1}"'), body);
		await page.waitForSelector('#replays-table');
		assert.equal(await page.locator('#replays-table tbody tr').count(), 1);
		await screenshot(page, 'replay');
	} finally {
		server.close();
	}
});

test('/replay/<id> replays as the signed-in member, without a key', async ({ page }) => {
	await needReplay();
	const server = await echoServer();
	try {
		const log = await opsLog({ path: '/echo', url: `http://127.0.0.1:${server.address().port}/echo?as=me`, status_code: 200 });
		await page.goto(`/replay/${log.id}`);
		await settled(page);
		await page.waitForSelector('#history .state.empty >> text=not been replayed yet');
		assert.equal(await page.locator('#replay-form [name=key]').getAttribute('required'), null, 'the key is optional');
		await page.click('#replay-form button[type=submit]');
		await page.waitForSelector('#replay-result');
		const result = await page.locator('#replayed').textContent();
		if (result.includes('failed'))
			assert.fail(`the replay failed (is REPLAY_ALLOW=127.0.0.1/32 set for the stack?): ${result}`);
		assert.ok((await page.locator('#replayed pre').textContent()).includes('"url": "/echo?as=me"'));
		await page.waitForSelector('#replays-table');
		assert.equal(await page.locator('#replays-table tbody tr').count(), 1, 'the earlier replays show without a key');
	} finally {
		server.close();
	}
});

test('/replay/<id>: another service\'s key is refused with a message', async ({ page }) => {
	await needReplay();
	await page.goto(`/replay/${S.opsLog.id}`);
	await settled(page);
	await page.fill('#replay-form [name=key]', S.searchKey.raw_key);
	await page.click('#replay-form button[type=submit]');
	await page.waitForSelector('#replayed .state.error');
	await rendersAsText(page, '#replayed', 'the key must be an active key');
	assert.equal((await api('GET', `/v1/logs/${S.opsLog.id}`)).status, 200);
}, { allowConsole: /status of 40[14]/ });

test('/replay/<id>: headers that are not a JSON object are refused before sending', async ({ page }) => {
	await page.goto(`/replay/${S.opsLog.id}`);
	await page.waitForSelector('#original dl');
	await page.fill('#replay-form [name=key]', 'mkey_x');
	await page.fill('#replay-form [name=override_headers]', '["X-Debug"]');
	await page.click('#replay-form button[type=submit]');
	await page.waitForSelector('#replay-form .form-error:not(.hidden)');
	assert.match(await page.locator('#replay-form .form-error').textContent(), /JSON object of strings/);
	await screenshot(page, 'replay-form');
}, { allowConsole: /status of (401|404)/ });
