// Helpers of the browser tests: a TAP runner, the API over HTTP, Chromium
// through playwright-core, signing in, and checks every page shares.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { chromium } from 'playwright-core';

export { assert };

export const BASE = (process.env.TELLTALE_URL || '').replace(/\/+$/, '');
export const ROOT = process.env.TELLTALE_ROOT || path.resolve(import.meta.dirname, '../..');
export const OUT = path.join(ROOT, 't/out/browser');
export const CHROMIUM = process.env.TELLTALE_CHROMIUM || '/usr/bin/chromium';
/** An admin token the run is given: the API calls of the tests send it. */
export const TOKEN = process.env.TELLTALE_TOKEN || '';
/** The stack's STATE_DIR: admin-password is in it, and ./stack psql needs it. */
export const STATE_DIR = process.env.TELLTALE_STATE_DIR || '';

// --- TAP -------------------------------------------------------------------------

const tests = [];

/** Registers a test: fn(t) runs with t.page (a fresh page in its own context,
 *  t.context) unless opts.page is false. The context is signed in as admin
 *  (the session kept by keepSession) unless opts.signedIn is false. A test
 *  fails on a thrown error, and, with a page, on any console error or uncaught
 *  exception in it (opts.allowConsole: a RegExp of console errors that are
 *  expected). */
export function test(name, fn, opts = {}) {
	tests.push({ name, fn, opts });
}

/** Thrown by a test to skip itself (reported as "ok N - name # SKIP why"). */
export class Skip extends Error {}

export async function runAll() {
	let browser;
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	fs.mkdirSync(OUT, { recursive: true });
	for (const old of fs.readdirSync(OUT).filter((f) => f.endsWith('.png')))
		fs.rmSync(path.join(OUT, old));
	console.log(`1..${tests.length}`);
	for (const [i, t] of tests.entries()) {
		const n = i + 1;
		let ctx = null;
		const started = Date.now();
		try {
			if (t.opts.page !== false && !browser)
				browser = await launch();
			if (t.opts.page !== false)
				ctx = await newPage(browser, t.opts);
			await withTimeout(t.fn(ctx || {}), t.opts.timeout || 60000, t.name);
			if (ctx)
				ctx.assertClean();
			console.log(`ok ${n} - ${t.name}`);
			passed++;
		} catch (err) {
			if (err instanceof Skip) {
				console.log(`ok ${n} - ${t.name} # SKIP ${err.message}`);
				skipped++;
			} else {
				console.log(`not ok ${n} - ${t.name}`);
				for (const line of String(err && err.stack || err).split('\n').slice(0, 12))
					console.log(`#   ${line}`);
				if (ctx) {
					for (const line of ctx.problems)
						console.log(`#   page: ${line}`);
					await ctx.page.screenshot({ path: path.join(OUT, `FAILED-${slug(t.name)}.png`), fullPage: true }).catch(() => {});
				}
				failed++;
			}
		} finally {
			if (ctx)
				await ctx.context.close().catch(() => {});
			if (process.env.TELLTALE_BROWSER_VERBOSE)
				console.log(`#   (${Date.now() - started} ms)`);
		}
	}
	if (browser)
		await browser.close().catch(() => {});
	console.log(`# ${skipped} skipped; screenshots in ${path.relative(ROOT, OUT)}/`);
	console.log(`browser: ${passed + skipped} passed, ${failed} failed`);
	return failed;
}

function withTimeout(promise, ms, name) {
	let timer;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
		}),
	]);
}

const slug = (s) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

// --- the browser -----------------------------------------------------------------

async function launch() {
	if (!fs.existsSync(CHROMIUM))
		throw new Error(`no Chromium at ${CHROMIUM} (Debian package chromium)`);
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
	});
}

/** A fresh context and page collecting console errors, uncaught exceptions
 *  and JavaScript dialogs; with the kept session's cookie unless
 *  opts.signedIn is false. */
