// The telltale API as the dashboard uses it: same origin, JSON in and out.

/** An answer that is not 2xx, or no answer at all (status 0). retryAfter:
 *  the seconds of a Retry-After header (429, 503), or null. */
export class ApiError extends Error {
	constructor(status, code, message, field, retryAfter) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field || null;
		this.retryAfter = retryAfter ?? null;
	}
}

/** The sign-in page's address that comes back to the current page. */
export function loginUrl() {
	const here = window.location.pathname + window.location.search;
	return here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

let signingIn = false;

/** Sends the browser to the sign-in page (once), coming back here after. */
export function toLogin() {
	if (!signingIn) {
		signingIn = true;
		window.location.assign(loginUrl());
	}
}

/** Whether a 401 to this call means that the person is not signed in: not
 *  for the sign-in itself, nor for a call that brings its own credential
 *  (a service key on the replay page). */
function sessionRefused(path, headers) {
	return path !== '/v1/auth/login' &&
		!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
}

/** A query string of the non-empty values of params ('' when none), with '?'. */
export function queryString(params) {
	const qs = new URLSearchParams();
	for (const [key, value] of Object.entries(params || {})) {
		if (value !== null && value !== undefined && value !== '')
			qs.set(key, String(value));
	}
	const text = qs.toString();
	return text ? `?${text}` : '';
}

/** One path segment, escaped. */
export const seg = (value) => encodeURIComponent(String(value));

/** api('/v1/logs', {query, method, body, headers, signIn}): the parsed JSON
 *  answer (null for 204). Throws ApiError for an error answer or a network
 *  failure. A 401 (the session is missing or has ended) sends the browser to
 *  the sign-in page instead, and the promise never settles: the page is
 *  leaving; signIn: false keeps it an ApiError (for a call whose page checks
 *  the session by another call, and which has a way on without it). */
export async function api(path, options = {}) {
	const { method = 'GET', body, headers = {}, query, signal, signIn = true } = options;
	const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
	if (body !== undefined) {
		init.body = JSON.stringify(body);
		init.headers['Content-Type'] = 'application/json';
	}
	let res;
	try {
		res = await fetch(path + queryString(query), init);
	} catch (err) {
		if (err.name === 'AbortError')
			throw err;
		throw new ApiError(0, 'NETWORK', `Cannot reach the telltale API (${err.message}).`);
	}
	if (res.status === 204)
		return null;
	const text = await res.text();
	let data = null;
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (res.status === 401 && signIn && sessionRefused(path, headers)) {
		toLogin();
		return new Promise(() => {});
	}
	if (!res.ok) {
		const fallback = res.status >= 502 && res.status <= 504
			? 'The server is up but the API behind it does not answer.'
			: res.statusText || 'request failed';
		const retry = parseInt(res.headers.get('Retry-After'), 10);
		throw new ApiError(res.status, (data && data.error) || `HTTP_${res.status}`,
			(data && data.message) || fallback, data && data.field, Number.isNaN(retry) ? null : retry);
	}
	if (data === null && text)
		throw new ApiError(res.status, 'BAD_RESPONSE', 'The API answered something that is not JSON.');
	return data;
}

/** Every item of a paged collection, following next_offset up to max items. */
export async function allPages(path, query = {}, { limit = 500, max = 5000 } = {}) {
	const items = [];
	let offset = 0;
	while (offset !== null && items.length < max) {
		const page = await api(path, { query: { ...query, limit, offset } });
		items.push(...page.items);
		offset = page.next_offset;
	}
	return { items, complete: offset === null };
}

/** Runs the functions in tasks (each making requests), at most n at a time,
 * so that a page asking for many answers does not queue them all at once on
 * the browser's connections; their results in order. */
export async function pool(tasks, n = 6) {
	const results = new Array(tasks.length);
	let next = 0;
	async function worker() {
		while (next < tasks.length) {
			const i = next++;
			results[i] = await tasks[i]();
		}
	}
	await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
	return results;
}
