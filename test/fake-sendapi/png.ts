/** A real, small, valid PNG that looks like a QR code (greyscale, generated with zlib + CRC-32). */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

export function crc32(buf: Buffer): number {
	let c = 0xffffffff;
	for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(td));
	return Buffer.concat([len, td, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** QR-looking PNG: 25×25 modules (finder patterns + pseudo-random data from `seed`), 4 px each, 2-module border. */
export function qrPng(seed = 'sendapi'): Buffer {
	const modules = 25;
	const border = 2;
	const scale = 4;
	const size = (modules + border * 2) * scale;
	const bits = createHash('sha256').update(seed).digest();
	const dark = (x: number, y: number): boolean => {
		for (const [ox, oy] of [
			[0, 0],
			[modules - 7, 0],
			[0, modules - 7],
		]) {
			const dx = x - ox;
			const dy = y - oy;
			if (dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7) {
				if (dx === -1 || dy === -1 || dx === 7 || dy === 7) return false; // separator
				const ring = Math.min(dx, dy, 6 - dx, 6 - dy);
				return ring !== 1;
			}
		}
		const i = (y * modules + x) % (bits.length * 8);
		return ((bits[i >> 3] >> (i & 7)) & 1) === 1;
	};
	const raw = Buffer.alloc(size * (size + 1), 0xff);
	for (let py = 0; py < size; py++) {
		const row = py * (size + 1);
		raw[row] = 0; // filter: none
		const my = Math.floor(py / scale) - border;
		for (let px = 0; px < size; px++) {
			const mx = Math.floor(px / scale) - border;
			if (mx >= 0 && my >= 0 && mx < modules && my < modules && dark(mx, my)) raw[row + 1 + px] = 0;
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 0; // greyscale
	ihdr[10] = 0;
	ihdr[11] = 0;
	ihdr[12] = 0;
	return Buffer.concat([
		PNG_SIGNATURE,
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

export function qrDataUrl(seed?: string): string {
	return `data:image/png;base64,${qrPng(seed).toString('base64')}`;
}