async function newPage(browser, opts) {
	const context = await browser.newContext({
		viewport: { width: 1360, height: 900 },
		baseURL: BASE,
		locale: 'en-US',
		timezoneId: 'UTC',
		storageState: opts.signedIn === false ? undefined : session || undefined,
	});
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
	const page = await context.newPage();
	page.setDefaultTimeout(10000);
	const problems = [];
	const alerts = [];
	page.on('console', (msg) => {
		if (msg.type() !== 'error')
			return;
		const text = `${msg.text()} ${msg.location() && msg.location().url ? `(${msg.location().url})` : ''}`.trim();
		if (opts.allowConsole && opts.allowConsole.test(text))
			return;
		problems.push(`console error: ${text}`);
	});
	page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
	page.on('dialog', async (dialog) => {
		if (dialog.type() === 'alert')
			alerts.push(dialog.message());
		// confirm() of the delete and revoke buttons: yes.
		await dialog.accept().catch(() => {});
	});
	return {
		context,
		page,
		problems,
		alerts,
		assertClean() {
			assert.deepEqual(alerts, [], 'no alert() ran on the page');
			assert.deepEqual(problems, [], 'no console errors or uncaught exceptions');
		},
	};
}

// --- signing in -------------------------------------------------------------------

let session = null;

/** Keeps context's cookies (its session) for the contexts of later tests. */
export async function keepSession(context) {
	session = await context.storageState();
}

/** The first admin's password: the first line of $TELLTALE_STATE_DIR/admin-password. */
export function adminPassword() {
	if (!STATE_DIR)
		throw new Error('TELLTALE_STATE_DIR is not set: the admin\'s password is read from it');
	return fs.readFileSync(path.join(STATE_DIR, 'admin-password'), 'utf8').split('\n')[0].trim();
}

/** Fills in and sends the sign-in form of the page at page's current URL
 *  (a /login page); waits until the browser has left it. */
export async function submitSignIn(page, username, password) {
	await page.fill('#login-form [name=username]', username);
	await page.fill('#login-form [name=password]', password);
	await Promise.all([
		page.waitForURL((url) => url.pathname !== '/login'),
		page.click('#login-form button[type=submit]'),
	]);
}

/** Signs in through /login (with ?next=next when given), as a person would. */
export async function signIn(page, username, password, next) {
	await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
	await submitSignIn(page, username, password);
}

/** Runs sql on the stack's database as its owner (./stack psql); returns the
 *  rows as psql -qAt prints them. */
export async function psql(sql) {
	if (!STATE_DIR)
		throw new Error('TELLTALE_STATE_DIR is not set: ./stack psql needs it');
	const { stdout } = await promisify(execFile)(path.join(ROOT, 'stack'), ['psql', '-qAt', '-c', sql],
		{ env: { ...process.env, STATE_DIR } });
	return stdout;
}

/** Waits out the worker's credential cache (1 s): a session that was ended
 *  is refused after it. */
export const credentialCache = () => new Promise((r) => setTimeout(r, 1100));

/** Saves a screenshot of page as t/out/browser/NAME.png. */
export async function screenshot(page, name) {
	await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

/** Holds back the page's requests whose URL (a URL object) matches, until
 *  release(): for answers that come after the page has moved on. asked()
 *  waits for such a request (call it before what causes it); letGo()
 *  releases them and waits for the first answer; stop() lets later requests
 *  through untouched. */
export async function holdBack(page, matches) {
	let release;
	const held = new Promise((r) => { release = r; });
	const handler = async (route) => {
		await held;
		await route.continue().catch(() => {});   // the page may be closed by then
	};
	await page.route(matches, handler);
	return {
		release,
		asked: () => page.waitForRequest((req) => matches(new URL(req.url()))),
		letGo: () => {
			const answered = page.waitForResponse((res) => matches(new URL(res.url())));
			release();
			return answered;
		},
		stop: () => page.unroute(matches, handler),
	};
}

/** Waits until every region of the page has left its loading state. */
export async function settled(page) {
	await page.waitForFunction(() => !document.querySelector('.state.loading'), null, { timeout: 15000 });
}

/** Checks that a Chart.js chart is drawn on canvas selector: the chart exists,
 *  the canvas has a size and painted pixels. Returns the chart's data
 *  ({labels, datasets: [{label, data}]}). */
export async function chartDrawn(page, selector) {
	await page.waitForFunction((sel) => {
		const c = document.querySelector(sel);
		return c && window.Chart && window.Chart.getChart(c);
	}, selector);
	const info = await page.evaluate((sel) => {
		const canvas = document.querySelector(sel);
		const chart = window.Chart.getChart(canvas);
		const ctx = canvas.getContext('2d');
		const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
		let painted = 0;
		for (let i = 3; i < data.length; i += 4)
			if (data[i] !== 0)
				painted++;
		return {
			width: canvas.width,
			height: canvas.height,
			painted,
			labels: chart.data.labels.map(String),
			datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
		};
	}, selector);
	assert.ok(info.width > 50 && info.height > 50, `${selector} has a size (${info.width}x${info.height})`);
	assert.ok(info.painted > 500, `${selector} has painted pixels (${info.painted})`);
	return info;
}

/** Asks read() again until its answer equals want (a page that is still
 *  loading, say); fails with what and the last answer after ms. */
export async function eventually(read, want, what, ms = 10000) {
	const deadline = Date.now() + ms;
	let got = await read();
	while (!isDeepStrictEqual(got, want) && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 100));
		got = await read();
	}
	assert.deepEqual(got, want, what);
}

