// /alerts-ui — window rules on a service's metrics and rules on an
// application's events: the preview as the form is filled, the condition in
// words, "Firing now" after a burst of errors, a rule's history as a chart,
// switching a rule off, and what a viewer sees. Skipped while the worker does
// not serve /v1/alerts/preview yet. The firing test wants a stack that
// admits loopback (REPLAY_ALLOW=127.0.0.1/32), and is quickest on one that
// evaluates the rules often (TELLTALE_ALERT_INTERVAL_S=1).
import {
	api, apiOk, assert, chartDrawn, holdBack, psql, receiver, rendersAsText, routeServed, rows, screenshot, settled, signIn, Skip, test, XSS,
} from '../lib.mjs';
import { S, uniq } from '../seed.mjs';

async function needWindowRules() {
	if (!(await routeServed('POST', '/v1/alerts/preview', { json: {} })))
		throw new Skip('the worker does not serve /v1/alerts/preview yet');
}

const items = (answer) => (Array.isArray(answer) ? answer : answer.items);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** A new service `${uniq}-${name}` with a key: {id, name, key}. */
async function service(name) {
	const svc = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-${name}` } });
	const key = await apiOk(201, 'POST', `/v1/services/${svc.id}/keys`, { json: { name: 'test' } });
	return { ...svc, key: key.raw_key };
}

/** Sends n logs of POST /checkout with status to svc. */
async function checkoutLogs(svc, n, status) {
	for (let i = 0; i < n; i++) {
		await apiOk(201, 'POST', '/v1/logs', {
			json: { method: 'POST', url: 'https://shop.example.com/checkout', path: '/checkout', route: '/checkout',
				status_code: status, latency_ms: 40 + i, ...(status >= 500 ? { error: 'payment service down' } : {}) },
			headers: { Authorization: `Bearer ${svc.key}` },
		});
	}
}

/** Whether a POST /v1/alerts/preview request's body satisfies want. */
const previewOf = (want) => (res) => {
	if (!res.url().endsWith('/v1/alerts/preview') || res.request().method() !== 'POST')
		return false;
	try {
		return want(JSON.parse(res.request().postData()));
	} catch {
		return false;
	}
};

test('/alerts-ui: a window rule, previewed as the form is filled, made with a channel, shown in words', async ({ page }) => {
	await needWindowRules();
	const svc = await service('window');
	await checkoutLogs(svc, 3, 200);
	await checkoutLogs(svc, 1, 503);
	const channel = await apiOk(201, 'POST', '/v1/channels', { json: {
		name: `${uniq} pager ${XSS}`, kind: 'ntfy', url: 'https://ntfy.example.com/telltale-window',
	} });
	let rule = null;
	try {
		await page.goto(`/alerts-ui?service_id=${svc.id}`);
		await settled(page);
		await page.click('#tab-window');
		assert.equal(await page.locator('#window-form').isVisible(), true);
		assert.equal(await page.locator('#rule-form').isVisible(), false, 'one kind of rule at a time');
		assert.equal(await page.locator('#window-form [name=service_id]').inputValue(), svc.id);
		const name = `checkout ${XSS}`;
		await page.fill('#window-form [name=name]', name);
		await page.selectOption('#window-form [name=metric]', 'error_rate');
		assert.match(await page.locator('#window-form .threshold-label').textContent(), /%.*fraction/);
		await page.selectOption('#window-form [name=operator]', '>');
		await page.fill('#window-form [name=threshold]', '5');
		await page.selectOption('#window-form [name=window_seconds]', '300');
		await page.selectOption('#window-form [name=method]', 'POST');
		const previewed = page.waitForResponse(previewOf((b) => b.route === '/checkout' && b.threshold === 0.05 &&
			b.window_seconds === 300 && b.metric === 'error_rate' && b.method === 'POST' && b.service_id === svc.id));
		await page.fill('#window-form [name=route]', '/checkout');
		const answer = await (await previewed).json();
		assert.ok(answer.points.length > 0 && answer.points.length <= 288, `points: ${answer.points.length}`);
		assert.ok(answer.points.some((p) => p.value !== null), 'the logs just sent are in the preview');
		await page.waitForFunction((n) => document.querySelector('#preview-chart').dataset.points === String(n), answer.points.length);
		const chart = await chartDrawn(page, '#preview-chart');
		assert.equal(chart.datasets[0].data.length, answer.points.length, 'one point of the line per point answered');
		assert.equal(chart.datasets[1].data[0].y, 5, 'the threshold line, in percent');
		const last = answer.points.findLast((p) => p.value !== null);
		assert.ok(Math.abs(chart.datasets[0].data[answer.points.lastIndexOf(last)].y - last.value * 100) < 1e-9, 'error_rate drawn in percent');
		assert.match(await page.locator('#preview-note').textContent(), /5 min/);
		await screenshot(page, 'alerts-window-preview');

		await page.selectOption('#window-form [name=channel_ids]', [channel.id]);
		await page.click('#window-form button[type=submit]');
		await page.waitForFunction((n) => Array.from(document.querySelectorAll('#rules-table tbody tr'))
			.some((tr) => tr.textContent.includes(n)), name);
		rule = items(await apiOk(200, 'GET', `/v1/alerts?service_id=${svc.id}`)).find((a) => a.name === name);
		assert.ok(rule, 'the rule exists');
		assert.equal(rule.kind, 'window');
		assert.equal(rule.metric, 'error_rate');
		assert.equal(rule.operator, '>');
		assert.equal(rule.threshold, 0.05, 'a percent typed, a fraction sent');
		assert.equal(rule.window_seconds, 300);
		assert.equal(rule.route, '/checkout');
		assert.equal(rule.method, 'POST');
		assert.deepEqual(rule.channel_ids, [channel.id]);
		const row = `#rules-table tr[data-id="${rule.id}"]`;
		await page.waitForSelector(row);
		const text = await page.locator(row).textContent();
		assert.ok(text.includes('error_rate > 5 % over 5 min on POST /checkout'), text);
		assert.ok(text.includes('window'), text);
		assert.ok(text.includes(`${uniq} pager ${XSS}`), `the channel by name: ${text}`);
		await rendersAsText(page, '#rules-table', name);
		assert.equal(await page.locator('#window-form [name=name]').inputValue(), '', 'the form is empty again');
		assert.equal(await page.locator('#window-form .form-error:not(.hidden)').count(), 0);
		await screenshot(page, 'alerts-window-rule-made');
	} finally {
		if (rule)
			await apiOk(204, 'DELETE', `/v1/alerts/${rule.id}`);
		await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
	}
});

