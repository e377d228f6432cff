// /users — your password, API tokens, and (admins) the users.
import { api, apiOk, assert, credentialCache, rows, screenshot, settled, signIn, test } from '../lib.mjs';
import { uniq } from '../seed.mjs';

const PASSWORD = 'a password of 20 chars';

const userRow = (page, name) => page.locator('#users-table tbody tr:not(.reset-row)', { hasText: name });

async function allUsers() {
	const users = [];
	let cursor = '';
	do {
		const page = await apiOk(200, 'GET', `/v1/users?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		users.push(...page.items);
		cursor = page.next_cursor;
	} while (cursor);
	return users;
}

test('/users creates a token shown once with a copy button, lists it by prefix, revokes it', async ({ page }) => {
	await page.goto('/users');
	await page.waitForSelector('#who-name');
	await settled(page);
	assert.deepEqual(await page.$$eval('#token-form [name=role] option', (os) => os.map((o) => o.value)),
		['viewer', 'member', 'admin'], 'an admin may make tokens of every role');
	const name = `${uniq}-ci`;
	const expires = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
	await page.fill('#token-form [name=name]', name);
	await page.selectOption('#token-form [name=role]', 'member');
	await page.fill('#token-form [name=expires]', expires);
	await page.click('#token-form button[type=submit]');
	const token = (await page.locator('#new-token .secret-box .secret').textContent()).trim();
	assert.match(token, /^tt_[A-Za-z0-9_-]{43}$/, 'the token is shown');
	await page.click('#new-token .secret-box button.copy');
	await page.waitForSelector('#new-token .secret-box >> text=Copied.');
	assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token, 'the copy button copied it');

	const made = (await apiOk(200, 'GET', '/v1/tokens')).find((t) => t.name === name);
	assert.ok(made, 'the token is listed by the API');
	assert.ok(token.startsWith(made.prefix), `the prefix ${made.prefix} starts the token`);
	assert.equal(made.role, 'member');
	assert.equal(made.expires_at.slice(0, 10), expires);
	await page.waitForSelector(`#tokens-table tr[data-id="${made.id}"]`);
	const row = await page.locator(`#tokens-table tr[data-id="${made.id}"]`).textContent();
	for (const want of [name, `${made.prefix}…`, 'member', 'admin', expires])
		assert.ok(row.includes(want), `the row shows ${want}: ${row}`);
	await screenshot(page, 'users-token');

	const me = await api('GET', '/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } });
	assert.equal(me.status, 200, 'the token works');
	assert.equal(me.json.via, 'token');
	assert.equal(me.json.user.username, 'admin');

	// Shown once: after a reload it is nowhere on the page.
	await page.reload();
	await page.waitForSelector(`#tokens-table tr[data-id="${made.id}"]`);
	assert.equal(await page.locator('.secret-box').count(), 0, 'no token box after a reload');
	assert.ok(!(await page.content()).includes(token), 'the token is not on the page any more');

	await page.click(`#tokens-table tr[data-id="${made.id}"] button.danger`);   // confirm() is accepted
	await page.waitForSelector(`#tokens-table tr[data-id="${made.id}"]`, { state: 'detached' });
	await credentialCache();
	assert.equal((await api('GET', '/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } })).status, 401,
		'the revoked token is refused');
});

test('/users (admin) adds a user, changes their role, sets their password, deletes them; shows the API\'s 409 and 422', async ({ page }) => {
	const name = `${uniq}-ann`;
	await page.goto('/users');
	await page.waitForSelector('#users-table');
	await settled(page);
	assert.ok((await rows(page, '#users-table')).some((r) => r.startsWith('admin (you) | ')), 'admin is listed as you');

	await page.fill('#user-form [name=username]', name);
	await page.fill('#user-form [name=password]', PASSWORD);
	await page.selectOption('#user-form [name=role]', 'viewer');
	await page.click('#user-form button[type=submit]');
	await page.waitForSelector('#users-message .state.ok');
	await userRow(page, name).waitFor();
	assert.equal(await userRow(page, name).locator('select[name=role]').inputValue(), 'viewer');
	const ann = (await allUsers()).find((u) => u.username === name);
	assert.equal(ann.role, 'viewer');
	assert.equal(ann.last_login_at, null);
	assert.ok((await userRow(page, name).textContent()).includes('never'), 'never signed in');

	// The API's answers: a name that exists (409), a bad name and a short password (422).
	await page.fill('#user-form [name=username]', name);
	await page.fill('#user-form [name=password]', PASSWORD);
	await page.click('#user-form button[type=submit]');
	await page.waitForSelector('#user-form .form-error:not(.hidden)');
	assert.ok((await page.locator('#user-form .form-error').textContent()).length > 0, 'the 409 message');
	await page.fill('#user-form [name=username]', 'Not A Name');
	await page.click('#user-form button[type=submit]');
	await page.waitForFunction(() => /\(field: username\)/.test(document.querySelector('#user-form .form-error').textContent));
	await page.fill('#user-form [name=username]', `${name}-2`);
	await page.fill('#user-form [name=password]', 'short');
	await page.click('#user-form button[type=submit]');
	await page.waitForFunction(() => /\(field: password\)/.test(document.querySelector('#user-form .form-error').textContent));
	assert.ok(!(await allUsers()).some((u) => u.username === `${name}-2`), 'no user was made');
	await screenshot(page, 'users-form-error');

	// A role.
	await userRow(page, name).locator('select[name=role]').selectOption('member');
	await page.waitForSelector(`#users-message .state.ok >> text=${name} is now member.`);
	assert.equal((await allUsers()).find((u) => u.username === name).role, 'member');

	// A password: the new one signs in.
	await userRow(page, name).locator('button', { hasText: 'Set a password' }).click();
	await page.fill('.reset-form [name=password]', `${PASSWORD} again`);
	await page.click('.reset-form button[type=submit]');
	await page.waitForSelector(`#users-message .state.ok >> text=The password of ${name} is changed.`);
	assert.equal(await page.locator('.reset-row').count(), 0, 'the password row closed');
	const login = await api('POST', '/v1/auth/login', { auth: false, json: { username: name, password: `${PASSWORD} again` } });
	assert.equal(login.status, 200, 'the new password signs in');
	assert.equal(login.json.user.role, 'member');
	await page.reload();
	await userRow(page, name).waitFor();
	assert.ok(!(await userRow(page, name).textContent()).includes('never'), 'the sign-in shows');
	await screenshot(page, 'users');

	// The last admin cannot be demoted: the API's 409 shows, the role stays.
	if ((await allUsers()).filter((u) => u.role === 'admin').length === 1) {
		await userRow(page, 'admin (you)').locator('select[name=role]').selectOption('viewer');
		await page.waitForSelector('#users-message .state.error');
		assert.match(await page.locator('#users-message').textContent(), /409/);
		assert.equal(await userRow(page, 'admin (you)').locator('select[name=role]').inputValue(), 'admin');
		assert.equal((await allUsers()).find((u) => u.username === 'admin').role, 'admin');
	}

	await userRow(page, name).locator('button.danger').click();   // confirm() is accepted
	await userRow(page, name).waitFor({ state: 'detached' });
	assert.ok(!(await allUsers()).some((u) => u.username === name), 'the user is gone');
}, { allowConsole: /status of (409|422)/ });

test('/users?limit=1 pages through the users by cursor', async ({ page }) => {
	const extra = await apiOk(201, 'POST', '/v1/users', { json: { username: `${uniq}-pager`, password: PASSWORD, role: 'viewer' } });
	try {
		const total = (await allUsers()).length;
		assert.ok(total >= 2);
		await page.goto('/users?limit=1');
		await page.waitForSelector('#users-table');
		await settled(page);
		assert.equal(await page.locator('#users-table tbody tr').count(), 1);
		for (let n = 2; n <= total; n++) {
			await page.click('#users-more');
			await page.waitForFunction((want) => document.querySelectorAll('#users-table tbody tr').length === want, n);
		}
		await page.waitForSelector('#users-more.hidden', { state: 'attached' });
		const names = (await rows(page, '#users-table')).map((r) => r.split(' | ')[0]);
		assert.equal(new Set(names).size, total, `every user once: ${names.join(', ')}`);
		assert.ok(names.includes(extra.username));
	} finally {
		await apiOk(204, 'DELETE', `/v1/users/${extra.id}`);
	}
});

test('/users for a member: their own password, tokens up to member, no user list', async ({ page }) => {
	const name = `${uniq}-bob`;
	const bob = await apiOk(201, 'POST', '/v1/users', { json: { username: name, password: PASSWORD, role: 'member' } });
	try {
		await signIn(page, name, PASSWORD, '/users');
		await page.waitForSelector('#who-role');
		await settled(page);
		assert.equal(await page.locator('#who-role').textContent(), 'member');
		assert.equal(await page.locator('.topbar nav a[href="/audit"]').count(), 0, 'no Audit link');
		assert.equal(await page.locator('#users-panel').isVisible(), false, 'no user list');
		assert.match(await page.locator('#account').textContent(), new RegExp(`Signed in as ${name} with the role member`));
		assert.deepEqual(await page.$$eval('#token-form [name=role] option', (os) => os.map((o) => o.value)), ['viewer', 'member']);
		await page.waitForSelector('#tokens .state.empty');

		await page.fill('#password-form [name=password]', `${PASSWORD} new`);
		await page.fill('#password-form [name=repeat]', `${PASSWORD} typo`);
		await page.click('#password-form button[type=submit]');
		await page.waitForSelector('#password-form .form-error:not(.hidden) >> text=The two passwords differ.');
		await page.fill('#password-form [name=repeat]', `${PASSWORD} new`);
		await page.click('#password-form button[type=submit]');
		await page.waitForSelector('#password-done .state.ok');
		await screenshot(page, 'users-member');
		assert.equal((await api('POST', '/v1/auth/login', { auth: false, json: { username: name, password: `${PASSWORD} new` } })).status,
			200, 'the new password signs in');
	} finally {
		await apiOk(204, 'DELETE', `/v1/users/${bob.id}`);
	}
}, { signedIn: false });
