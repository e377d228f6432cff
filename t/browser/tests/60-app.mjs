// /errors/<app_id> — events, filters, pages, detail, charts.
import {
	apiOk, assert, chartDrawn, eventually, holdBack, rendersAsText, rowIds, rows, screenshot, settled, test, XSS, XSS_SCRIPT,
} from '../lib.mjs';
import { ingestEvents, makeApp, S } from '../seed.mjs';

async function eventRows(page, n) {
	await page.waitForFunction((want) => !document.querySelector('#events .state.loading') &&
		document.querySelectorAll('#events-table tbody tr').length === want, n);
	return rows(page, '#events-table');
}

const sum = (a) => a.reduce((n, x) => n + (x || 0), 0);

test('/errors/<app_id> shows events, the time series, counts by level and top messages', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}`);
	await eventRows(page, 20);
	await settled(page);
	assert.equal(await page.locator('#title').textContent(), S.shop.name);
	assert.equal(await page.locator('#older').isDisabled(), false);
	const series = await chartDrawn(page, '#chart-series');
	assert.equal(sum(series.datasets[0].data), S.shopEvents, 'the series counts every event');
	const levels = await chartDrawn(page, '#chart-levels');
	const byLevel = Object.fromEntries(levels.labels.map((l, i) => [l, levels.datasets[0].data[i]]));
	assert.deepEqual(byLevel, { DEBUG: 25, ERROR: 2, INFO: 1, WARNING: 1, CRITICAL: 1 });
	const top = await rows(page, '#top-table');
	assert.equal(top.length, 10);
	await rendersAsText(page, '#events-table', XSS);
	await rendersAsText(page, '#top-table', XSS);
	await screenshot(page, 'app-events');
});

test('/errors/<app_id>: the level filter narrows the table and the charts, and lives in the URL', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}`);
	await eventRows(page, 20);
	await page.selectOption('#filters [name=level]', 'ERROR');
	const r = await eventRows(page, 2);
	assert.ok(r.some((x) => x.includes('payment declined')), r.join('\n'));
	assert.equal(new URL(page.url()).searchParams.get('level'), 'ERROR');
	await settled(page);
	const series = await chartDrawn(page, '#chart-series');
	assert.equal(sum(series.datasets[0].data), 2);
	assert.equal(await page.locator('#older').isDisabled(), true);
});

test('/errors/<app_id>?level=WARNING opens filtered', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}?level=WARNING`);
	const r = await eventRows(page, 1);
	assert.ok(r[0].includes('slow disk'), r[0]);
	assert.equal(await page.locator('#filters [name=level]').inputValue(), 'WARNING');
});

test('/errors/<app_id> pages through the events', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}`);
	await eventRows(page, 20);
	assert.equal(await page.locator('#page-info').textContent(), 'events 1–20');
	await page.click('#older');
	await eventRows(page, S.shopEvents - 20);
	assert.equal(await page.locator('#page-info').textContent(), `events 21–${S.shopEvents}`);
	const q = new URL(page.url()).searchParams;
	assert.ok(q.get('cursor'), 'the page\'s cursor is in the URL');
	assert.equal(q.get('offset'), null);
	assert.equal(await page.locator('#older').isDisabled(), true);
	await page.click('#newer');
	await eventRows(page, 20);
	assert.equal(new URL(page.url()).searchParams.get('cursor'), null);
});

/** A new application with n events (messages "e 0" … "e n-1"); their ids as
 *  GET /apps/{id}/events lists them, newest first, in pages of size. */
async function pagedApp(name, n, size) {
	const app = await makeApp(name);
	const now = new Date().toISOString();
	for (let i = 0; i < n; i++)
		await ingestEvents(app, { occurred_at: now, level: 'info', message: `e ${i}` });
	const { items } = await apiOk(200, 'GET', `/apps/${app.id}/events?limit=50`);
	assert.equal(items.length, n);
	const ids = items.map((e) => String(e.id));
	const pages = [];
	for (let i = 0; i < ids.length; i += size)
		pages.push(ids.slice(i, i + size));
	return { app, pages };
}

