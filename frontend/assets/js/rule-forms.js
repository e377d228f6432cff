// The forms of the alerts page that make window rules: a service's metric
// over a window, and an application's events. Each draws a preview as it is
// filled in: the metric over the last 24 hours (POST /v1/alerts/preview)
// against the threshold.
import { api, seg } from './api.js';
import { APP_METRICS, drawnAs, fmtThreshold, ONE_OFF_METRICS, OPERATORS, SERVICE_METRICS, windowWords, WINDOW_CHOICES } from './alert-rules.js';
import { chartsAvailable, thresholdChart } from './charts.js';
import { $, $$, debounce, formError, h, showEmpty, showError, showLoading } from './dom.js';
import { channelLabel } from './channels.js';

const DEFAULT_WINDOW = 300;

/** Fills the metric, operator and window selects of form; the defaults
 *  (metric, operator, DEFAULT_WINDOW) are what form.reset() comes back to. */
function fillChoices(form, metrics, metric, operator) {
	const options = (pairs, picked) => pairs.map(([v, label]) => new Option(label, v, v === picked, v === picked));
	form.elements.metric.replaceChildren(...options(Object.entries(metrics), metric));
	form.elements.operator.replaceChildren(...options(OPERATORS.map((op) => [op, op]), operator));
	form.elements.window_seconds.replaceChildren(...options(WINDOW_CHOICES.map(([s, label]) => [String(s), label]),
		String(DEFAULT_WINDOW)));
}

/** The ids picked in form's channel select. */
const pickedChannels = (form) => Array.from(form.elements.channel_ids.selectedOptions, (o) => o.value);

/** Puts channels into the channel select of each form, keeping what was
 *  picked. */
export function offerChannels(forms, channels) {
	for (const form of forms) {
		const select = form.elements.channel_ids;
		const picked = new Set(pickedChannels(form));
		select.replaceChildren(...channels.map((c) => {
			const option = new Option(channelLabel(c), c.id);
			option.selected = picked.has(c.id);
			return option;
		}));
		select.disabled = !channels.length;
		select.title = channels.length ? '' : 'No channels yet: add one under Channels.';
	}
}

/** The threshold the person typed, as the API takes it: a percent of
 *  error_rate becomes a fraction. NaN when it is not a number. */
function typedThreshold(form) {
	const text = form.elements.threshold.value.trim();
	const n = text === '' ? NaN : Number(text);
	return form.elements.metric.value === 'error_rate' ? n / 100 : n;
}

/** POST /v1/alerts's body for the window form, or null while it lacks a
 *  service or a threshold. */
function windowBody(form) {
	const v = (name) => form.elements[name].value.trim();
	const threshold = typedThreshold(form);
	if (!v('service_id') || !Number.isFinite(threshold))
		return null;
	const body = {
		kind: 'window',
		service_id: v('service_id'),
		name: v('name'),
		metric: v('metric'),
		operator: v('operator'),
		threshold,
		window_seconds: Number(v('window_seconds')),
		min_requests: v('min_requests') ? Number(v('min_requests')) : 0,
	};
	if (v('route'))
		body.route = v('route');
	if (v('method'))
		body.method = v('method');
	if (v('description'))
		body.description = v('description');
	return body;
}

/** POST /apps/{id}/alerts's body for the application form (with
 *  application_id, which the path carries too), or null while an event_count
 *  rule lacks a threshold. */
function appBody(form) {
	const v = (name) => form.elements[name].value.trim();
	const metric = v('metric');
	if (!v('application_id'))
		return null;
	const body = { kind: 'window', application_id: Number(v('application_id')), name: v('name'), metric };
	if (v('level'))
		body.level = v('level');
	if (!ONE_OFF_METRICS.includes(metric)) {
		const threshold = typedThreshold(form);
		if (!Number.isFinite(threshold))
			return null;
		body.operator = v('operator');
		body.threshold = threshold;
		body.window_seconds = Number(v('window_seconds'));
	}
	if (v('description'))
		body.description = v('description');
	return body;
}

/** The preview of one form: asks for the points when the form changes (after
 *  a pause in typing), draws them with the threshold. bodyOf(form) is the
 *  rule the form holds, or null while it cannot be previewed. Returns the
 *  function that refreshes it now. */
function preview(form, canvas, note, bodyOf) {
	let generation = 0;
	let controller = null;
	let shown = '';   // the body whose points are drawn (or on their way)

	async function refresh() {
		const body = bodyOf(form);
		if (!body) {
			++generation;
			shown = '';
			showEmpty(note, 'Pick what to watch and type a threshold: the last 24 hours are drawn here against it.');
			clear(canvas);
			return;
		}
		if (!body.name)
			body.name = 'preview';
		const key = JSON.stringify(body);
		if (key === shown)
			return;
		shown = key;
		const mine = ++generation;
		if (controller)
			controller.abort();
		controller = new AbortController();
		showLoading(note, 'Computing the last 24 hours…');
		let answer;
		try {
			answer = await api('/v1/alerts/preview', { method: 'POST', body, signal: controller.signal });
		} catch (err) {
			if (err.name === 'AbortError' || mine !== generation)
				return;
			shown = '';
			clear(canvas);
			showError(note, err, refresh);
			return;
		}
		if (mine !== generation)
			return;
		draw(canvas, note, body, (answer && answer.points) || []);
	}

	const soon = debounce(refresh, 400);
	form.addEventListener('input', soon);
	form.addEventListener('change', soon);
	return refresh;
}

/** Takes the chart off canvas and hides its box. */
function clear(canvas) {
	const chart = window.Chart && window.Chart.getChart(canvas);
	if (chart)
		chart.destroy();
	canvas.dataset.points = '';
	canvas.closest('.chart-box').classList.add('hidden');
}

