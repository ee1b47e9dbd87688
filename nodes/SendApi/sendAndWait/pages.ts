/**
 * The pages of Link mode. Opening a link (GET) only shows a page; the answer is recorded by the
 * page's form, which POSTs to the same signed URL. So a link-preview robot fetching the link from
 * the WhatsApp chat, which only GETs, never approves or answers anything.
 */
export const APPROVE_PARAM = 'approved';

export function approvalPage(question: string, approve: boolean, label: string): string {
	return page(
		'Confirm your answer',
		`<p class="q">${escapeHtml(question)}</p>
<form method="post"><input type="hidden" name="${APPROVE_PARAM}" value="${approve ? 'true' : 'false'}">
<button type="submit">${escapeHtml(label)}</button></form>`,
	);
}

export function freeTextPage(question: string, problem?: string): string {
	const note = problem ? `<p class="note">${escapeHtml(problem)}</p>` : '';
	return page(
		'Your answer',
		`<p class="q">${escapeHtml(question)}</p>${note}
<form method="post"><textarea name="text" rows="5" required></textarea>
<button type="submit">Send</button></form>`,
	);
}

export function recordedPage(): string {
	return page('Thank you', '<p>Your answer was recorded. You can close this page.</p>');
}

function page(title: string, body: string): string {
	return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.q{white-space:pre-wrap}textarea{width:100%}button{margin-top:1rem;padding:.6rem 1.2rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}
