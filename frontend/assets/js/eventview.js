// Pieces of an error event as the application's page and the issue page show
// them. The stack as Sentry shows one: each exception's "Type: value", then
// its frames innermost first, the application's own frames highlighted and
// the libraries' folded away, with the source lines around a frame when the
// SDK sent them; and a Sentry event's context (request, user, breadcrumbs…).
// Event data is hostile input: every piece of it becomes text.
import { h, jsonPre, kvTable } from './dom.js';

/** The exceptions of a stored stack, the raised one (the last) first:
 *  [{type, value, module, mechanism, frames}], frames oldest first as sent.
 *  Sentry's {values: [exception…]}, or an /apps stack {type?, frames} whose
 *  value is the event's message; [] for anything else. */
export function exceptionsOf(stack, message) {
	if (!stack || typeof stack !== 'object')
		return [];
	if (Array.isArray(stack.values)) {
		return stack.values.filter((ex) => ex && typeof ex === 'object').map((ex) => ({
			type: ex.type,
			value: ex.value,
			module: ex.module,
			mechanism: ex.mechanism,
			frames: framesOf(ex.stacktrace) || framesOf(ex),
		})).reverse();
	}
	if (Array.isArray(stack.frames) || typeof stack.type === 'string')
		return [{ type: stack.type, value: message, frames: framesOf(stack) }];
	return [];
}

function framesOf(holder) {
	return holder && typeof holder === 'object' && Array.isArray(holder.frames) ? holder.frames : null;
}

const text = (value) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/** Where a frame is, as one line: "file:line:col in function". */
export function frameTitle(f) {
	const place = text(f.filename ?? f.file ?? f.abs_path ?? f.module) || '?';
	const line = f.lineno ?? f.line;
	const col = f.colno;
	const fn = text(f.function ?? f.func ?? f.method);
	return `${place}${line !== undefined && line !== null ? `:${text(line)}` : ''}` +
		`${line !== undefined && col !== undefined && col !== null ? `:${text(col)}` : ''}${fn ? ` in ${fn}` : ''}`;
}

/** The source lines around a frame, numbered when its line number is known;
 *  null when the SDK sent none. */
function contextLines(f) {
	const pre = Array.isArray(f.pre_context) ? f.pre_context : [];
	const post = Array.isArray(f.post_context) ? f.post_context : [];
	const hasLine = f.context_line !== undefined && f.context_line !== null;
	if (!hasLine && !pre.length && !post.length)
		return null;
	const lineno = Number.isInteger(f.lineno) ? f.lineno : null;
	const lines = [
		...pre.map((t, i) => [t, lineno === null ? null : lineno - pre.length + i, false]),
		...(hasLine ? [[f.context_line, lineno, true]] : []),
		...post.map((t, i) => [t, lineno === null ? null : lineno + 1 + i, false]),
	];
	return h('div', { class: 'context' }, lines.map(([t, n, current]) =>
		h('div', { class: `ctx-line${current ? ' current' : ''}` },
			h('span', { class: 'ln' }, n === null ? '' : String(n)),
			h('code', null, text(t)))));
}

/** "Type: value" of an exception, the type in bold; either part may be
 *  missing (an /apps stack need not name a type). */
function exceptionTitle(ex) {
	const type = text(ex.type);
	const value = text(ex.value);
	if (!type)
		return value || h('strong', null, 'Exception');
	return [h('strong', null, type), value ? `: ${value}` : ''];
}

function frameItem(f) {
	if (!f || typeof f !== 'object')
		return h('li', { class: 'frame' }, h('div', { class: 'frame-head' }, text(f)));
	const inApp = f.in_app === true;
	const vars = f.vars && typeof f.vars === 'object' && Object.keys(f.vars).length
		? h('details', { class: 'vars' }, h('summary', { class: 'small muted' }, 'local variables'), kvTable(f.vars))
		: null;
	return h('li', { class: `frame${inApp ? ' in-app' : ''}` },
		h('div', { class: 'frame-head' }, frameTitle(f),
			inApp ? h('span', { class: 'badge in-app' }, 'in app') : null),
		contextLines(f),
		vars);
}

/** The frames (oldest first, as sent) innermost first. When some frames are
 *  the application's own, each run of other frames is folded into one line
 *  that opens to show them. */
export function framesList(frames) {
	if (!Array.isArray(frames) || !frames.length)
		return h('p', { class: 'muted small' }, 'no frames');
	const innermostFirst = [...frames].reverse();
	const foldLibraries = innermostFirst.some((f) => f && f.in_app === true);
	const items = [];
	let run = [];
	const endRun = () => {
		if (!run.length)
			return;
		items.push(h('li', { class: 'folded' }, h('details', null,
			h('summary', { class: 'small muted' }, `${run.length} library frame${run.length === 1 ? '' : 's'}`),
			h('ol', { class: 'frames' }, run.map(frameItem)))));
		run = [];
	};
	for (const f of innermostFirst) {
		if (foldLibraries && !(f && f.in_app === true)) {
			run.push(f);
		} else {
			endRun();
			items.push(frameItem(f));
		}
	}
	endRun();
	return h('ol', { class: 'frames' }, items);
}

/** A stored stack (see exceptionsOf) as its exceptions and frames, with the
 *  stack as stored (JSON) folded below; message is the event's. */
export function stackView(stack, message) {
	if (!stack)
		return h('p', { class: 'muted small' }, 'no stack');
	const parts = exceptionsOf(stack, message).map((ex) => h('div', { class: 'exception' },
		h('p', { class: 'exception-title' }, exceptionTitle(ex),
			ex.mechanism && ex.mechanism.handled === false ? [' ', h('span', { class: 'badge bad' }, 'unhandled')] : null),
		ex.module ? h('p', { class: 'small muted' }, 'module ', h('code', null, text(ex.module))) : null,
		framesList(ex.frames)));
	parts.push(h('details', { class: 'raw', open: parts.length === 0 },
		h('summary', { class: 'small muted' }, 'as stored (JSON)'), jsonPre(stack)));
	return h('div', { class: 'stack' }, parts);
}

/** A Sentry event's context ({request?, user?, contexts?, breadcrumbs?,
 *  extra?}, secrets masked by the API): each part folded, the request's and
 *  the user's flat members as tables, anything else as JSON. */
export function contextView(context) {
	const entries = context && typeof context === 'object' ? Object.entries(context) : [];
	if (!entries.length)
		return h('p', { class: 'muted small' }, 'no context');
	return h('div', { class: 'event-context' }, entries.map(([name, value]) => h('details', { class: 'context-part' },
		h('summary', null, name),
		isFlat(value) ? kvTable(value) : jsonPre(value))));
}

/** An object whose values are all strings, numbers or booleans. */
function isFlat(value) {
	return value && typeof value === 'object' && !Array.isArray(value) &&
		Object.values(value).every((v) => v === null || typeof v !== 'object');
}
