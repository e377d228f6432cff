// A session that has aged past its idle limit (12 h) ends: the page goes to
// /login with next, and signing in comes back there. Last, because it ages
// every session of the stack; it keeps its new one for any test after it.
import { adminPassword, assert, credentialCache, keepSession, psql, rows, screenshot, signIn, submitSignIn, test } from '../lib.mjs';
import { S } from '../seed.mjs';

test('an expired session goes to /login?next=…, and signing in returns to the page', async ({ page, context }) => {
	await signIn(page, 'admin', adminPassword());
	const deep = `/dashboard?service_id=${S.checkout.id}&status_code=502`;
	await page.goto(deep);
	await page.waitForSelector('#logs-table');

	await psql("UPDATE sessions SET last_seen_at = now() - interval '13 hours'");
	await credentialCache();
	await page.reload();
	await page.waitForURL((url) => url.pathname === '/login');
	assert.equal(new URL(page.url()).searchParams.get('next'), deep);
	await screenshot(page, 'login-expired');

	await submitSignIn(page, 'admin', adminPassword());
	const url = new URL(page.url());
	assert.equal(url.pathname + url.search, deep, 'back where the person was');
	await page.waitForFunction(() => document.querySelectorAll('#logs-table tbody tr').length === 1);
	assert.ok((await rows(page, '#logs-table'))[0].includes('/v1/login'));
	await keepSession(context);
}, { signedIn: false, allowConsole: /status of 401/ });
