/** The package's one MIME table: each type with its usual file extension first, then its others. */
const MIME_EXTENSIONS: ReadonlyArray<readonly [mimeType: string, extensions: readonly string[]]> = [
	['image/jpeg', ['jpg', 'jpeg']],
	['image/png', ['png']],
	['image/webp', ['webp']],
	['image/gif', ['gif']],
	['video/mp4', ['mp4']],
	['video/3gpp', ['3gp']],
	['video/quicktime', ['mov']],
	['audio/mpeg', ['mp3']],
	['audio/ogg', ['ogg', 'opus']],
	['audio/opus', ['opus']],
	['audio/mp4', ['m4a']],
	['audio/aac', ['aac']],
	['audio/amr', ['amr']],
	['audio/wav', ['wav']],
	['application/pdf', ['pdf']],
];

/** The usual extension (no dot) of a MIME type in the table, else `undefined`. */
export function usualExtension(mimeType: string): string | undefined {
	const wanted = mimeType.toLowerCase();
	return MIME_EXTENSIONS.find(([known]) => known === wanted)?.[1][0];
}

/** The MIME type an extension (no dot, any case) names in the table, else `undefined`. */
export function mimeTypeOfExtension(extension: string): string | undefined {
	const wanted = extension.toLowerCase();
	return MIME_EXTENSIONS.find(([, extensions]) => extensions.includes(wanted))?.[0];
}
