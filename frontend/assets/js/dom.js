// DOM helpers. Everything that comes from the API is put into the page as
// text nodes or attribute values, never parsed as HTML: there is no innerHTML
// anywhere in the dashboard.

/** h('a', {href: '/x', class: 'y'}, 'text', child…): a new element.
 *  Attributes: class, text, on<event> (a listener), dataset (an object),
 *  properties such as value/checked/disabled when given a non-string, else
 *  setAttribute. Children: nodes, or anything else as text; arrays are flattened,
 *  null/undefined/false skipped. */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs || {})) {
		if (value === null || value === undefined || value === false)
			continue;
		if (key === 'class')
			el.className = value;
		else if (key === 'text')
			el.textContent = String(value);
		else if (key === 'dataset')
			Object.assign(el.dataset, value);
		else if (key.startsWith('on') && typeof value === 'function')
			el.addEventListener(key.slice(2), value);
		else if (key === 'href')
			el.setAttribute('href', safeHref(value));
		else if (typeof value !== 'string' && key in el)
			el[key] = value;
		else
			el.setAttribute(key, value === true ? '' : String(value));
	}
	append(el, children);
	return el;
}

/** Appends children (see h) to el; returns el. */
export function append(el, ...children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false)
			continue;
		el.append(child instanceof Node ? child : String(child));
	}
	return el;
}

/** Only same-site paths and http(s) URLs become links; anything else ("javascript:",
 *  "data:") is replaced by "#". */
export function safeHref(value) {
	const text = String(value);
	if (text.startsWith('/') && !text.startsWith('//'))
		return text;
	try {
		const url = new URL(text);
		if (url.protocol === 'http:' || url.protocol === 'https:')
			return url.href;
	} catch {
		// not a URL
	}
	return '#';
}

/** Replaces el's children by children (as h takes them: arrays flattened,
 *  null/undefined/false skipped); returns el. */
export function setChildren(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

export function $(selector, root = document) {
	return root.querySelector(selector);
}

export function $$(selector, root = document) {
	return Array.from(root.querySelectorAll(selector));
}

// --- the states of a region: loading, empty, error ---------------------------

/** Replaces el's content by a loading note. */
export function showLoading(el, text = 'Loading…') {
	el.replaceChildren(h('p', { class: 'state loading', role: 'status' }, text));
}

/** Replaces el's content by an empty-state note. */
export function showEmpty(el, text) {
	el.replaceChildren(h('p', { class: 'state empty' }, text));
}

/** Replaces el's content by the error err (an ApiError or any Error), with a
 *  retry button when retry (a function) is given. */
export function showError(el, err, retry) {
	el.replaceChildren(errorBox(err, retry));
}

/** An element describing err; see showError. */
export function errorBox(err, retry) {
	const box = h('div', { class: 'state error', role: 'alert' },
		h('strong', null, errorTitle(err)),
		h('span', null, errorText(err)));
	if (retry)
		box.append(h('div', null, h('button', { type: 'button', class: 'secondary', onclick: retry }, 'Try again')));
	return box;
}

function errorTitle(err) {
	if (!err || err.status === undefined)
		return 'Something went wrong';
	if (err.status === 0)
		return 'The telltale API cannot be reached';
	if (err.status === 404)
		return 'Not found';
	if (err.status === 502 || err.status === 503 || err.status === 504)
		return 'The telltale API is unavailable';
	return `The API answered ${err.status} ${err.code || ''}`.trim();
}

function errorText(err) {
	if (!err)
		return '';
	if (err.status === 0)
		return 'No answer from the server. Is the stack running? The page retries when you ask it to.';
	const field = err.field ? ` (field: ${err.field})` : '';
	return `${err.message || String(err)}${field}`;
}

/** Writes a form's error line (or clears it with err = null). */
export function formError(form, err) {
	let line = form.querySelector('.form-error');
	if (!line) {
		line = h('p', { class: 'form-error', role: 'alert' });
		form.append(line);
	}
	line.textContent = err ? `${err.message || err}${err.field ? ` (field: ${err.field})` : ''}` : '';
	line.classList.toggle('hidden', !err);
}

// --- formatting --------------------------------------------------------------

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** An RFC 3339 time as local "YYYY-MM-DD HH:MM:SS"; '' for null. */
export function fmtTime(iso) {
	if (!iso)
		return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return String(iso);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A <time> element showing fmtTime(iso), the exact value as its title. */
export function timeEl(iso) {
	return iso ? h('time', { datetime: iso, title: iso }, fmtTime(iso)) : '';
}

export function fmtMs(ms) {
	if (ms === null || ms === undefined)
		return '–';
	const n = Number(ms);
	if (n >= 10000)
		return `${(n / 1000).toFixed(1)} s`;
	return `${n >= 100 ? n.toFixed(0) : n.toFixed(n % 1 ? 1 : 0)} ms`;
}

export function fmtCount(n) {
	return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

export function fmtPct(fraction) {
	if (fraction === null || fraction === undefined)
		return '–';
	return `${(Number(fraction) * 100).toFixed(Number(fraction) < 0.1 && fraction > 0 ? 2 : 1)} %`;
}

/** A status code as a badge coloured by its class (2xx, 3xx, …). */
export function statusBadge(code) {
	if (code === null || code === undefined)
		return h('span', { class: 'badge' }, '–');
	return h('span', { class: `badge s${String(code)[0]}` }, String(code));
}

/** An event level as a coloured badge. */
export function levelBadge(level) {
	const known = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'].includes(level);
	return h('span', { class: `badge ${known ? level : ''}` }, String(level));
}

/** A body (a string) for display: pretty-printed when it is JSON. */
export function prettyBody(text) {
	if (text === null || text === undefined)
		return null;
	const trimmed = String(text).trim();
	if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
		try {
			return { json: true, text: JSON.stringify(JSON.parse(trimmed), null, 2) };
		} catch {
			// not JSON after all
		}
	}
	return { json: false, text: String(text) };
}

/** A <pre> with value (any JSON value) pretty-printed. */
export function jsonPre(value) {
	return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

/** A table of an object's entries (headers, tags, query parameters). */
export function kvTable(obj, emptyText = 'none') {
	const entries = obj && typeof obj === 'object' ? Object.entries(obj) : [];
	if (!entries.length)
		return h('p', { class: 'muted small' }, emptyText);
	return h('table', { class: 'kv-table' },
		h('tbody', null, entries.map(([k, v]) => h('tr', null,
			h('th', { scope: 'row' }, k),
			h('td', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v))))));
}

/** Runs fn at most once per wait ms after the last call. */
export function debounce(fn, wait = 300) {
	let timer = null;
	return (...args) => {
		clearTimeout(timer);
		timer = setTimeout(() => fn(...args), wait);
	};
}
