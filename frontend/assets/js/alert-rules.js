// Alert rules in words: what a rule watches, its condition as a sentence, its
// state as a badge, and the values of each metric as people read them.
import { fmtCount, fmtMs, h } from './dom.js';

/** The metrics of a window rule on a service: value → label. */
export const SERVICE_METRICS = {
	request_count: 'request_count (requests)',
	error_count: 'error_count (requests of 5xx or with an error)',
	error_rate: 'error_rate (errors / requests)',
	p50_latency_ms: 'p50_latency_ms',
	p95_latency_ms: 'p95_latency_ms',
	p99_latency_ms: 'p99_latency_ms',
};

/** The metrics of an application rule: value → label. */
export const APP_METRICS = {
	event_count: 'event_count (events in the window)',
	new_issue: 'new_issue (each new issue)',
	regression: 'regression (each resolved issue that comes back)',
};

/** The metrics of an application rule that fire once per issue, without a
 *  window or a threshold. */
export const ONE_OFF_METRICS = ['new_issue', 'regression'];

export const OPERATORS = ['>', '>=', '<', '<=', '==', '!='];

/** The windows a rule may look back over: seconds → label. */
export const WINDOW_CHOICES = [
	[60, '1 min'], [300, '5 min'], [900, '15 min'], [1800, '30 min'],
	[3600, '1 h'], [3 * 3600, '3 h'], [6 * 3600, '6 h'], [12 * 3600, '12 h'], [86400, '24 h'],
];

/** A window of seconds in words: "5 min", "1 h", "90 s". */
export function windowWords(seconds) {
	const s = Number(seconds);
	if (!Number.isFinite(s) || s <= 0)
		return '';
	if (s % 3600 === 0)
		return `${s / 3600} h`;
	if (s % 60 === 0)
		return `${s / 60} min`;
	return `${s} s`;
}

/** A number without float noise: 0.05 * 100 is 5, not 5.000000000000001. */
const tidy = (n) => String(Number(Number(n).toPrecision(10)));

/** The metric a rule watches ('status_code'… for a threshold rule). */
export function ruleMetric(rule) {
	if (rule.metric)
		return rule.metric;
	if (['event_count', 'new_issue', 'regression'].includes(rule.kind))
		return rule.kind;
	return rule.condition_field || null;
}

/** Whether rule is a per-log threshold rule (the first kind). */
export const isThreshold = (rule) => rule.kind === 'threshold' || (!rule.kind && Boolean(rule.condition_field));

/** Whether rule belongs to an application (else to a service). */
export const isAppRule = (rule) => Boolean(rule.application_id);

/** A value of metric as people read it: "5.0 %", "120 ms", "1,204". */
export function fmtValue(metric, value) {
	if (value === null || value === undefined || value === '')
		return '–';
	if (typeof value !== 'number' && Number.isNaN(Number(value)))
		return String(value);
	const n = Number(value);
	if (metric === 'error_rate')
		return `${tidy(n * 100)} %`;
	if (metric && metric.endsWith('_ms'))
		return fmtMs(n);
	if (metric && metric.endsWith('_count'))
		return fmtCount(n);
	return tidy(n);
}

/** A threshold of metric as typed in a condition: "5 %", "800 ms", "10". */
export function fmtThreshold(metric, value) {
	if (value === null || value === undefined)
		return '–';
	if (metric === 'error_rate')
		return `${tidy(Number(value) * 100)} %`;
	if (metric && metric.endsWith('_ms'))
		return `${tidy(value)} ms`;
	return tidy(value);
}

/** How a metric's values are drawn: error_rate in percent. {scale(v): the
 *  number drawn for a value (null stays null), format(n): a drawn number as
 *  text}. */
export function drawnAs(metric) {
	const some = (v) => v !== null && v !== undefined;
	if (metric === 'error_rate')
		return { scale: (v) => (some(v) ? Number(tidy(Number(v) * 100)) : null), format: (n) => `${tidy(n)} %` };
	return { scale: (v) => (some(v) ? Number(v) : null), format: (n) => fmtValue(metric, n) };
}

/** The rule's condition as a sentence: "error_rate > 5 % over 5 min on POST
 *  /checkout", "status_code >= 500", "a new ERROR issue". */
export function describeRule(rule) {
	if (isThreshold(rule))
		return `${rule.condition_field} ${rule.condition_operator} ${rule.condition_value}`;
	const metric = ruleMetric(rule);
	const level = rule.level ? ` ${rule.level}` : '';
	if (metric === 'new_issue')
		return `a new${level} issue`;
	if (metric === 'regression')
		return `a resolved${level} issue comes back`;
	let text = `${metric} ${rule.operator || '>='} ${fmtThreshold(metric, rule.threshold)}`;
	if (rule.window_seconds)
		text += ` over ${windowWords(rule.window_seconds)}`;
	if (metric === 'event_count' && rule.level)
		text += ` at level ${rule.level}`;
	const where = [rule.method, rule.route].filter(Boolean).join(' ');
	if (where)
		text += ` on ${where}`;
	if (rule.min_requests)
		text += `, once ${fmtCount(rule.min_requests)} requests are in the window`;
	return text;
}

/** The rule's kind as shown: "threshold", "window", or the application
 *  metric for an application rule. */
export function kindText(rule) {
	if (isThreshold(rule))
		return 'threshold';
	return isAppRule(rule) ? ruleMetric(rule) : (rule.kind || 'window');
}

/** The rule's state as a badge: firing (red), ok (green), or disabled. */
export function stateBadge(rule) {
	if (rule.enabled === false)
		return h('span', { class: 'badge off state-badge' }, 'disabled');
	if (rule.state === 'firing')
		return h('span', { class: 'badge bad state-badge' }, 'firing');
	return h('span', { class: 'badge on state-badge' }, rule.state || 'ok');
}

/** An alert event's state ("firing", "resolved", "fired", "test") as a badge. */
export function eventStateBadge(state) {
	const cls = { firing: 'bad', fired: 'bad', resolved: 'on', test: 's3' }[state] || '';
	return h('span', { class: `badge ${cls}` }, state || 'fired');
}

/** The API path of a rule: its application's for an application rule. */
export function rulePath(rule) {
	const id = encodeURIComponent(rule.id);
	return isAppRule(rule)
		? `/apps/${encodeURIComponent(rule.application_id)}/alerts/${id}`
		: `/v1/alerts/${id}`;
}

/** The items of a list answer: an array, or a page {items, next_offset}. */
export function listItems(answer) {
	if (Array.isArray(answer))
		return answer;
	return answer && Array.isArray(answer.items) ? answer.items : [];
}
