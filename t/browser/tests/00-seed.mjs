import { adminPassword, assert, keepSession, signIn, test } from '../lib.mjs';
import { seed } from '../seed.mjs';

test('seed: services, keys, logs, applications and events through the API', async () => {
	await seed();
}, { page: false });

// The later tests' pages share this session (lib.mjs keepSession).
test('the browser signs in as admin through /login', async ({ page, context }) => {
	await signIn(page, 'admin', adminPassword());
	assert.equal(new URL(page.url()).pathname, '/');
	await page.waitForSelector('#who-name');
	assert.equal(await page.locator('#who-name').textContent(), 'admin');
	await keepSession(context);
}, { signedIn: false });
