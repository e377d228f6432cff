// /errors/<app_id>/issues/<issue_id> — one issue: the latest event's
// exception and stack, the tags, the events by cursor, the status changes and
// merge; and what a viewer is (not) offered.
import { api, apiOk, assert, rendersAsText, rows, screenshot, settled, signIn, test, XSS, XSS_SCRIPT } from '../lib.mjs';
import { errorEvent, ingestEvents, issuesCounted, LOOKUP_TITLE, makeApp, S, uniq } from '../seed.mjs';

const issuePath = (app, issue) => `/errors/${app.id}/issues/${issue.id}`;

/** Opens an issue page and waits until everything on it has loaded. */
async function openIssue(page, app, issue) {
	await page.goto(issuePath(app, issue));
	await page.waitForSelector('#summary-list');
	await page.waitForSelector('#events-table');
	await settled(page);
}

const texts = (page, selector) => page.$$eval(selector, (els) => els.map((el) => el.textContent));

/** The rows of the events table once it has n. */
async function eventRows(page, n) {
	await page.waitForFunction((want) => !document.querySelector('#events .state.loading') &&
		document.querySelectorAll('#events-table tbody tr').length === want, n);
	return page.$$eval('#events-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
}

test('an issue page: head, summary, 24 hours, the exception of an /apps event, tags and the events by cursor', async ({ page }) => {
	await openIssue(page, S.tracker, S.boom);
	assert.equal(await page.locator('#title').textContent(), 'ValueError: boom');
	assert.equal(await page.locator('#culprit').textContent(), 'app.views in checkout');
	assert.deepEqual(await texts(page, '#badges .badge'), ['ERROR', 'unresolved']);
	assert.equal(await page.locator('#app-link').textContent(), `← ${S.tracker.name}`);
	assert.equal(await page.locator('#app-link').getAttribute('href'), `/errors/${S.tracker.id}`);
	assert.equal(await page.locator('#issue-count').textContent(), '30');
	const summary = await page.locator('#summary-list').textContent();
	assert.ok(summary.includes('in release 1.0') && summary.includes('prod'), summary);
	assert.deepEqual(await page.$$eval('#summary-list time', (ts) => ts.map((t) => t.dateTime)), [S.boom.first_seen, S.boom.last_seen]);

	const hours = await page.$$eval('#series svg.sparkline rect', (rs) => rs.map((r) => Number(r.dataset.count)));
	assert.equal(hours.length, 24);
	assert.equal(hours.reduce((a, b) => a + b, 0), 30, 'the 24 hours hold the 30 events');
	assert.match(await page.locator('#series').textContent(), /30 events in the last 24 hours/);

	// An /apps stack: its value is the event's message; the innermost frame
	// (the application's) first, the library frame folded.
	assert.equal(await page.locator('#exception .exception-title').textContent(), 'ValueError: boom');
	assert.deepEqual(await texts(page, '#exception .exception > ol.frames > li.frame > .frame-head'), ['app.views:10 in checkoutin app']);
	assert.equal(await page.locator('#exception li.frame.in-app').count(), 1);
	assert.equal(await page.locator('#exception li.folded summary').textContent(), '1 library frame');
	assert.equal(await page.locator('#exception li.folded .frame-head').isVisible(), false, 'folded');
	await page.click('#exception li.folded summary');
	assert.equal(await page.locator('#exception li.folded .frame-head').textContent(), 'framework.handlers:120 in dispatch');

	// Tags: environment and release first, each value's share of the events.
	assert.deepEqual(await page.$$eval('#tags .tag-breakdown', (ds) => ds.map((d) => d.dataset.tag)),
		['environment', 'release', 'browser']);
	assert.deepEqual(await texts(page, '#tags [data-tag="browser"] li'), ['firefox20 · 67%', 'chrome10 · 33%']);
	assert.deepEqual(await texts(page, '#tags [data-tag="environment"] li'), ['prod30 · 100%']);
	const widths = await page.$$eval('#tags [data-tag="browser"] .bar-fill', (fs) => fs.map((f) => f.getBoundingClientRect().width));
	assert.ok(widths[0] > widths[1] * 1.8 && widths[1] > 0, `the bars follow the counts: ${widths}`);

	// The latest event.
	assert.equal(await page.locator('#latest-message').textContent(), 'boom');
	assert.equal(await page.locator('#latest-link').getAttribute('href'), `/errors/${S.tracker.id}?event=${S.boom.latest_event_id}`);
	await screenshot(page, 'issue');

	// The events, newest first, 20 a page.
	const first = await eventRows(page, 20);
	assert.equal(first[0], String(S.boom.latest_event_id), 'newest first');
	const r = (await rows(page, '#events-table'))[0].split(' | ');
	assert.deepEqual([r[2], r[3], r[4], r[5]], ['ERROR', 'boom', 'prod', '1.0']);
	assert.equal(await page.locator('#page-info').textContent(), 'events 1–20');
	assert.equal(await page.locator('#newest').isDisabled(), true);
	await page.click('#older');
	const second = await eventRows(page, 10);
	assert.equal(await page.locator('#page-info').textContent(), 'events 21–30');
	assert.equal(await page.locator('#older').isDisabled(), true);
	assert.equal(new Set([...first, ...second]).size, 30, 'every event once');
	assert.ok(Number(second[0]) < Number(first[19]), 'older ones on the next page');
	await page.click('#newest');
	assert.deepEqual(await eventRows(page, 20), first);

	// An event opens in its application's event view, which links back here.
	await page.click(`#events-table tr[data-id="${first[3]}"] a`);
	await page.waitForURL((url) => url.pathname === `/errors/${S.tracker.id}` && url.searchParams.get('event') === first[3]);
	await page.waitForFunction((id) => document.querySelector('#event-title').textContent === `Event ${id}`, first[3]);
	assert.equal(await page.locator('#event-issue').getAttribute('href'), issuePath(S.tracker, S.boom));
});

test('an issue page of a Sentry event: chained exceptions, in-app frames with context lines, context; hostile text stays text', async ({ page }) => {
	await openIssue(page, S.tracker, S.lookup);
	await page.waitForSelector('#latest-message');
	assert.equal(await page.locator('#title').textContent(), LOOKUP_TITLE);
	assert.equal(await page.locator('#culprit').textContent(), 'app.orders in load');
	// The raised exception first.
	assert.deepEqual(await texts(page, '#exception .exception-title'), [`LookupFailed: ${XSS} unhandled`, "KeyError: 'id'"]);
	const raised = page.locator('#exception .exception').first();
	assert.deepEqual(await raised.locator(':scope > ol.frames > li.frame > .frame-head').allTextContents(), ['app/orders.py:20 in loadin app']);
	assert.deepEqual(await raised.locator('li.frame.in-app .ctx-line').allTextContents(), [
		'18def load(orders, k):', '19    d = orders.cache()', '20    return d[k]', `21${XSS_SCRIPT}`]);
	assert.equal(await raised.locator('.ctx-line.current').textContent(), '20    return d[k]', 'the crashing line stands out');
	assert.equal(await raised.locator('li.folded summary').textContent(), '2 library frames');
	await raised.locator('li.folded summary').click();
	assert.deepEqual(await raised.locator('li.folded .frame-head').allTextContents(),
		['lib/router.py:88 in route', 'lib/server.py:300 in serve'], 'innermost first');
	await raised.locator('details.vars summary').click();
	assert.match(await raised.locator('details.vars').textContent(), /k'id'/);

	const tags = await page.$$eval('#tags .tag-breakdown', (ds) => ds.map((d) => d.dataset.tag));
	assert.deepEqual(tags.slice(0, 2), ['environment', 'release']);
	assert.ok(tags.includes('browser'), tags.join());
	assert.deepEqual(await texts(page, '#tags [data-tag="environment"] li'), ['staging1 · 100%']);

	// The latest event's context: the request and the user.
	assert.deepEqual((await texts(page, '#latest .event-context summary')).sort(), ['request', 'user']);
	await page.click('#latest .event-context summary >> text=user');
	assert.match(await page.locator('#latest .event-context').textContent(), /ann@example\.com/);
	assert.equal(await page.locator('#latest-message').textContent(), LOOKUP_TITLE);

	await rendersAsText(page, '#title', XSS);
	await rendersAsText(page, '#exception', XSS);
	await rendersAsText(page, '#exception', XSS_SCRIPT);
	await rendersAsText(page, '#tags', XSS);
	await rendersAsText(page, '#events-table', XSS);
	await screenshot(page, 'issue-sentry');
});

test('an issue page: Resolve, Reopen, Resolve in next release and Ignore change its status', async ({ page }) => {
	const app = await makeApp('statuses');
	await ingestEvents(app, errorEvent('status me', { release: '3.0' }));
	const issue = (await issuesCounted(app, { 'ValueError: status me': 1 }))['ValueError: status me'];
	const stored = async () => apiOk(200, 'GET', `/apps/${app.id}/issues/${issue.id}`);
	const status = () => page.locator('#badges .badge').nth(1).textContent();
	const offered = async () => page.$$eval('#actions button', (bs) => bs.filter((b) => b.offsetParent !== null).map((b) => b.textContent));

	await openIssue(page, app, issue);
	assert.deepEqual(await offered(), ['Resolve', 'Resolve in next release', 'Ignore']);

	await page.click('#action-resolve');
	await page.waitForSelector('#action-note >> text=Resolved.');
	assert.equal(await status(), 'resolved');
	assert.deepEqual(await offered(), ['Resolve in next release', 'Ignore', 'Reopen']);
	assert.match(await page.locator('#summary-list').textContent(), /resolved since .*until it happens again/);
	let s = await stored();
	assert.equal(s.status, 'resolved');
	assert.equal(s.resolved_in_release, null);
	await screenshot(page, 'issue-resolved');

	await page.click('#action-reopen');
	await page.waitForSelector('#action-note >> text=Reopened.');
	assert.equal(await status(), 'unresolved');
	assert.equal((await stored()).status, 'unresolved');

	await page.click('#action-resolve-next');
	await page.waitForSelector('#action-note >> text=Resolved in the next release.');
	assert.equal(await page.locator('#resolved-note').textContent(), 'resolved in the next release');
	assert.deepEqual(await offered(), ['Resolve', 'Ignore', 'Reopen']);
	s = await stored();
	assert.equal(s.status, 'resolved');
	assert.equal(s.resolved_in_release, 'next');

	await page.click('#action-ignore');
	await page.waitForSelector('#action-note >> text=Ignored.');
	assert.equal(await status(), 'ignored');
	assert.equal((await stored()).status, 'ignored');
	await page.reload();
	await page.waitForSelector('#summary-list');
	assert.equal(await status(), 'ignored', 'as stored');
	assert.deepEqual(await offered(), ['Resolve', 'Resolve in next release', 'Reopen']);
});

test('an issue page: Merge takes other issues into this one', async ({ page }) => {
	const app = await makeApp('merge-page');
	await ingestEvents(app, [errorEvent('keeper', { fn: 'a' }), errorEvent('keeper', { fn: 'a' }),
		errorEvent('merged away', { fn: 'b' }), errorEvent('merged too', { fn: 'c' })]);
	const issues = await issuesCounted(app, { 'ValueError: keeper': 2, 'ValueError: merged away': 1, 'ValueError: merged too': 1 });
	const keeper = issues['ValueError: keeper'];
	const others = [issues['ValueError: merged away'], issues['ValueError: merged too']];

	await openIssue(page, app, keeper);
	assert.equal(await page.locator('#issue-count').textContent(), '2');
	await page.fill('#merge-form [name=ids]', 'seven');
	await page.click('#merge-form button[type=submit]');
	await page.waitForSelector('#action-note .state.error');
	assert.match(await page.locator('#action-note').textContent(), /Give the ids/);

	await page.fill('#merge-form [name=ids]', `${others[0].id}, ${others[1].id}`);
	await page.click('#merge-form button[type=submit]');   // confirm() is accepted
	await page.waitForSelector('#action-note >> text=Merged 2 issues into this one');
	for (const other of others)
		assert.equal((await api('GET', `/apps/${app.id}/issues/${other.id}`)).status, 404, `#${other.id} is gone`);
	await issuesCounted(app, { 'ValueError: keeper': 4 });
	// The count follows the rollup: reload until it shows.
	for (let i = 0; i < 20 && await page.locator('#issue-count').textContent() !== '4'; i++)
		await openIssue(page, app, keeper);
	assert.equal(await page.locator('#issue-count').textContent(), '4');
	assert.equal((await eventRows(page, 4)).length, 4, 'the events moved here');
	assert.deepEqual((await rows(page, '#events-table')).map((x) => x.split(' | ')[3]).sort(),
		['keeper', 'keeper', 'merged away', 'merged too']);

	// Another application's issue is not merged.
	await page.fill('#merge-form [name=ids]', String(S.boom.id));
	await page.click('#merge-form button[type=submit]');
	await page.waitForSelector('#action-note .state.error');
	assert.match(await page.locator('#action-note').textContent(), /Not found.*ids/);
	assert.equal((await apiOk(200, 'GET', `/apps/${S.tracker.id}/issues/${S.boom.id}`)).count, 30, 'untouched');
	await screenshot(page, 'issue-merged');
}, { allowConsole: /status of 404/ });

test('an unknown issue, or an issue of another application, says there is none', async ({ page }) => {
	await page.goto(`/errors/${S.tracker.id}/issues/999999999`);
	await page.waitForSelector('#issue-state .state.error');
	assert.match(await page.locator('#issue-state').textContent(), new RegExp(`no issue 999999999 in application ${S.tracker.id}`));
	assert.equal(await page.locator('#events-table').count(), 0);
	assert.equal(await page.locator('#summary-title').isVisible(), false, 'no empty panels');
	await page.goto(`/errors/${S.shop.id}/issues/${S.boom.id}`);
	await page.waitForSelector('#issue-state .state.error');
	assert.match(await page.locator('#issue-state').textContent(), /no issue/);
	await screenshot(page, 'issue-unknown');
}, { allowConsole: /status of 404/ });

test('a viewer reads issues and is offered no change: no checkboxes, bulk buttons, status actions or merge', async ({ page }) => {
	const password = 'a viewer reads issues';
	const viewer = await apiOk(201, 'POST', '/v1/users', { json: { username: `${uniq}-issue-viewer`, password, role: 'viewer' } });
	const shown = (selector) => page.locator(`${selector} >> visible=true`).count();
	try {
		await signIn(page, viewer.username, password, `/errors/${S.tracker.id}`);
		await page.waitForSelector('#issues-table');
		await settled(page);
		assert.equal(await page.locator('#issues-table tbody tr').count(), 3, 'the issues are listed');
		assert.equal(await shown('#issues-table input[type=checkbox]'), 0, 'no checkboxes');
		assert.equal(await shown('#bulk'), 0, 'no bulk buttons');
		await screenshot(page, 'viewer-issues');

		await openIssue(page, S.tracker, S.boom);
		assert.equal(await page.locator('#issue-count').textContent(), '30');
		assert.equal(await shown('#actions-panel'), 0, 'no status actions');
		assert.equal(await shown('#merge-form'), 0, 'no merge');
		assert.equal(await shown('main button:not(#refresh):not(#older):not(#newest)'), 0, 'no other buttons');

		// The API agrees.
		const refused = await page.evaluate((p) => fetch(p, {
			method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"status":"resolved"}',
		}).then((r) => r.status), `/apps/${S.tracker.id}/issues/${S.boom.id}`);
		assert.equal(refused, 403, 'PATCH as a viewer');
		await screenshot(page, 'viewer-issue');
	} finally {
		await apiOk(204, 'DELETE', `/v1/users/${viewer.id}`);
	}
}, { signedIn: false, allowConsole: /status of 403/ });
