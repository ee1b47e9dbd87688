/** Every resource → operation pair the node offers; the router dispatches on these. */
export type SendApiType = {
	session: 'create' | 'deleteSession' | 'get' | 'getAll' | 'getQrCode';
	contact: 'checkNumber' | 'getAll';
	message: 'get' | 'getAll' | 'send' | 'sendAndWait' | 'sendBulk' | 'waitForFollowUps';
	group: 'create' | 'getAll' | 'update';
};

export type SendApiResource = keyof SendApiType;
