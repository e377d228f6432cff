// /audit — the audit trail, for admins.
import { apiOk, assert, rows, screenshot, settled, test } from '../lib.mjs';
import { uniq } from '../seed.mjs';

test('/audit lists the entries newest first, with who and what, and loads more by cursor', async ({ page }) => {
	const app = await apiOk(201, 'POST', `/apps/${encodeURIComponent(`${uniq}-audited`)}`);
	await apiOk(204, 'DELETE', `/apps/${app.id}`);
	const newest = (await apiOk(200, 'GET', '/v1/audit?limit=10')).items;
	assert.equal(newest[0].action, 'app.delete', 'the API has the deletion first');

	await page.goto('/audit?limit=5');
	await page.waitForSelector('#audit-table');
	await settled(page);
	assert.equal(await page.locator('.topbar nav a[aria-current="page"]').textContent(), 'Audit');
	let r = await rows(page, '#audit-table');
	assert.equal(r.length, 5);
	const ids = () => page.$$eval('#audit-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
	assert.deepEqual(await ids(), newest.slice(0, 5).map((e) => String(e.id)), 'the API\'s newest five, in its order');
	// When | Who | Via | Address | Action | Target | Detail
	const [del, create] = r.map((x) => x.split(' | '));
	assert.equal(del[1], 'admin');
	assert.equal(del[2], 'token');
	assert.equal(del[4], 'app.delete');
	assert.equal(create[4], 'app.create');
	assert.ok(r.slice(0, 2).every((x) => x.includes(String(app.id)) || x.includes(app.name)), r.slice(0, 2).join('\n'));
	const times = await page.$$eval('#audit-table time', (ts) => ts.map((t) => Date.parse(t.dateTime)));
	assert.ok(times.every((t, i) => i === 0 || t <= times[i - 1]), 'newest first');

	await page.click('#more');
	await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 10);
	assert.deepEqual(await ids(), newest.map((e) => String(e.id)), 'the next five follow, none twice');
	r = await rows(page, '#audit-table');
	assert.ok(r.length === 10);
	await screenshot(page, 'audit');
});

test('/audit records the sign-ins', async ({ page }) => {
	await page.goto('/audit?limit=100');
	await page.waitForSelector('#audit-table');
	await settled(page);
	const actions = (await rows(page, '#audit-table')).map((x) => x.split(' | ')[4]);
	assert.ok(actions.includes('auth.login'), actions.join(', '));
});