/** The data-id of each row of the table in selector. */
export async function rowIds(page, selector) {
	return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => tr.dataset.id));
}

/** The text of each row of the table in selector (cells joined by " | "). */
export async function rows(page, selector) {
	return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) =>
		Array.from(tr.cells).map((td) => td.textContent.trim()).join(' | ')));
}

/** Checks that text appears in selector as text: some element's textContent
 *  holds it, and no element was made from it (no <img> inside selector). */
export async function rendersAsText(page, selector, text) {
	const found = await page.$$eval(selector, (els, t) => els.some((el) => el.textContent.includes(t)), text);
	assert.ok(found, `"${text}" is shown as text in ${selector}`);
	const imgs = await page.$$eval(`${selector} img`, (els) => els.length);
	assert.equal(imgs, 0, `no <img> element in ${selector}`);
	const injected = await page.evaluate(() => window.__telltale_xss === true);
	assert.equal(injected, false, 'no injected script ran');
}

// --- the API ---------------------------------------------------------------------

/** api(method, path, {json, headers, auth}) → {status, json, headers}. Sends
 *  the admin token (TELLTALE_TOKEN) unless headers bring a credential of their
 *  own (Authorization, X-Ingest-Key) or auth is false. */
export async function api(method, p, { json, headers = {}, raw, auth = true } = {}) {
	const init = { method, headers: { ...headers } };
	const own = Object.keys(headers).some((name) => /^(authorization|x-ingest-key)$/i.test(name));
	if (auth && !own && TOKEN)
		init.headers.Authorization = `Bearer ${TOKEN}`;
	if (json !== undefined) {
		init.body = JSON.stringify(json);
		init.headers['Content-Type'] = 'application/json';
	} else if (raw !== undefined) {
		init.body = raw;
	}
	const res = await fetch(BASE + p, init);
	const text = await res.text();
	let body = null;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		body = text;
	}
	return { status: res.status, json: body, headers: res.headers };
}

/** Like api, but fails unless the status is want. */
export async function apiOk(want, method, p, opts) {
	const res = await api(method, p, opts);
	assert.equal(res.status, want, `${method} ${p} → ${want} (got ${res.status}: ${JSON.stringify(res.json)})`);
	return res.json;
}

/** Whether the worker serves method path (false while it answers the router's
 *  own 404 "no such resource"). */
export async function routeServed(method, p, opts) {
	const res = await api(method, p, opts);
	return !(res.status === 404 && res.json && res.json.message === 'no such resource');
}

/** A throwaway HTTP server on loopback (a free port) that answers every
 *  request with status and keeps it: {url(path), hits: [{method, path,
 *  headers, body}], waitFor(n, ms) → hits once there are n, close()}. */
export async function receiver(status = 200) {
	const hits = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			hits.push({ method: req.method, path: req.url, headers: req.headers, body });
			res.writeHead(status, { 'Content-Type': 'text/plain' });
			res.end(status < 300 ? 'ok' : 'no');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		port,
		hits,
		url: (p = '/') => `http://127.0.0.1:${port}${p}`,
		async waitFor(n, ms = 10000) {
			const deadline = Date.now() + ms;
			while (hits.length < n && Date.now() < deadline)
				await new Promise((r) => setTimeout(r, 50));
			assert.ok(hits.length >= n, `the receiver got ${n} request(s) (got ${hits.length})`);
			return hits;
		},
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

export const XSS = '<img src=x onerror=alert(1)>';
export const XSS_SCRIPT = '<script>window.__telltale_xss=true</script>';
