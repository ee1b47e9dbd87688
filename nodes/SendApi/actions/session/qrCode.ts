import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { readQrCode } from '../../transport/wire/ids';
import { qrCodeToBinary } from '../../helpers/binary';

export const qrBinaryProperty: INodeProperties = {
	displayName: 'Put QR Code in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'qrCode',
	description:
		'Name of the binary field that receives the QR code image (PNG) to scan with WhatsApp',
};

/**
 * SendApi returns the pairing QR as a data URL. Users want to see, email or post it, so it is also
 * put on the item as a binary PNG; the data URL stays in the JSON as `qr_code`.
 */
export async function withQrCodeBinary(
	context: IExecuteFunctions,
	answer: IDataObject,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const json: IDataObject = { ...answer };
	const qrCode = readQrCode(answer);
	if (qrCode === undefined) return { json };
	json.qr_code = qrCode;
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const property = String(options.binaryPropertyName || 'qrCode');
	const sessionId = String(answer.id ?? answer.session_id ?? 'session');
	const binary = await qrCodeToBinary(context, qrCode, `${sessionId}-qr`);
	return binary ? { json, binary: { [property]: binary } } : { json };
}
