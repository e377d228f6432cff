// A key the API shows once (an ingest key, a service key, an API token):
// shown in a box with a copy button until the person dismisses it; never
// stored.
import { h } from './dom.js';

/** The box for value, titled title, with an optional extra note (a node or
 *  text); noun names what value is in the box's sentences; onHide, when
 *  given, runs once the person has hidden the box; once, when given, replaces
 *  the sentence that says the value is shown only this once (for a value
 *  telltale keeps otherwise than as a digest). */
export function secretBox(title, value, extra, noun = 'key', onHide = null, once = null) {
	const code = h('code', { class: 'secret', 'data-secret': '' }, value);
	const status = h('span', { class: 'small muted', role: 'status' });
	const copy = h('button', {
		type: 'button',
		class: 'copy',
		onclick: async () => {
			status.textContent = (await copyText(value, code)) ? 'Copied.' : `Select the ${noun} and copy it by hand.`;
		},
	}, 'Copy');
	const box = h('div', { class: 'secret-box', role: 'region', 'aria-label': title },
		h('strong', null, title),
		code,
		h('div', { class: 'row' }, copy,
			h('button', { type: 'button', class: 'secondary', onclick: () => {
				box.remove();
				if (onHide)
					onHide();
			} }, 'Done, hide it'),
			status),
		h('p', null, once || `This is the only time the ${noun} is shown: telltale keeps only its SHA-256. Copy it now.`),
		extra ? h('p', null, extra) : null);
	return box;
}

/** Copies text to the clipboard; falls back to selecting node's text and
 *  execCommand. Returns whether either worked. */
export async function copyText(text, node) {
	try {
		if (navigator.clipboard && window.isSecureContext) {
			await navigator.clipboard.writeText(text);
			return true;
		}
	} catch {
		// denied: fall back below
	}
	const range = document.createRange();
	range.selectNodeContents(node);
	const sel = window.getSelection();
	sel.removeAllRanges();
	sel.addRange(range);
	try {
		return document.execCommand('copy');
	} catch {
		return false;
	}
}
