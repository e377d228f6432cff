// /errors/<app_id> — events, filters, pages, detail, charts.
import { assert, chartDrawn, rendersAsText, rows, screenshot, settled, test, XSS, XSS_SCRIPT } from '../lib.mjs';
import { S } from '../seed.mjs';

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
	await page.click('#older');
	await eventRows(page, S.shopEvents - 20);
	assert.equal(new URL(page.url()).searchParams.get('offset'), '20');
	assert.equal(await page.locator('#older').isDisabled(), true);
	await page.click('#newer');
	await eventRows(page, 20);
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
