// /login and the top bar's Sign out: every page is behind the sign-in.
import { adminPassword, api, assert, BASE, credentialCache, rows, screenshot, settled, signIn, submitSignIn, test } from '../lib.mjs';
import { S } from '../seed.mjs';

const here = (page) => {
	const url = new URL(page.url());
	return url.pathname + url.search;
};

test('/login: a page without a session sends there with next; a wrong password says so; the right one goes back', async ({ page }) => {
	const deep = `/errors/${S.shop.id}?level=WARNING`;
	await page.goto(deep);
	await page.waitForURL((url) => url.pathname === '/login');
	assert.equal(new URL(page.url()).searchParams.get('next'), deep, 'next is the page with its query');
	assert.match(await page.locator('.hint').textContent(), /\$STATE_DIR\/admin-password/, 'the first-run hint');
	assert.match(await page.locator('#signin-next').textContent(), /level=WARNING/);
	await page.fill('#login-form [name=username]', 'admin');
	await page.fill('#login-form [name=password]', 'surely not the password');
	await page.click('#login-form button[type=submit]');
	await page.waitForSelector('#login-message:not(.hidden)');
	assert.equal(await page.locator('#login-message').textContent(), 'Wrong username or password.');
	assert.equal(await page.locator('#login-form [name=password]').inputValue(), '', 'the password was emptied');
	assert.equal(new URL(page.url()).pathname, '/login', 'still on the sign-in page');
	await screenshot(page, 'login-wrong');

	await submitSignIn(page, 'admin', adminPassword());
	assert.equal(here(page), deep, 'back on the page that asked');
	await page.waitForSelector('#events-table');
	assert.ok((await rows(page, '#events-table'))[0].includes('slow disk'));
	assert.equal(await page.locator('#who-name').textContent(), 'admin');
	assert.equal(await page.locator('#who-role').textContent(), 'admin');
	assert.equal(await page.locator('.topbar nav a[href="/users"]').textContent(), 'Users & tokens');
	assert.equal(await page.locator('.topbar nav a[href="/audit"]').textContent(), 'Audit', 'an admin has the Audit link');
}, { signedIn: false, allowConsole: /status of 401/ });

test('/login: the page itself, and next only ever names a page of this site', async ({ page }) => {
	await page.goto('/login');
	await page.waitForSelector('#login-form');
	assert.equal(await page.locator('#signin-next').textContent(), '', 'no "go on to" without next');
	await screenshot(page, 'login');
	const safe = await page.evaluate(async () => {
		const { safeNext } = await import('/assets/js/pages/login.js');
		return ['/dashboard?x=1', '//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)',
			'dashboard', '', '/login?next=/x', '/errors/1#e'].map((v) => [v, safeNext(v)]);
	});
	assert.deepEqual(safe, [
		['/dashboard?x=1', '/dashboard?x=1'], ['//evil.example/', '/'], ['/\\evil.example', '/'],
		['https://evil.example/', '/'], ['javascript:alert(1)', '/'], ['dashboard', '/'], ['', '/'],
		['/login?next=/x', '/'], ['/errors/1#e', '/errors/1#e'],
	]);
	// Signing in with next naming another site lands on /.
	await signIn(page, 'admin', adminPassword(), '//evil.example/steal');
	assert.equal(here(page), '/');
	assert.equal(new URL(page.url()).origin, BASE);
}, { signedIn: false });

test('/login: too many failures (429) say how long to wait; an unreachable API says so', async ({ page }) => {
	let answer = 'limited';
	await page.route('**/v1/auth/login', (route) => (answer === 'limited'
		? route.fulfill({ status: 429, contentType: 'application/json', headers: { 'Retry-After': '150' },
			body: '{"error":"RATE_LIMITED","message":"too many failed sign-ins"}' })
		: route.abort('connectionrefused')));
	await page.goto('/login?next=/alerts-ui');
	await page.fill('#login-form [name=username]', 'admin');
	await page.fill('#login-form [name=password]', 'whatever it is');
	await page.click('#login-form button[type=submit]');
	await page.waitForSelector('#login-message:not(.hidden)');
	assert.equal(await page.locator('#login-message').textContent(),
		'Too many failed sign-ins. Wait 3 minutes before you try again.');
	assert.equal(await page.locator('#login-form button[type=submit]').isDisabled(), true, 'no sending until then');
	await screenshot(page, 'login-limited');

	answer = 'down';
	await page.reload();
	await page.fill('#login-form [name=username]', 'admin');
	await page.fill('#login-form [name=password]', 'whatever it is');
	await page.click('#login-form button[type=submit]');
	await page.waitForFunction(() => /cannot be reached/.test(document.querySelector('#login-message').textContent));
	assert.equal(new URL(page.url()).pathname, '/login');
}, { signedIn: false, allowConsole: /status of 429|ERR_CONNECTION_REFUSED/ });

test('Sign out ends the session: back to /login, and the pages send there again', async ({ page, context }) => {
	await signIn(page, 'admin', adminPassword(), '/metrics-ui');
	assert.equal(here(page), '/metrics-ui');
	await settled(page);
	const [cookie] = (await context.cookies()).filter((c) => c.name === 'telltale_session');
	assert.ok(cookie, 'the session cookie is set');
	assert.equal(cookie.httpOnly, true, 'HttpOnly');
	assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
	assert.equal(await page.evaluate(() => document.cookie.includes('telltale_session')), false, 'scripts cannot read it');
	const withCookie = () => api('GET', '/v1/auth/me', { auth: false, headers: { Cookie: `telltale_session=${cookie.value}` } });
	const me = await withCookie();
	assert.equal(me.status, 200);
	assert.equal(me.json.via, 'session');

	await page.click('#signout');
	await page.waitForURL((url) => url.pathname === '/login');
	await credentialCache();
	assert.equal((await withCookie()).status, 401, 'the session is gone on the server too');
	await page.goto('/dashboard?has_error=true');
	await page.waitForURL((url) => url.pathname === '/login');
	assert.equal(new URL(page.url()).searchParams.get('next'), '/dashboard?has_error=true');
}, { signedIn: false, allowConsole: /status of 401/ });