test('/alerts-ui: a burst of 5xx fires a window rule — "Firing now", its chart and its events', async ({ page }) => {
	await needWindowRules();
	const svc = await service('burst');
	const hook = await receiver(200);
	const channel = await apiOk(201, 'POST', '/v1/channels', { json: { name: `${uniq} burst hook`, kind: 'webhook', url: hook.url('/burst') } });
	const name = `burst ${XSS}`;
	const rule = await apiOk(201, 'POST', '/v1/alerts', { json: {
		kind: 'window', service_id: svc.id, name, metric: 'error_rate', operator: '>', threshold: 0.05,
		window_seconds: 300, route: '/checkout', method: 'POST', min_requests: 3, channel_ids: [channel.id],
	} });
	try {
		await page.goto('/alerts-ui');
		await settled(page);
		assert.equal(await page.locator(`#firing-table tr[data-id="${rule.id}"]`).count(), 0, 'not firing before the burst');

		await checkoutLogs(svc, 6, 500);
		// The rollup evaluates the rules every TELLTALE_ALERT_INTERVAL_S; the
		// page asks again every few seconds; a reload asks at once. A stack
		// that evaluates less often than the test waits (the default is 30 s)
		// gets one round run for it after 10 s, as the rollup runs it.
		const firing = `#firing-table tr[data-id="${rule.id}"]`;
		const start = Date.now();
		while (!(await page.locator(firing).count())) {
			assert.ok(Date.now() - start < 30000, 'the rule shows in "Firing now" within 30 s');
			await pause(1500);
			if (Date.now() - start > 10000)
				await psql('SELECT alert_windows_evaluate()');
			await page.reload();
			await settled(page);
		}
		const row = (await rows(page, '#firing-table')).find((r) => r.includes(name));
		assert.ok(row.includes('100 %'), `its value: ${row}`);
		assert.ok(row.includes('5 %'), `its threshold: ${row}`);
		assert.ok(row.includes('error_rate > 5 % over 5 min on POST /checkout'), row);
		assert.match(row, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, `since when: ${row}`);
		await rendersAsText(page, '#firing-table', name);
		assert.match(await page.locator(`#rules-table tr[data-id="${rule.id}"] .state-badge`).textContent(), /firing/);
		await screenshot(page, 'alerts-firing');

		const [notice] = await hook.waitFor(1, 15000);
		assert.equal(JSON.parse(notice.body).state, 'firing', notice.body);

		// Its detail: state, last value, the series with the threshold and the
		// firing marked, the events.
		await page.click(`${firing} button.link`);
		await page.waitForSelector('#events-panel:not(.hidden)');
		assert.equal(new URL(page.url()).searchParams.get('alert'), rule.id);
		await page.waitForSelector('#alert-events-table');
		await settled(page);
		const facts = await page.locator('#rule-facts').textContent();
		assert.match(facts, /firing/);
		assert.match(facts, /100 %/);
		const events = await rows(page, '#alert-events-table');
		assert.ok(events.some((e) => e.includes('firing') && e.includes('100 %') && e.includes('5 min')), events.join('\n'));
		const series = await chartDrawn(page, '#series-chart');
		assert.ok(series.datasets[0].data.length > 0 && series.datasets[0].data.length <= 288, 'the last 24 hours');
		assert.equal(series.datasets[1].data[0].y, 5, 'the threshold');
		assert.ok(series.datasets[2] && series.datasets[2].data.length >= 1, 'the firing is marked');
		await screenshot(page, 'alerts-window-detail');

		// The same detail from its address.
		await page.goto(`/alerts-ui?alert=${rule.id}`);
		await page.waitForSelector('#alert-events-table');
		await chartDrawn(page, '#series-chart');

		// Switched off, it leaves "Firing now".
		await page.uncheck(`#rules-table tr[data-id="${rule.id}"] .enabled-toggle`);
		await page.waitForFunction((id) => document.querySelector(`#rules-table tr[data-id="${id}"] .state-badge`)?.textContent === 'disabled', rule.id);
		assert.equal((await apiOk(200, 'GET', `/v1/alerts/${rule.id}`)).enabled, false);
		await page.reload();
		await settled(page);
		assert.equal(await page.locator(firing).count(), 0, 'a rule switched off is not listed as firing');
		assert.equal(await page.locator(`#rules-table tr[data-id="${rule.id}"] .enabled-toggle`).isChecked(), false);
	} finally {
		await api('DELETE', `/v1/alerts/${rule.id}`);
		await api('DELETE', `/v1/channels/${channel.id}`);
		await hook.close();
	}
}, { timeout: 90000 });

