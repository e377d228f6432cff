// The issues panel that leads the application's page (/errors/<app_id>):
// issues with their title, culprit, level, count, a 24-hour sparkline, first
// and last seen and status; filters and the sort in the URL; pages by
// cursor; and for members, rows picked by checkbox to resolve, ignore,
// reopen or merge at once.
import { api, seg } from './api.js';
import { $, $$, fmtCount, h, levelBadge, showEmpty, showError, showLoading, timeEl } from './dom.js';
import { CHANGES, changeIssue, issueHref, issueStatusBadge, mergeIssues, sparkline } from './issues.js';
import { fillForm, onFilterChange, readForm, readQuery, writeQuery } from './query.js';

// The names the panel keeps in the page's URL. The events below the panel
// have a level filter of their own, hence issue_level.
const FILTERS = ['status', 'issue_level', 'environment', 'release', 'query', 'sort'];
const PAGE = 25;

/** Sets up the panel of the application appId; returns {load}, which (re)loads
 *  the first page. */
export function issueList(appId) {
	const form = $('#issue-filters');
	const box = $('#issues');
	const note = $('#bulk-note');
	// The cursor of each page shown so far: cursors[page] opens page.
	let cursors = [''];
	let page = 0;
	let nextCursor = null;
	let items = [];
	// Picked issue ids in the order they were picked: a merge keeps the first.
	let picked = [];
	let generation = 0;
	// Environments and releases seen in the lists, offered by the filters.
	const environments = new Set();
	const releases = new Set();

	function fromUrl() {
		const q = readQuery(FILTERS);
		fillForm(form, { ...q, status: q.status || 'unresolved', sort: q.sort || 'last_seen' });
	}

	function urlState() {
		const state = readForm(form, FILTERS);
		if (state.status === 'unresolved')
			state.status = '';
		if (state.sort === 'last_seen')
			state.sort = '';
		return state;
	}

	function query() {
		const state = readForm(form, FILTERS);
		return {
			status: state.status, level: state.issue_level, environment: state.environment,
			release: state.release, query: state.query, sort: state.sort,
			limit: PAGE, cursor: cursors[page],
		};
	}

	function offer(listId, values) {
		$(`#${listId}`).replaceChildren(...[...values].sort().map((v) => h('option', { value: v })));
	}

	async function load() {
		const mine = ++generation;
		showLoading(box, 'Loading issues…');
		$('#issues-page-info').textContent = '';
		let answer;
		try {
			answer = await api(`/apps/${seg(appId)}/issues`, { query: query() });
		} catch (err) {
			if (mine === generation) {
				showError(box, err, load);
				pickedChanged();
			}
			return;
		}
		if (mine !== generation)
			return;
		items = answer.items;
		nextCursor = answer.next_cursor;
		picked = picked.filter((id) => items.some((i) => String(i.id) === id));
		for (const issue of items) {
			(issue.environments || []).forEach((e) => environments.add(e));
			[issue.first_release, issue.last_release].filter(Boolean).forEach((r) => releases.add(r));
		}
		offer('issue-environments', environments);
		offer('issue-releases', releases);
		$('#issues-older').disabled = !nextCursor;
		$('#issues-newer').disabled = page === 0;
		render();
	}

	function render() {
		if (!items.length) {
			const filtered = Object.entries(urlState()).some(([, v]) => v);
			showEmpty(box, page ? 'No more issues.'
				: filtered ? 'No issues match these filters.' : 'No unresolved issues: nothing is failing.');
			pickedChanged();
			return;
		}
		const first = page * PAGE + 1;
		$('#issues-page-info').textContent = `issues ${first}–${first + items.length - 1}`;
		const all = h('input', {
			type: 'checkbox', id: 'pick-all', 'aria-label': 'Pick every issue on this page',
			onchange: (event) => pickAll(event.currentTarget.checked),
		});
		box.replaceChildren(h('table', { id: 'issues-table', class: 'issues' },
			h('thead', null, h('tr', null,
				h('th', { class: 'pick', 'data-needs': 'member' }, all),
				h('th', null, 'Issue'), h('th', null, 'Level'), h('th', { class: 'num' }, 'Events'),
				h('th', null, 'Last 24 hours'), h('th', null, 'First seen'), h('th', null, 'Last seen'),
				h('th', null, 'Status'))),
			h('tbody', null, items.map(row))));
		pickedChanged();
	}

	function row(issue) {
		const id = String(issue.id);
		return h('tr', { dataset: { id }, class: picked.includes(id) ? 'selected' : null },
			h('td', { class: 'pick', 'data-needs': 'member' }, h('input', {
				type: 'checkbox', class: 'pick-one', checked: picked.includes(id),
				'aria-label': `Pick issue ${id}`,
				onchange: (event) => pick(id, event.currentTarget.checked),
			})),
			h('td', { class: 'issue-cell' },
				h('a', { class: 'issue-title', href: issueHref(appId, issue.id) }, issue.title),
				issue.culprit ? h('div', { class: 'culprit mono small' }, issue.culprit) : null,
				h('div', { class: 'issue-meta small muted' },
					`#${id}`,
					(issue.environments || []).map((e) => h('span', { class: 'tag' }, e)),
					issue.last_release ? h('span', { class: 'tag' }, `release ${issue.last_release}`) : null,
					issue.regressed_at ? h('span', { class: 'badge bad', title: issue.regressed_at }, 'regressed') : null)),
			h('td', null, levelBadge(issue.level)),
			h('td', { class: 'num count' }, fmtCount(issue.count)),
			h('td', { class: 'spark' }, sparkline(issue.series)),
			h('td', null, timeEl(issue.first_seen)),
			h('td', null, timeEl(issue.last_seen)),
			h('td', null, issueStatusBadge(issue.status)));
	}

	// --- picking and the changes ---------------------------------------------

	function pick(id, on) {
		picked = picked.filter((p) => p !== id);
		if (on)
			picked.push(id);
		pickedChanged();
	}

	function pickAll(on) {
		picked = on ? items.map((i) => String(i.id)) : [];
		for (const box of $$('#issues-table .pick-one'))
			box.checked = on;
		pickedChanged();
	}

	function pickedChanged() {
		for (const tr of $$('#issues-table tbody tr'))
			tr.classList.toggle('selected', picked.includes(tr.dataset.id));
		const all = $('#pick-all');
		if (all) {
			all.checked = items.length > 0 && picked.length === items.length;
			all.indeterminate = picked.length > 0 && picked.length < items.length;
		}
		const n = picked.length;
		$('#picked-info').textContent = n ? `${n} picked` : 'Pick issues to change them.';
		for (const name of ['resolve', 'ignore', 'reopen'])
			$(`#bulk-${name}`).disabled = n === 0;
		$('#bulk-merge').disabled = n < 2;
	}

	/** Applies the change named name to every picked issue. */
	async function bulk(name) {
		const [, change, done] = CHANGES[name];
		const ids = [...picked];
		for (const button of $$('#bulk button'))
			button.disabled = true;
		const results = await Promise.allSettled(ids.map((id) => changeIssue(appId, id, change)));
		const failed = results.map((r, i) => [r, ids[i]]).filter(([r]) => r.status === 'rejected');
		const changed = ids.length - failed.length;
		picked = failed.map(([, id]) => id);
		note.replaceChildren(changed
			? h('p', { class: 'state ok', role: 'status' }, `${done}: ${changed} issue${changed === 1 ? '' : 's'}.`)
			: '');
		for (const [r, id] of failed)
			note.append(h('p', { class: 'state error', role: 'alert' }, `Issue ${id}: ${r.reason.message}`));
		load();
	}

	async function merge() {
		const ids = [...picked];
		const into = items.find((i) => String(i.id) === ids[0]);
		if (!window.confirm(`Merge ${ids.length} issues into "${into ? into.title : `#${ids[0]}`}" (#${ids[0]}, ` +
			'the first picked)? The others\' events move to it and the others are deleted.'))
			return;
		let merged;
		try {
			merged = await mergeIssues(appId, ids);
		} catch (err) {
			note.replaceChildren(h('p', { class: 'state error', role: 'alert' }, `The merge failed: ${err.message}`));
			return;
		}
		picked = [];
		note.replaceChildren(h('p', { class: 'state ok', role: 'status' }, `Merged ${ids.length} issues into `,
			h('a', { href: issueHref(appId, merged.id) }, `#${merged.id} ${merged.title}`), '.'));
		load();
	}

	// --- the controls ----------------------------------------------------------

	function apply() {
		cursors = [''];
		page = 0;
		picked = [];
		note.replaceChildren();
		writeQuery(urlState(), { merge: true });
		load();
	}

	onFilterChange(form, apply, 400);
	$('#issues-older').addEventListener('click', () => {
		if (!nextCursor)
			return;
		cursors[page + 1] = nextCursor;
		page++;
		load();
	});
	$('#issues-newer').addEventListener('click', () => {
		page = Math.max(0, page - 1);
		load();
	});
	for (const name of ['resolve', 'ignore', 'reopen'])
		$(`#bulk-${name}`).addEventListener('click', () => bulk(name));
	$('#bulk-merge').addEventListener('click', merge);
	window.addEventListener('popstate', () => {
		fromUrl();
		cursors = [''];
		page = 0;
		load();
	});

	fromUrl();
	return { load };
}
