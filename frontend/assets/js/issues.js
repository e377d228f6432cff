// Error issues (events grouped by fingerprint) as the application's page and
// the issue page both show them: links, status, the 24-hour sparkline, and
// the status changes and merge.
import { api, seg } from './api.js';
import { h } from './dom.js';

export const STATUSES = ['unresolved', 'resolved', 'ignored'];

/** The issue page's address. */
export const issueHref = (appId, issueId) => `/errors/${seg(appId)}/issues/${seg(issueId)}`;

/** An event's view: the application's page with the event opened. */
export const eventHref = (appId, eventId) => `/errors/${seg(appId)}?event=${seg(eventId)}`;

/** An issue's status as a badge. */
export function issueStatusBadge(status) {
	return h('span', { class: `badge status-${STATUSES.includes(status) ? status : 'other'}` }, String(status));
}

/** What "resolved" means for issue, in words; '' when it is not resolved. */
export function resolvedNote(issue) {
	if (issue.status !== 'resolved')
		return '';
	if (issue.resolved_in_release === 'next')
		return 'in the next release';
	if (issue.resolved_in_release)
		return `in release ${issue.resolved_in_release}`;
	return 'until it happens again';
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [key, value] of Object.entries(attrs || {}))
		el.setAttribute(key, String(value));
	el.append(...children);
	return el;
}

/** A bar per count (oldest first) in an inline SVG, scaled to the largest;
 *  an empty hour is a thin line, so that the 24 hours stay readable. labels
 *  (one per count) name each bar in its tooltip. */
export function sparkline(counts, { width = 96, height = 24, labels = null } = {}) {
	const values = (counts || []).map((n) => Math.max(0, Number(n) || 0));
	const max = Math.max(1, ...values);
	const total = values.reduce((a, b) => a + b, 0);
	const step = width / Math.max(1, values.length);
	const gap = step > 4 ? 1 : 0;
	const summary = `${total} event${total === 1 ? '' : 's'} in the last ${values.length} hours`;
	const bars = values.map((n, i) => {
		const barHeight = n ? Math.max(2, Math.round((n / max) * (height - 1))) : 1;
		const rect = svg('rect', {
			class: n ? 'spark-bar' : 'spark-zero',
			x: (i * step).toFixed(2), y: height - barHeight,
			width: Math.max(1, step - gap).toFixed(2), height: barHeight,
			'data-count': n,
		});
		if (labels)
			rect.append(svg('title', null, `${labels[i]}: ${n} event${n === 1 ? '' : 's'}`));
		return rect;
	});
	return svg('svg', {
		class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none',
		role: 'img', 'aria-label': summary, 'data-total': total,
	}, svg('title', null, summary), ...bars);
}

/** PATCH an issue's status: change = {status, resolved_in_release?}.
 *  Returns the ISSUE. */
export function changeIssue(appId, issueId, change) {
	return api(`/apps/${seg(appId)}/issues/${seg(issueId)}`, { method: 'PATCH', body: change });
}

/** Merges ids (at least two) into the first; returns the merged ISSUE. */
export function mergeIssues(appId, ids) {
	return api(`/apps/${seg(appId)}/issues/merge`, { method: 'POST', body: { ids: ids.map(Number) } });
}

/** The status changes the pages offer: name → [button label, PATCH body,
 *  past-tense verb for a note]. */
export const CHANGES = {
	resolve: ['Resolve', { status: 'resolved' }, 'Resolved'],
	'resolve-next': ['Resolve in next release', { status: 'resolved', resolved_in_release: 'next' }, 'Resolved in the next release'],
	ignore: ['Ignore', { status: 'ignored' }, 'Ignored'],
	reopen: ['Reopen', { status: 'unresolved' }, 'Reopened'],
};
