// A page's state lives in its URL query, so that a view can be bookmarked and
// shared: forms are filled from the query, and the query follows the forms.

import { $$, debounce } from './dom.js';

/** The values of names in the current URL's query ('' when absent). */
export function readQuery(names) {
	const qs = new URLSearchParams(window.location.search);
	const out = {};
	for (const name of names)
		out[name] = qs.get(name) ?? '';
	return out;
}

/** Replaces the URL's query by the non-empty values of state (keeping the
 *  path); push adds a history entry instead of replacing the current one.
 *  merge keeps the query's other names: for a page whose regions each keep
 *  their own names in the URL (an empty value then removes its name). data:
 *  names to set in the history entry's state (a walk through pages, see
 *  walk.js); the entry keeps the other names of the current one. */
export function writeQuery(state, { push = false, merge = false, data = null } = {}) {
	const qs = new URLSearchParams(merge ? window.location.search : '');
	for (const [key, value] of Object.entries(state)) {
		if (value !== null && value !== undefined && value !== '')
			qs.set(key, String(value));
		else
			qs.delete(key);
	}
	const text = qs.toString();
	const url = window.location.pathname + (text ? `?${text}` : '');
	const entry = { ...(window.history.state || {}), ...(data || {}) };
	if (url === window.location.pathname + window.location.search) {
		if (data)
			window.history.replaceState(entry, '', url);
		return;
	}
	if (push)
		window.history.pushState(entry, '', url);
	else
		window.history.replaceState(entry, '', url);
}

/** Fills the named controls of form from values. */
export function fillForm(form, values) {
	for (const [name, value] of Object.entries(values)) {
		const control = form.elements.namedItem(name);
		if (!control)
			continue;
		if (control.type === 'checkbox')
			control.checked = value === 'true' || value === true;
		else if (control.tagName === 'SELECT' && value && ![...control.options].some((o) => o.value === value))
			control.append(new Option(value, value));   // a value from a shared link
		if (control.type !== 'checkbox')
			control.value = value;
	}
}

/** The named controls of form as {name: trimmed value}. */
export function readForm(form, names) {
	const out = {};
	for (const name of names) {
		const control = form.elements.namedItem(name);
		if (!control)
			continue;
		out[name] = control.type === 'checkbox' ? (control.checked ? 'true' : '') : control.value.trim();
	}
	return out;
}

// --- time windows --------------------------------------------------------------

/** The relative windows offered by the pages: value → [label, milliseconds]. */
export const WINDOWS = {
	'15m': ['last 15 minutes', 15 * 60e3],
	'1h': ['last hour', 3600e3],
	'6h': ['last 6 hours', 6 * 3600e3],
	'24h': ['last 24 hours', 24 * 3600e3],
	'7d': ['last 7 days', 7 * 86400e3],
	'30d': ['last 30 days', 30 * 86400e3],
};

/** Options for a window <select>; allLabel adds an "all time" option first. */
export function windowOptions(select, allLabel) {
	if (allLabel)
		select.append(new Option(allLabel, ''));
	for (const [value, [label]] of Object.entries(WINDOWS))
		select.append(new Option(label, value));
	select.append(new Option('custom (since / until)', 'custom'));
}

/** {since, until} as RFC 3339 for a window value relative to now, or the
 *  explicit since/until for 'custom' and ''. */
export function windowRange(windowValue, since = '', until = '') {
	const span = WINDOWS[windowValue];
	if (!span)
		return { since, until };
	const end = new Date();
	return { since: new Date(end.getTime() - span[1]).toISOString(), until: end.toISOString() };
}

/** Shows the since/until inputs of a filter form only for a custom window. */
export function showCustomTime(form) {
	const custom = form.elements.window.value === 'custom';
	for (const label of $$('.custom-time', form))
		label.classList.toggle('hidden', !custom);
}

/** Calls apply when a filter form changes: at once for a <select> or a
 *  submit, after wait ms of quiet for typing in an <input>. */
export function onFilterChange(form, apply, wait) {
	form.addEventListener('change', (event) => {
		if (event.target.matches('select'))
			apply();
	});
	const applySoon = debounce(apply, wait);
	form.addEventListener('input', (event) => {
		if (event.target.matches('input'))
			applySoon();
	});
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		apply();
	});
}
