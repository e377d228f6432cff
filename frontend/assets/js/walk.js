// A walk through a collection that pages by cursor, newest first: "Older →"
// asks with the page's next_cursor, "← Newer" goes back through the cursors
// used so far. The URL keeps the cursor of the page shown; the history entry
// keeps the walk, so that a reload, Back and Forward find the same page with
// the way back to the first. A link without the walk opens the page of its
// cursor, and "← Newer" then leads to the first page.

/** A walk named name (its key in the history entry's state), at the first
 *  page. */
export function cursorWalk(name) {
	// The pages walked so far, the current one last: the cursor that opens
	// each ('' for the first) and how many items the pages before it showed
	// (null when unknown: the walk came from a link).
	let pages = [{ cursor: '', before: 0 }];
	let count = 0;
	let next = null;

	const here = () => pages[pages.length - 1];

	return {
		/** The cursor of the page shown ('' on the first). */
		get cursor() {
			return here().cursor;
		},
		/** Whether the page shown is the first. */
		get first() {
			return pages.length === 1;
		},
		/** The next_cursor of the page shown, or null on the last. */
		get next() {
			return next;
		},

		/** Back to the first page. */
		reset() {
			pages = [{ cursor: '', before: 0 }];
			count = 0;
			next = null;
		},

		/** The walk of the current history entry if it leads to cursor (a
		 *  reload, Back, Forward); else a walk to cursor from the first page. */
		restore(cursor) {
			const kept = (window.history.state || {})[name];
			count = 0;
			next = null;
			if (Array.isArray(kept) && kept.length && kept[kept.length - 1].cursor === cursor &&
			    kept[0].cursor === '')
				pages = kept.map((p) => ({ cursor: String(p.cursor), before: Number.isInteger(p.before) ? p.before : null }));
			else if (cursor)
				pages = [{ cursor: '', before: 0 }, { cursor, before: null }];
			else
				pages = [{ cursor: '', before: 0 }];
		},

		/** Records the answer for the page shown: n items, then nextCursor. */
		shown(n, nextCursor) {
			count = n;
			next = nextCursor || null;
		},

		/** To the next older page; false when there is none. */
		older() {
			if (!next)
				return false;
			const before = here().before;
			pages.push({ cursor: next, before: before === null ? null : before + count });
			count = 0;
			next = null;
			return true;
		},

		/** Back to the page before; false on the first. */
		newer() {
			if (pages.length === 1)
				return false;
			pages.pop();
			count = 0;
			next = null;
			return true;
		},

		/** "21–40" for the n items of the page shown, or '' when the walk came
		 *  from a link and does not know how many items came before. */
		range(n) {
			const before = here().before;
			return before === null ? '' : `${before + 1}–${before + n}`;
		},

		/** The history entry's state that keeps this walk (writeQuery's data). */
		entry() {
			return { [name]: pages.map((p) => ({ ...p })) };
		},
	};
}