const ids = (page) => rowIds(page, '#events-table');
const pageInfo = (page) => page.locator('#page-info').textContent();

test('/errors/<app_id>: Older three pages and Newer back to the first show the same events', async ({ page }) => {
	const { app, pages } = await pagedApp('walk', 35, 10);
	await page.goto(`/errors/${app.id}?limit=10`);
	await eventually(() => ids(page), pages[0], 'the first page');
	assert.equal(await pageInfo(page), 'events 1–10');
	const cursors = [null];
	for (let i = 1; i <= 3; i++) {
		await page.click('#older');
		await eventually(() => ids(page), pages[i], `page ${i + 1} after Older`);
		const cursor = new URL(page.url()).searchParams.get('cursor');
		assert.ok(cursor && !cursors.includes(cursor), `page ${i + 1} has a cursor of its own`);
		cursors.push(cursor);
	}
	assert.equal(await pageInfo(page), 'events 31–35');
	assert.equal(await page.locator('#older').isDisabled(), true);
	for (let i = 2; i >= 0; i--) {
		await page.click('#newer');
		await eventually(() => ids(page), pages[i], `page ${i + 1} after Newer`);
		assert.equal(new URL(page.url()).searchParams.get('cursor'), cursors[i], `page ${i + 1}'s URL`);
		assert.equal(await pageInfo(page), `events ${i * 10 + 1}–${i * 10 + 10}`);
	}
	assert.equal(await page.locator('#newer').isDisabled(), true);
});

test('/errors/<app_id>: a page of events reloaded, or opened from its URL, shows the same events', async ({ page, context }) => {
	const { app, pages } = await pagedApp('reload', 25, 10);
	await page.goto(`/errors/${app.id}?limit=10`);
	await eventually(() => ids(page), pages[0], 'the first page');
	await page.click('#older');
	await eventually(() => ids(page), pages[1], 'page 2');
	// An event opened on the page stays in the URL beside the cursor.
	await page.click(`#events-table tr[data-id="${pages[1][3]}"]`);
	await page.waitForSelector('#event-panel:not(.hidden)');
	const url = page.url();
	assert.ok(new URL(url).searchParams.get('cursor'));

	await page.reload();
	await eventually(() => ids(page), pages[1], 'page 2 reloaded');
	assert.equal(await pageInfo(page), 'events 11–20');
	await page.waitForFunction((id) => document.querySelector('#event-title').textContent === `Event ${id}`, pages[1][3]);

	const other = await context.newPage();
	await other.goto(url);
	await eventually(() => ids(other), pages[1], 'page 2 opened from its URL');
	assert.equal(await pageInfo(other), 'events further back');
	await other.click('#newer');
	await eventually(() => ids(other), pages[0], 'Newer leads to the first page');
	await other.close();
});

test('/errors/<app_id>: an event that arrives after the first page does not shift the older pages', async ({ page }) => {
	const { app, pages } = await pagedApp('arrive', 25, 10);
	await page.goto(`/errors/${app.id}?limit=10`);
	await eventually(() => ids(page), pages[0], 'the first page');
	await ingestEvents(app, { occurred_at: new Date().toISOString(), level: 'info', message: 'late' });
	await page.click('#older');
	await eventually(() => ids(page), pages[1], 'page 2 as it was before the new event');
	await page.click('#older');
	await eventually(() => ids(page), pages[2], 'page 3 as it was before the new event');
	assert.equal(await page.locator('#older').isDisabled(), true);
});

