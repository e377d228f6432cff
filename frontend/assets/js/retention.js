// How long an application keeps its events, or a service its request logs
// (docs/api.md, "Retention"): a form of days that a member changes.
import { api } from './api.js';
import { formError } from './dom.js';

/** Fills form with days and has it PATCH path with the new ones; changed
 *  gets the answer. The API checks the value (1–3650) and says what is wrong. */
export function retentionForm(form, path, days, changed) {
	form.elements.retention_days.value = String(days);
	form.onsubmit = async (event) => {
		event.preventDefault();
		formError(form, null);
		try {
			changed(await api(path, {
				method: 'PATCH',
				body: { retention_days: Number(form.elements.retention_days.value) },
			}));
		} catch (err) {
			formError(form, err);
		}
	};
}