/** Whether value op threshold holds. */
function holds(value, op, threshold) {
	switch (op) {
	case '>': return value > threshold;
	case '>=': return value >= threshold;
	case '<': return value < threshold;
	case '<=': return value <= threshold;
	case '==': return value === threshold;
	case '!=': return value !== threshold;
	default: return false;
	}
}

/** Draws points of body's metric on canvas, error_rate in percent, and says
 *  in note how often the condition held. */
function draw(canvas, note, body, points) {
	const { scale, format } = drawnAs(body.metric);
	canvas.dataset.points = String(points.length);
	if (!points.length) {
		clear(canvas);
		canvas.dataset.points = '0';
		showEmpty(note, 'No data in the last 24 hours for this rule.');
		return;
	}
	if (!chartsAvailable()) {
		note.replaceChildren(h('p', { class: 'state error' }, 'The chart library did not load: the preview is missing.'));
		return;
	}
	canvas.closest('.chart-box').classList.remove('hidden');
	thresholdChart(canvas, points.map((p) => ({ t: p.t, value: scale(p.value) })), {
		label: body.metric, threshold: scale(body.threshold), format,
	});
	const measured = points.filter((p) => p.value !== null && p.value !== undefined);
	const over = measured.filter((p) => holds(p.value, body.operator, body.threshold)).length;
	note.replaceChildren(h('p', { class: 'muted small', id: `${canvas.id}-summary` },
		`${pointsWords(points, body.window_seconds)} `,
		measured.length
			? [`The condition ${body.metric} ${body.operator} ${fmtThreshold(body.metric, body.threshold)} held at `,
				h('strong', null, String(over)), ` of the ${measured.length} that had a value. `]
			: 'None has a value: nothing was measured for this rule. ',
		'The dashed line is the threshold.'));
}

/** "288 points over the last 24 hours, one every 5 min, each the 15 min
 *  window that ends there." */
export function pointsWords(points, windowSeconds) {
	const step = points.length > 1 ? Math.round((Date.parse(points[1].t) - Date.parse(points[0].t)) / 1000) : 0;
	return `${points.length} point${points.length === 1 ? '' : 's'} over the last 24 hours` +
		(step > 0 ? `, one every ${windowWords(step)}` : '') +
		`, each the ${windowWords(windowSeconds)} window that ends there.`;
}

/** Shows the label of the threshold for the metric picked. */
function thresholdLabel(form) {
	const metric = form.elements.metric.value;
	const label = $('.threshold-label', form);
	const input = form.elements.threshold;
	if (metric === 'error_rate') {
		label.textContent = 'Threshold in % (sent as a fraction)';
		input.placeholder = '5';
		input.min = '0';
		input.max = '100';
	} else {
		label.textContent = metric.endsWith('_ms') ? 'Threshold (ms)' : 'Threshold (requests)';
		input.placeholder = metric.endsWith('_ms') ? '800' : '100';
		input.min = '0';
		input.removeAttribute('max');
	}
}

/** Shows the window fields of the application form for event_count only. */
function countFields(form) {
	const oneOff = ONE_OFF_METRICS.includes(form.elements.metric.value);
	for (const el of $$('.for-count', form.closest('[role=tabpanel]'))) {
		el.classList.toggle('hidden', oneOff);
		for (const control of $$('input, select', el))
			control.disabled = oneOff;
	}
}

/** Wires the window and application forms; onCreated(rule) runs after
 *  either made a rule. Returns {windowForm, appForm, refresh()}. */
export function ruleForms({ onCreated }) {
	const windowForm = $('#window-form');
	const appForm = $('#app-rule-form');
	fillChoices(windowForm, SERVICE_METRICS, 'error_rate', '>');
	fillChoices(appForm, APP_METRICS, 'event_count', '>=');
	thresholdLabel(windowForm);
	countFields(appForm);
	windowForm.elements.metric.addEventListener('change', () => thresholdLabel(windowForm));
	appForm.elements.metric.addEventListener('change', () => countFields(appForm));

	const windowPreview = preview(windowForm, $('#preview-chart'), $('#preview-note'), windowBody);
	const appPreview = preview(appForm, $('#app-preview-chart'), $('#app-preview-note'), (form) => {
		const body = appBody(form);
		return body && !ONE_OFF_METRICS.includes(body.metric) ? body : null;
	});

	async function submit(form, bodyOf, path) {
		const body = bodyOf(form);
		formError(form, null);
		if (!body) {
			formError(form, new Error('Type a threshold (a number).'));
			return;
		}
		const channels = pickedChannels(form);
		if (channels.length)
			body.channel_ids = channels;
		let rule;
		try {
			rule = await api(path(body), { method: 'POST', body });
		} catch (err) {
			formError(form, err);
			return;
		}
		const keep = { service_id: form.elements.service_id?.value, application_id: form.elements.application_id?.value };
		form.reset();
		for (const [name, value] of Object.entries(keep)) {
			if (value && form.elements[name])
				form.elements[name].value = value;
		}
		if (form === windowForm) {
			thresholdLabel(windowForm);
			windowPreview();
		} else {
			countFields(appForm);
			appPreview();
		}
		onCreated(rule);
	}

	windowForm.addEventListener('submit', (event) => {
		event.preventDefault();
		submit(windowForm, windowBody, () => '/v1/alerts');
	});
	appForm.addEventListener('submit', (event) => {
		event.preventDefault();
		submit(appForm, appBody, (body) => {
			const path = `/apps/${seg(body.application_id)}/alerts`;
			delete body.application_id;   // the path names it
			return path;
		});
	});
	return {
		windowForm,
		appForm,
		refresh() {
			windowPreview();
			appPreview();
		},
	};
}
