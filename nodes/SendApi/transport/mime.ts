/**
 * The package's one MIME table: each type with its usual file extension first, then its others,
 * and the first bytes that mark its files (for a file that comes without a usable type or name).
 */
interface MimeEntry {
	type: string;
	extensions: readonly string[];
	/** Any one of these marks the type; each is a list of [offset, bytes as latin1] that must all match. */
	magic?: ReadonlyArray<ReadonlyArray<readonly [offset: number, bytes: string]>>;
}

const MIME_TABLE: readonly MimeEntry[] = [
	{ type: 'image/jpeg', extensions: ['jpg', 'jpeg'], magic: [[[0, '\xff\xd8\xff']]] },
	{ type: 'image/png', extensions: ['png'], magic: [[[0, '\x89PNG\r\n\x1a\n']]] },
	{
		type: 'image/webp',
		extensions: ['webp'],
		magic: [
			[
				[0, 'RIFF'],
				[8, 'WEBP'],
			],
		],
	},
	{ type: 'image/gif', extensions: ['gif'], magic: [[[0, 'GIF87a']], [[0, 'GIF89a']]] },
	{ type: 'video/mp4', extensions: ['mp4'], magic: [[[4, 'ftyp']]] },
	{ type: 'video/3gpp', extensions: ['3gp'], magic: [[[4, 'ftyp3gp']]] },
	{ type: 'video/quicktime', extensions: ['mov'], magic: [[[4, 'ftypqt  ']]] },
	{
		type: 'audio/mpeg',
		extensions: ['mp3'],
		// An ID3 tag, or an MPEG-1/2 layer III frame without one.
		magic: [[[0, 'ID3']], [[0, '\xff\xfb']], [[0, '\xff\xf3']], [[0, '\xff\xf2']]],
	},
	{ type: 'audio/ogg', extensions: ['ogg', 'opus'], magic: [[[0, 'OggS']]] },
	{ type: 'audio/opus', extensions: ['opus'] },
	{ type: 'audio/mp4', extensions: ['m4a'], magic: [[[4, 'ftypM4A ']]] },
	{ type: 'audio/aac', extensions: ['aac'], magic: [[[0, '\xff\xf1']], [[0, '\xff\xf9']]] },
	{ type: 'audio/amr', extensions: ['amr'], magic: [[[0, '#!AMR']]] },
	{
		type: 'audio/wav',
		extensions: ['wav'],
		magic: [
			[
				[0, 'RIFF'],
				[8, 'WAVE'],
			],
		],
	},
	{ type: 'application/pdf', extensions: ['pdf'], magic: [[[0, '%PDF-']]] },
];

/** The type and subtype of a MIME type, lower case, without parameters (`audio/ogg; codecs=opus` → `audio/ogg`). */
export function mimeEssence(mimeType: string): string {
	return mimeType.split(';')[0].trim().toLowerCase();
}

/** The usual extension (no dot) of a MIME type in the table, parameters ignored, else `undefined`. */
export function usualExtension(mimeType: string): string | undefined {
	const wanted = mimeEssence(mimeType);
	return MIME_TABLE.find((entry) => entry.type === wanted)?.extensions[0];
}

/** The MIME type an extension (no dot, any case) names in the table, else `undefined`. */
export function mimeTypeOfExtension(extension: string): string | undefined {
	const wanted = extension.toLowerCase();
	return MIME_TABLE.find((entry) => entry.extensions.includes(wanted))?.type;
}

/**
 * The MIME type a file's first bytes mark, else `undefined`. The longest matching mark wins, so an
 * `ftypM4A ` box is audio/mp4 rather than the video/mp4 of any other `ftyp`.
 */
export function mimeTypeOfBytes(bytes: Uint8Array): string | undefined {
	const head = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
	let best: { type: string; length: number } | undefined;
	for (const entry of MIME_TABLE) {
		for (const mark of entry.magic ?? []) {
			if (!mark.every(([offset, expected]) => head.startsWith(expected, offset))) continue;
			const length = mark.reduce((sum, [, expected]) => sum + expected.length, 0);
			if (!best || length > best.length) best = { type: entry.type, length };
		}
	}
	return best?.type;
}
