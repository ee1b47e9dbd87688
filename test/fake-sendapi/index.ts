/** Fake SendApi server for tests, benchmarks and a human sandbox (`npm run fake-sendapi`). */
export {
	FakeSendApiServer,
	keepRefusalsFromEnv,
	startFakeSendApi,
	type FakeSendApi,
	type FakeSendApiOptions,
	type IncomingMediaParams,
	type PublicMediaRequest,
	type LoggedRequest,
	type SeedMessagesOptions,
	type SeedSessionParams,
	type SimulateIncomingParams,
	type WebhookDeliveryLog,
} from './server';
export { DEFAULT_LIMITS, STARTER_LIMITS, UNLIMITED_HEADER_VALUE, type FakeLimits } from './limits';
export { FaultQueue, type Fault, type FaultKind } from './faults';
export {
	FakeState,
	type Contact,
	type Group,
	type Message,
	type Session,
	type SessionStatus,
	type WebhookRecord,
} from './state';
export {
	buildEvent,
	deliverWebhook,
	eventMatches,
	signBody,
	SIGNATURE_HEADER,
	type DeliverOptions,
	type DeliveryResult,
	type EventEnvelope,
	type WebhookEvent,
} from './webhooks';
export {
	MediaStore,
	sampleFile,
	type IncomingMediaOptions,
	type IncomingMediaShape,
	type IncomingMediaType,
	type MediaDownloadLog,
	type MediaFile,
	type MediaHost,
	type SampleFile,
} from './media';
export { qrDataUrl, qrPng, crc32, PNG_SIGNATURE } from './png';
export * as schemas from './schemas';
