// /errors/<app_id> leads with the application's issues: columns, sparkline,
// filters, sorts, pages, and the bulk changes and merge of picked rows.
import { api, apiOk, assert, rendersAsText, rows, screenshot, settled, test } from '../lib.mjs';
import { errorEvent, ingestEvents, issuesCounted, LOOKUP_TITLE, makeApp, S } from '../seed.mjs';

/** The ids of the issue rows, once the list has settled to n rows. */
async function issueIds(page, n) {
	await page.waitForFunction((want) => !document.querySelector('#issues .state.loading') &&
		document.querySelectorAll('#issues-table tbody tr').length === want, n);
	return page.$$eval('#issues-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
}

/** Waits until the issues region shows its empty state; returns its text. */
async function issuesEmpty(page) {
	await page.waitForSelector('#issues .state.empty');
	return page.locator('#issues').textContent();
}

const ids = (...issues) => issues.map((i) => String(i.id));

/** Waits until the issue rows are those of want (ids, in order); fails
 *  naming the rows shown when they never are. A filter typed into a field
 *  applies a moment later, so the list is waited for, not read at once. */
async function showsIssues(page, want, what) {
	const current = () => page.$$eval('#issues-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
	try {
		await page.waitForFunction((w) => !document.querySelector('#issues .state.loading') &&
			JSON.stringify(Array.from(document.querySelectorAll('#issues-table tbody tr')).map((tr) => tr.dataset.id)) === w,
		JSON.stringify(want), { timeout: 8000 });
	} catch {
		// the assertion below says what is shown instead
	}
	assert.deepEqual(await current(), want, what);
}

test('/errors/<app_id> leads with its issues: title, culprit, level, count, sparkline, first and last seen, status', async ({ page }) => {
	await page.goto(`/errors/${S.tracker.id}`);
	await showsIssues(page, ids(S.boom, S.lookup, S.disk), 'last seen first');
	await settled(page);
	const r = await rows(page, '#issues-table');
	// pick | Issue | Level | Events | Last 24 hours | First seen | Last seen | Status
	const boom = r[0].split(' | ');
	assert.match(boom[1], /^ValueError: boomapp\.views in checkout#\d+prodrelease 1\.0$/, boom[1]);
	assert.equal(boom[2], 'ERROR');
	assert.equal(boom[3], '30');
	assert.equal(boom[7], 'unresolved');
	const first = await page.$eval(`#issues-table tr[data-id="${S.boom.id}"] td:nth-child(6) time`, (t) => t.dateTime);
	const last = await page.$eval(`#issues-table tr[data-id="${S.boom.id}"] td:nth-child(7) time`, (t) => t.dateTime);
	assert.equal(first, S.boom.first_seen);
	assert.equal(last, S.boom.last_seen);
	assert.ok(Date.parse(first) < Date.parse(last), 'the first ten events came before the last twenty');
	assert.equal(r[2].split(' | ')[2], 'WARNING');
	assert.equal(await page.locator(`#issues-table tr[data-id="${S.disk.id}"] .culprit`).count(), 0, 'no stack, no culprit');

	// The sparkline: 24 hourly bars that add up to the count.
	const spark = await page.$eval(`#issues-table tr[data-id="${S.boom.id}"] svg.sparkline`, (svg) => ({
		total: svg.dataset.total,
		counts: Array.from(svg.querySelectorAll('rect')).map((r) => Number(r.dataset.count)),
		heights: Array.from(svg.querySelectorAll('rect')).map((r) => Number(r.getAttribute('height'))),
	}));
	assert.equal(spark.counts.length, 24);
	assert.equal(spark.counts.reduce((a, b) => a + b, 0), 30);
	assert.equal(spark.total, '30');
	assert.ok(Math.max(...spark.heights) > 10 && spark.heights.some((x) => x === 1), `bars scaled: ${spark.heights}`);

	await rendersAsText(page, '#issues-table', LOOKUP_TITLE);
	const href = await page.locator(`#issues-table tr[data-id="${S.lookup.id}"] a.issue-title`).getAttribute('href');
	assert.equal(href, `/errors/${S.tracker.id}/issues/${S.lookup.id}`);
	await screenshot(page, 'issues');
	await page.click(`#issues-table tr[data-id="${S.lookup.id}"] a.issue-title`);
	await page.waitForURL((url) => url.pathname === href);
});

test('/errors/<app_id>: the issues sort by last seen, first seen and events, and the sort lives in the URL', async ({ page }) => {
	await page.goto(`/errors/${S.tracker.id}`);
	await issueIds(page, 3);
	await page.selectOption('#issue-filters [name=sort]', 'first_seen');
	await page.waitForFunction(() => new URL(window.location.href).searchParams.get('sort') === 'first_seen');
	await showsIssues(page, ids(S.lookup, S.disk, S.boom), 'first seen, newest first');
	await page.selectOption('#issue-filters [name=sort]', 'count');
	await page.waitForFunction(() => new URL(window.location.href).searchParams.get('sort') === 'count');
	await showsIssues(page, ids(S.boom, S.disk, S.lookup), 'most events first');
	await page.reload();
	assert.equal(await page.locator('#issue-filters [name=sort]').inputValue(), 'count');
	await showsIssues(page, ids(S.boom, S.disk, S.lookup), 'the sort survives a reload');
});

test('/errors/<app_id>: the issue filters (level, environment, release, text, status) narrow the list', async ({ page }) => {
	await page.goto(`/errors/${S.tracker.id}`);
	await issueIds(page, 3);
	await page.selectOption('#issue-filters [name=issue_level]', 'WARNING');
	await showsIssues(page, ids(S.disk), 'level WARNING');
	assert.equal(new URL(page.url()).searchParams.get('issue_level'), 'WARNING');
	assert.equal(new URL(page.url()).searchParams.get('level'), null, 'the events\' level filter is not touched');
	await page.selectOption('#issue-filters [name=issue_level]', '');
	await issueIds(page, 3);

	await page.fill('#issue-filters [name=environment]', 'staging');
	await showsIssues(page, ids(S.lookup), 'environment staging');
	assert.deepEqual(await page.$$eval('#issue-environments option', (os) => os.map((o) => o.value)), ['prod', 'staging'],
		'the environments seen are offered');
	await page.fill('#issue-filters [name=environment]', '');
	await issueIds(page, 3);

	await page.fill('#issue-filters [name=release]', '1.1');
	await showsIssues(page, ids(S.disk), 'release 1.1');
	await page.fill('#issue-filters [name=release]', '');
	await issueIds(page, 3);

	await page.fill('#issue-filters [name=query]', 'CHECKOUT');
	await showsIssues(page, ids(S.boom), 'text in the culprit, in any case');
	await page.fill('#issue-filters [name=query]', 'almost');
	await showsIssues(page, ids(S.disk), 'text in the title');
	assert.equal(new URL(page.url()).searchParams.get('query'), 'almost');
	await page.fill('#issue-filters [name=query]', '');
	await issueIds(page, 3);

	await page.selectOption('#issue-filters [name=status]', 'resolved');
	assert.match(await issuesEmpty(page), /No issues match these filters/);
	await page.selectOption('#issue-filters [name=status]', 'all');
	await issueIds(page, 3);

	// A shared link opens filtered, the events below untouched.
	await page.goto(`/errors/${S.tracker.id}?environment=prod&issue_level=ERROR`);
	await showsIssues(page, ids(S.boom));
	assert.equal(await page.locator('#issue-filters [name=environment]').inputValue(), 'prod');
	await page.waitForSelector('#events-table');
	await settled(page);
	assert.equal(await page.locator('#events-table tbody tr').count(), 20, 'every level of event below');
	await screenshot(page, 'issues-filtered');
});

test('/errors/<app_id>: the issues page by cursor (25 a page)', async ({ page }) => {
	const app = await makeApp('many-issues');
	// 27 issues: each its own fingerprint.
	await ingestEvents(app, Array.from({ length: 27 }, (_, i) => ({
		occurred_at: new Date().toISOString(), level: 'ERROR', message: `group ${String.fromCharCode(97 + i)}`,
		fingerprint: [`group-${i}`],
	})));
	const counts = Object.fromEntries(Array.from({ length: 27 }, (_, i) => [`group ${String.fromCharCode(97 + i)}`, 1]));
	await issuesCounted(app, counts);
	await page.goto(`/errors/${app.id}`);
	const first = await issueIds(page, 25);
	assert.equal(await page.locator('#issues-page-info').textContent(), 'issues 1–25');
	assert.equal(await page.locator('#issues-newer').isDisabled(), true);
	await page.click('#issues-older');
	const second = await issueIds(page, 2);
	assert.equal(await page.locator('#issues-page-info').textContent(), 'issues 26–27');
	assert.equal(await page.locator('#issues-older').isDisabled(), true);
	assert.equal(new Set([...first, ...second]).size, 27, 'every issue once');
	await page.click('#issues-newer');
	assert.deepEqual(await issueIds(page, 25), first);
});

test('/errors/<app_id>: picked issues are resolved, reopened and ignored at once', async ({ page }) => {
	const app = await makeApp('bulk');
	await ingestEvents(app, [errorEvent('one', { fn: 'a' }), errorEvent('two', { fn: 'b' }), errorEvent('three', { fn: 'c' })]);
	const issues = await issuesCounted(app, { 'ValueError: one': 1, 'ValueError: two': 1, 'ValueError: three': 1 });
	const [one, two, three] = ['one', 'two', 'three'].map((t) => issues[`ValueError: ${t}`]);
	const status = async (issue) => (await apiOk(200, 'GET', `/apps/${app.id}/issues/${issue.id}`)).status;

	await page.goto(`/errors/${app.id}`);
	await issueIds(page, 3);
	assert.equal(await page.locator('#bulk-resolve').isDisabled(), true, 'nothing picked, nothing to do');
	await page.check(`#issues-table tr[data-id="${one.id}"] .pick-one`);
	await page.check(`#issues-table tr[data-id="${two.id}"] .pick-one`);
	assert.equal(await page.locator('#picked-info').textContent(), '2 picked');
	assert.equal(await page.locator('#issues-table tr.selected').count(), 2);
	await screenshot(page, 'issues-picked');
	await page.click('#bulk-resolve');
	await page.waitForSelector('#bulk-note >> text=Resolved: 2 issues.');
	await showsIssues(page, ids(three), 'the resolved ones leave the unresolved list');
	assert.equal(await status(one), 'resolved');
	assert.equal(await status(two), 'resolved');
	assert.equal(await status(three), 'unresolved');

	await page.selectOption('#issue-filters [name=status]', 'resolved');
	await issueIds(page, 2);
	await page.check('#pick-all');
	assert.equal(await page.locator('#picked-info').textContent(), '2 picked');
	await page.click('#bulk-reopen');
	await page.waitForSelector('#bulk-note >> text=Reopened: 2 issues.');
	assert.match(await issuesEmpty(page), /No issues match/);
	assert.equal(await status(one), 'unresolved');
	assert.equal(await status(two), 'unresolved');

	await page.selectOption('#issue-filters [name=status]', 'unresolved');
	await issueIds(page, 3);
	await page.check(`#issues-table tr[data-id="${three.id}"] .pick-one`);
	await page.click('#bulk-ignore');
	await page.waitForSelector('#bulk-note >> text=Ignored: 1 issue.');
	await issueIds(page, 2);
	assert.equal(await status(three), 'ignored');
	await page.selectOption('#issue-filters [name=status]', 'ignored');
	await showsIssues(page, ids(three));
	assert.equal((await rows(page, '#issues-table'))[0].split(' | ')[7], 'ignored');
});

test('/errors/<app_id>: Merge takes the picked issues into the first one picked', async ({ page }) => {
	const app = await makeApp('merge-list');
	await ingestEvents(app, [errorEvent('alpha', { fn: 'a' }), errorEvent('alpha', { fn: 'a' }),
		errorEvent('beta', { fn: 'b' }), errorEvent('gamma', { fn: 'c' })]);
	const issues = await issuesCounted(app, { 'ValueError: alpha': 2, 'ValueError: beta': 1, 'ValueError: gamma': 1 });
	const [alpha, beta, gamma] = ['alpha', 'beta', 'gamma'].map((t) => issues[`ValueError: ${t}`]);

	await page.goto(`/errors/${app.id}`);
	await issueIds(page, 3);
	await page.check(`#issues-table tr[data-id="${gamma.id}"] .pick-one`);
	assert.equal(await page.locator('#bulk-merge').isDisabled(), true, 'one issue is not a merge');
	await page.check(`#issues-table tr[data-id="${alpha.id}"] .pick-one`);
	await page.click('#bulk-merge');   // confirm() is accepted
	await page.waitForSelector('#bulk-note >> text=Merged 2 issues into');
	assert.equal(await page.locator('#bulk-note a').getAttribute('href'), `/errors/${app.id}/issues/${gamma.id}`,
		'the first picked took the other in');
	assert.deepEqual((await issueIds(page, 2)).sort(), ids(beta, gamma).sort());
	assert.equal((await api('GET', `/apps/${app.id}/issues/${alpha.id}`)).status, 404, 'the other is gone');
	await issuesCounted(app, { 'ValueError: gamma': 3, 'ValueError: beta': 1 });
	// The count follows (the rollup is up to a second behind): reload until it shows.
	for (let i = 0; i < 20; i++) {
		await page.reload();
		await issueIds(page, 2);
		if (await page.locator(`#issues-table tr[data-id="${gamma.id}"] td.count`).textContent() === '3')
			break;
	}
	assert.equal(await page.locator(`#issues-table tr[data-id="${gamma.id}"] td.count`).textContent(), '3');
	await screenshot(page, 'issues-merged');
});
