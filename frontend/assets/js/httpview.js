// Pieces of an HTTP exchange as the log and replay pages show them.
import { h, kvTable, prettyBody } from './dom.js';

/** A body (string or null): pretty JSON when it parses, else the text as sent. */
export function bodyBlock(text, truncated, emptyText = 'no body') {
	const body = prettyBody(text);
	if (!body)
		return h('p', { class: 'muted small' }, emptyText);
	return h('div', { class: 'body' },
		h('div', { class: 'row small muted' },
			h('span', { class: 'badge' }, body.json ? 'JSON' : 'text'),
			truncated ? h('span', { class: 'badge s4' }, 'truncated at 64 KiB') : null),
		h('pre', { class: body.json ? 'json' : 'text' }, body.text));
}

/** A titled block: h3 + content. */
export function block(title, ...content) {
	return h('div', { class: 'block' }, h('h3', null, title), content);
}

/** Headers (an object of strings) as a table. */
export function headersBlock(headers) {
	return kvTable(headers, 'no headers');
}