test('/alerts-ui: "Firing now" is calm when nothing fires', async ({ page }) => {
	await needWindowRules();
	await page.route((url) => url.pathname === '/v1/alerts' && url.searchParams.get('state') === 'firing',
		(route) => route.fulfill({ status: 200, contentType: 'application/json', body: '[]' }));
	await page.route((url) => /^\/apps\/[^/]+\/alerts$/.test(url.pathname),
		(route) => route.fulfill({ status: 200, contentType: 'application/json', body: '[]' }));
	await page.goto('/alerts-ui');
	await page.waitForSelector('#nothing-firing');
	assert.match(await page.locator('#firing').textContent(), /Nothing is firing/);
	assert.equal(await page.locator('#firing-table').count(), 0);
});

test('/alerts-ui: application rules — an event count with its preview, a new issue without', async ({ page }) => {
	await needWindowRules();
	const made = [];
	try {
		await page.goto(`/alerts-ui?application_id=${S.shop.id}`);
		await settled(page);
		await page.click('#tab-app');
		assert.equal(await page.locator('#app-rule-form [name=application_id]').inputValue(), String(S.shop.id));
		await page.fill('#app-rule-form [name=name]', `burst of events ${XSS}`);
		await page.selectOption('#app-rule-form [name=metric]', 'event_count');
		await page.selectOption('#app-rule-form [name=operator]', '>=');
		await page.selectOption('#app-rule-form [name=window_seconds]', '3600');
		const previewed = page.waitForResponse(previewOf((b) => b.metric === 'event_count' && b.threshold === 10 &&
			b.window_seconds === 3600 && String(b.application_id) === String(S.shop.id)));
		await page.fill('#app-rule-form [name=threshold]', '10');
		const answer = await (await previewed).json();
		assert.ok(answer.points.length > 0, `points: ${answer.points.length}`);
		const chart = await chartDrawn(page, '#app-preview-chart');
		assert.equal(chart.datasets[0].data.length, answer.points.length);
		assert.equal(chart.datasets[1].data[0].y, 10, 'the threshold line');
		await page.click('#app-rule-form button[type=submit]');
		await page.waitForSelector('#rules-table');
		await page.waitForFunction(() => document.querySelector('#rules-table')?.textContent.includes('event_count >= 10 over 1 h'));
		let listed = items(await apiOk(200, 'GET', `/apps/${S.shop.id}/alerts`));
		const count = listed.find((a) => a.name === `burst of events ${XSS}`);
		assert.ok(count, 'the event_count rule exists');
		made.push(count);
		assert.equal(count.metric, 'event_count');
		assert.equal(count.threshold, 10);
		assert.equal(count.window_seconds, 3600);
		await rendersAsText(page, '#rules-table', `burst of events ${XSS}`);

		// new_issue: no threshold, no window, no preview.
		await page.fill('#app-rule-form [name=name]', 'new errors');
		await page.selectOption('#app-rule-form [name=metric]', 'new_issue');
		await page.selectOption('#app-rule-form [name=level]', 'ERROR');
		assert.equal(await page.locator('#app-rule-form [name=threshold]').isVisible(), false, 'no threshold for new_issue');
		assert.equal(await page.locator('#app-preview-chart').isVisible(), false, 'no preview for new_issue');
		await page.click('#app-rule-form button[type=submit]');
		await page.waitForFunction(() => document.querySelector('#rules-table')?.textContent.includes('a new ERROR issue'));
		listed = items(await apiOk(200, 'GET', `/apps/${S.shop.id}/alerts`));
		const fresh = listed.find((a) => a.name === 'new errors');
		assert.ok(fresh, 'the new_issue rule exists');
		made.push(fresh);
		assert.equal(fresh.metric, 'new_issue');
		assert.equal(fresh.level, 'ERROR');
		const r = await rows(page, '#rules-table');
		assert.ok(r.some((x) => x.includes('new errors') && x.includes('new_issue') && x.includes(S.shop.name)), r.join('\n'));
		await screenshot(page, 'alerts-app-rules');

		// Its detail has no chart: it fires once per issue.
		await page.click(`#rules-table tr[data-id="${fresh.id}"] td:nth-child(3)`);
		await page.waitForSelector('#events-panel:not(.hidden)');
		await settled(page);
		assert.equal(await page.locator('#series-box').isVisible(), false);
	} finally {
		for (const rule of made)
			await apiOk(204, 'DELETE', `/apps/${S.shop.id}/alerts/${rule.id}`);
	}
});

