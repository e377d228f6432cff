// The telltale API as the dashboard uses it: same origin, JSON in and out.

/** An answer that is not 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field || null;
	}
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

/** api('/v1/logs', {query, method, body, headers}): the parsed JSON answer
 *  (null for 204). Throws ApiError for an error answer or a network failure. */
export async function api(path, options = {}) {
	const { method = 'GET', body, headers = {}, query, signal } = options;
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
	if (!res.ok) {
		const fallback = res.status >= 502 && res.status <= 504
			? 'The server is up but the API behind it does not answer.'
			: res.statusText || 'request failed';
		throw new ApiError(res.status, (data && data.error) || `HTTP_${res.status}`,
			(data && data.message) || fallback, data && data.field);
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
