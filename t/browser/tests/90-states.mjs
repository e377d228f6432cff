// Loading, error and empty states; the Content-Security-Policy.
import { api, assert, screenshot, settled, test } from '../lib.mjs';
import { S } from '../seed.mjs';

const PAGES = () => [
	['services', '/', '#services'],
	['dashboard', '/dashboard', '#logs'],
	['log', `/log/${S.logs.login.id}`, '#log'],
	['metrics', '/metrics-ui', '#figures'],
	['alerts', '/alerts-ui', '#rules'],
	['replay', `/replay/${S.logs.login.id}`, '#log-state'],
	['errors', '/errors', '#apps'],
	['app', `/errors/${S.shop.id}`, '#app-state'],
	['issue', `/errors/${S.tracker.id}/issues/${S.boom.id}`, '#issue-state'],
	['users', '/users', '#tokens'],
	['audit', '/audit', '#audit'],
];

const isApi = (url) => /^\/(v1|apps|api)(\/|$)/.test(url.pathname);

test('the API unreachable: every page says so instead of staying blank', async ({ page }) => {
	await page.route(isApi, (route) => route.abort('connectionrefused'));
	for (const [name, url, region] of PAGES()) {
		await page.goto(url);
		await page.waitForSelector(`${region} .state.error`);
		assert.match(await page.locator(`${region} .state.error`).textContent(), /cannot be reached/, name);
		await page.waitForSelector('#health.down');
		await screenshot(page, `down-${name}`);
	}
}, { allowConsole: /Failed to load resource: net::ERR_CONNECTION_REFUSED/, timeout: 90000 });

test('the database down (503 UNAVAILABLE): a message with a retry button that works', async ({ page }) => {
	let down = true;
	await page.route(isApi, (route) => (down
		? route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Retry-After': '1' },
			body: '{"error":"UNAVAILABLE","message":"database unavailable"}' })
		: route.continue()));
	await page.goto(`/dashboard?service_id=${S.checkout.id}`);
	await page.waitForSelector('#logs .state.error');
	assert.match(await page.locator('#logs .state.error').textContent(), /unavailable/);
	down = false;
	await page.click('#logs .state.error button');
	await page.waitForSelector('#logs-table');
	assert.equal(await page.locator('#logs-table tbody tr').count(), 5, 'the five checkout logs');
}, { allowConsole: /status of 503/ });

test('a 401 from any API call (the session ended) sends the page to /login with next', async ({ page }) => {
	await page.route((url) => url.pathname === '/v1/logs', (route) => route.fulfill({ status: 401, contentType: 'application/json',
		body: '{"error":"UNAUTHORIZED","message":"sign in"}' }));
	const deep = `/dashboard?service_id=${S.checkout.id}&method=POST`;
	await page.goto(deep);
	await page.waitForURL((url) => url.pathname === '/login');
	assert.equal(new URL(page.url()).searchParams.get('next'), deep);
}, { allowConsole: /status of 401/ });

test('a slow API: the pages show that they are loading', async ({ page }) => {
	await page.route(isApi, async (route) => {
		await new Promise((r) => setTimeout(r, 1200));
		await route.continue().catch(() => {});
	});
	await page.goto(`/errors/${S.shop.id}`);
	await page.waitForSelector('.state.loading', { timeout: 1000 });
	await screenshot(page, 'loading');
	await settled(page);
	await page.waitForSelector('#events-table');
}, { timeout: 30000 });

test('every page has a Content-Security-Policy without inline script or style, and uses none', async () => {
	const paths = ['/', '/dashboard', `/log/${S.logs.login.id}`, '/metrics-ui', '/alerts-ui',
		`/replay/${S.logs.login.id}`, '/errors', `/errors/${S.shop.id}`, `/errors/${S.shop.id}/issues/${S.boom.id}`,
		'/docs', '/login', '/users', '/audit'];
	for (const p of paths) {
		const res = await fetch(new URL(p, `${process.env.TELLTALE_URL}/`));
		assert.equal(res.status, 200, p);
		const csp = res.headers.get('content-security-policy') || '';
		assert.match(csp, /default-src 'none'/, `${p}: ${csp}`);
		assert.match(csp, /script-src 'self'(;|$)/, `${p}: no inline or eval'd script`);
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, p);
		assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
		const html = await res.text();
		assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${p}: no inline <script>`);
		assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=|<style/i, `${p}: no inline handlers or styles`);
	}
	for (const p of ['/package.json', '/node_modules/chart.js/package.json', '/index.html', '/nothing-here'])
		assert.equal((await api('GET', p)).status, 404, `${p} is not served`);
}, { page: false });