test('/alerts-ui: an answer that comes after its rule was left leaves no region loading', async ({ page }) => {
	await needWindowRules();
	const rule = (json) => apiOk(201, 'POST', `/apps/${S.shop.id}/alerts`, { json: { kind: 'window', ...json } });
	// A count that does not fire: "Firing now" asks nothing of it.
	const count = await rule({ name: `${uniq} held count`, metric: 'event_count', operator: '>=', threshold: 1e9, window_seconds: 300 });
	const once = await rule({ name: `${uniq} held once`, metric: 'new_issue' });
	// The count rule's chart and events are held back while another rule,
	// then another owner, is picked; they arrive after.
	const ofCount = await holdBack(page, (url) => url.pathname.startsWith(`/v1/alerts/${count.id}/`));
	try {
		const asked = ofCount.asked();
		await page.goto(`/alerts-ui?application_id=${S.shop.id}&alert=${count.id}`);
		await asked;
		await page.click(`#rules-table tr[data-id="${once.id}"] td:nth-child(3)`);
		await page.waitForFunction((name) => document.querySelector('#events-title').textContent.includes(name), once.name);
		await settled(page);
		assert.equal(await page.locator('#series-box').isVisible(), false, 'a new_issue rule has no chart');

		await page.click(`#rules-table tr[data-id="${count.id}"] td:nth-child(3)`);
		await page.selectOption('#filters [name=owner]', String(S.search.id));
		await page.waitForSelector('#events-panel.hidden', { state: 'attached' });
		await ofCount.letGo();
		await settled(page);
		assert.equal(await page.locator('#events-panel .state.loading').count(), 0);
	} finally {
		ofCount.release();
		for (const r of [count, once])
			await apiOk(204, 'DELETE', `/apps/${S.shop.id}/alerts/${r.id}`);
	}
});

