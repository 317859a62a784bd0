/**
 * `@kuaichu/core/sms`: the SMS kit gateway adapters build on — the failure every adapter
 * throws (what the outbox reads), template variables, receipt intake, the adapter shell.
 */
export { SmsSendError, isSmsSendError, networkFailure, secondsToChinaMidnight, type SmsFailure, type SmsFailureDetails } from './outcome.ts';
export { ReceiptRefused, chinaTime, checkReceiptToken, readReceiptBatch, str, type SmsDeliveryReport } from './receipts.ts';
export { CORE_PARAM_NAMES, DEFAULT_PARAMS, templateParams, type TemplateParamRule, type TemplatedSmsMessage } from './templates.ts';
export { createGatewayAdapter, outIdOf, secretFrom, takesReceipts, type GatewayAdapter, type GatewaySpec, type GatewayTemplate } from './adapter.ts';
export { maskPhone } from '../../privacy/mask.ts';