test('/errors/<app_id>?offset=… opens the first page of events', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}?offset=20`);
	await eventRows(page, 20);
	assert.equal(await page.locator('#page-info').textContent(), 'events 1–20');
	assert.equal(await page.locator('#newer').isDisabled(), true);
	await page.click('#older');
	await eventRows(page, S.shopEvents - 20);
	assert.equal(new URL(page.url()).searchParams.get('offset'), null, 'the offset has left the URL');
});

test('/errors/<app_id>: a click shows the event\'s stack and tags; HTML in a message stays text', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}?level=ERROR`);
	await eventRows(page, 2);
	await page.click(`#events-table tr[data-id="${S.declined.id}"]`);
	await page.waitForSelector('#event-panel:not(.hidden) .frames');
	const frames = await page.$$eval('#event .frames li', (li) => li.map((x) => x.textContent));
	assert.deepEqual(frames, ['pay.py:42 in charge', 'app.py:10 in main']);
	const tags = await page.locator('#event .kv-table').textContent();
	assert.ok(tags.includes('region') && tags.includes('eu') && tags.includes('shop@1.2.3'), tags);
	assert.equal(new URL(page.url()).searchParams.get('event'), String(S.declined.id));
	await screenshot(page, 'app-event');

	await page.click(`#events-table tr[data-id="${S.xssEvent.id}"]`);
	await page.waitForFunction((id) => document.querySelector('#event-title').textContent === `Event ${id}`, S.xssEvent.id);
	assert.equal(await page.locator('#event-message').textContent(), XSS);
	await rendersAsText(page, '#event', XSS);
	await rendersAsText(page, '#event', XSS_SCRIPT);
});

test('/errors/<app_id>: an event\'s late answer does not cover the one picked after it', async ({ page }) => {
	// The declined event is held back until the XSS event is shown, then closed.
	const ofDeclined = (url) => url.pathname === `/apps/${S.shop.id}/events/${S.declined.id}`;
	let declined = await holdBack(page, ofDeclined);
	try {
		await page.goto(`/errors/${S.shop.id}?level=ERROR`);
		await eventRows(page, 2);
		const asked = declined.asked();
		await page.click(`#events-table tr[data-id="${S.declined.id}"]`);
		await asked;
		await page.click(`#events-table tr[data-id="${S.xssEvent.id}"]`);
		await page.waitForSelector('#event-message');
		await (await declined.letGo()).finished();
		await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));   // the page's turn to read it
		await settled(page);
		assert.equal(await page.locator('#event-title').textContent(), `Event ${S.xssEvent.id}`);
		assert.equal(await page.locator('#event-message').textContent(), XSS);

		// Closed while an event loads: the panel is left empty, not loading.
		await declined.stop();
		declined = await holdBack(page, ofDeclined);
		await page.click(`#events-table tr[data-id="${S.declined.id}"]`);
		await page.waitForSelector('#event .state.loading');
		await page.click('#close-event');
		await declined.letGo();
		await settled(page);
		assert.equal(await page.locator('#event-panel').isVisible(), false);
		assert.equal(await page.locator('#event').textContent(), '');
	} finally {
		declined.release();
	}
});

test('/errors/<app_id>?event=… opens a Sentry-style stack', async ({ page }) => {
	await page.goto(`/errors/${S.shop.id}?event=${S.crash.id}`);
	await page.waitForSelector('#event-panel:not(.hidden) .frames');
	const text = await page.locator('#event').textContent();
	assert.ok(text.includes('ZeroDivisionError: division by zero'), text);
	const frames = await page.$$eval('#event .frames .frame-head', (heads) => heads.map((x) => x.textContent));
	assert.deepEqual(frames, ['shop/math.py:3 in ratio', 'shop/main.py:7 in <module>'], 'innermost first');
	assert.equal(await page.locator('#event .frame .ctx-line.current').textContent(), '3    return a / b',
		'the context line, numbered');
});

test('/errors/<app_id> of an application without events shows empty states', async ({ page }) => {
	await page.goto(`/errors/${S.emptyApp.id}`);
	await page.waitForSelector('#events .state.empty');
	await settled(page);
	assert.match(await page.locator('#events').textContent(), /No events match/);
	assert.match(await page.locator('#levels-note').textContent(), /No events/);
	assert.match(await page.locator('#top').textContent(), /No events/);
	const series = await chartDrawn(page, '#chart-series');
	assert.equal(sum(series.datasets[0].data), 0);
	await screenshot(page, 'app-empty');
});

test('/errors/<unknown> says there is no such application', async ({ page }) => {
	await page.goto('/errors/999999999');
	await page.waitForSelector('#app-state .state.error');
	assert.match(await page.locator('#app-state').textContent(), /no application 999999999/);
}, { allowConsole: /status of 404/ });