test('/alerts-ui: a window rule the API refuses shows its message beside the form', async ({ page }) => {
	await needWindowRules();
	await page.goto(`/alerts-ui?service_id=${S.search.id}`);
	await settled(page);
	await page.click('#tab-window');
	await page.fill('#window-form [name=name]', 'no slash');
	await page.selectOption('#window-form [name=metric]', 'request_count');
	await page.fill('#window-form [name=threshold]', '100');
	await page.fill('#window-form [name=route]', 'checkout');
	await page.click('#window-form button[type=submit]');
	await page.waitForSelector('#window-form .form-error:not(.hidden)');
	assert.match(await page.locator('#window-form .form-error').textContent(), /route/);
	assert.equal(await page.locator('#window-form [name=route]').inputValue(), 'checkout', 'the form keeps what was typed');
	assert.ok(!items(await apiOk(200, 'GET', `/v1/alerts?service_id=${S.search.id}`)).some((a) => a.name === 'no slash'));
}, { allowConsole: /status of 422/ });

test('a viewer on /alerts-ui: channels, rules and states, and no control to change them', async ({ page }) => {
	await needWindowRules();
	const password = 'a viewer reads alerts';
	const viewer = await apiOk(201, 'POST', '/v1/users', { json: { username: `${uniq}-alerts-viewer`, password, role: 'viewer' } });
	const svc = await service('viewer');
	const channel = await apiOk(201, 'POST', '/v1/channels', { json: { name: `${uniq} viewer ${XSS}`, kind: 'ntfy', url: 'https://ntfy.example.com/viewer' } });
	const rule = await apiOk(201, 'POST', '/v1/alerts', { json: {
		kind: 'window', service_id: svc.id, name: `watched ${XSS}`, metric: 'p95_latency_ms', operator: '>=', threshold: 800,
		window_seconds: 900, channel_ids: [channel.id],
	} });
	try {
		await signIn(page, viewer.username, password, `/alerts-ui?service_id=${svc.id}`);
		const row = `#rules-table tr[data-id="${rule.id}"]`;
		await page.waitForSelector(row);
		await page.waitForSelector(`#channels-table tr[data-id="${channel.id}"]`);
		await settled(page);
		assert.ok((await page.locator(row).textContent()).includes('p95_latency_ms >= 800 ms over 15 min'));
		await rendersAsText(page, '#rules-table', `watched ${XSS}`);
		await rendersAsText(page, '#channels-table', `${uniq} viewer ${XSS}`);
		const shown = (selector) => page.locator(`${selector} >> visible=true`).count();
		assert.equal(await shown('#channel-form'), 0, 'no channel form');
		assert.equal(await shown('#window-form'), 0, 'no rule forms');
		assert.equal(await shown('[role=tab]'), 0, 'no kinds of rule to pick');
		assert.equal(await shown('#channels-table button'), 0, 'no Send test or Delete on channels');
		assert.equal(await shown('.enabled-toggle'), 0, 'no switch on rules');
		assert.equal(await shown('main button.danger'), 0, 'no Delete buttons');
		assert.match(await page.locator(`${row} .viewer-only`).textContent(), /on/, 'the rule is on, in words');
		await page.click(`${row} td:nth-child(3)`);
		await page.waitForSelector('#events-panel:not(.hidden)');
		await settled(page);
		assert.equal(await shown('#events-panel button.danger'), 0);
		await screenshot(page, 'viewer-alerts-window');
	} finally {
		await apiOk(204, 'DELETE', `/v1/alerts/${rule.id}`);
		await apiOk(204, 'DELETE', `/v1/channels/${channel.id}`);
		await apiOk(204, 'DELETE', `/v1/users/${viewer.id}`);
	}
}, { signedIn: false });
