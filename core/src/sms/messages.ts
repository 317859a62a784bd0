/**
 * The SMS core sends, each as its finished text (what sms-dev shows) and the named variables an
 * operator's approved template takes (`params`; the names are the kit's CORE_PARAM_NAMES:
 * core/src/sms/kit/templates.ts). One place for the wording: the texts' variables are exactly
 * the params, so a gateway template and the development text say the same.
 */
import type { CompiledCity } from '../policy/city.ts';
import type { SmsKind } from '../ports/sms.ts';

export interface SmsContent {
  kind: SmsKind;
  text: string;
  params: Record<string, string>;
}

type City = Pick<CompiledCity, 'profile'>;

/** Sign-in code (valid 5 minutes: core/src/auth/otp.ts). */
export function otpSms(city: City, code: string): SmsContent {
  return { kind: 'otp', params: { code }, text: `您的${city.profile.city.zh}事故快处验证码为 ${code}，5 分钟内有效。请勿告诉他人。` };
}

/** Evidence complete: leave the scene (撤离). */
export function evacuateSms(city: City, number: string): SmsContent {
  return { kind: 'evacuate', params: { number }, text: `您的事故（${number}）已完成取证，请立即驶离现场，注意安全。${city.profile.city.zh}交警将在后台认定责任，结果以短信通知。` };
}

/** Handed to on-site police (转现场处置). */
export function escalationSms(number: string): SmsContent {
  return { kind: 'escalation', params: { number }, text: `您的事故（${number}）需由民警到现场处理，请做好安全防护，在安全地点等候。` };
}

/** The determination served (送达): its number and the verification code of its public page. */
export function determinationSms(city: City, d: { caseNumber: string; docNo: string; verifyCode: string; publicUrl: string }): SmsContent {
  return {
    kind: 'determination',
    params: { number: d.caseNumber, docNo: d.docNo, code: d.verifyCode },
    text: `您的事故（${d.caseNumber}）已由${city.profile.city.zh}交警作出认定，认定书编号 ${d.docNo}。请在“网办进度”查看电子认定书，或访问 ${d.publicUrl}/verify/${d.verifyCode} 核验。如有异议，可自送达之日起${city.profile.review.windowDays}日内申请复核。`,
  };
}

/** The photo path (事故快处): party A named this phone as the other party; the link joins the case from it (single use, 24 h). */
export function photoInviteSms(city: City, number: string, url: string): SmsContent {
  return {
    kind: 'photo_invite',
    params: { number, url },
    text: `对方当事人在${city.profile.city.zh}事故快处报告了与您的事故（${number}）。请打开 ${url} 填写您的驾驶证、车辆和事故经过，协商责任。链接24小时内有效，仅限本人使用。`,
  };
}

/** The photo path's self-negotiated agreement (自行协商协议书) issued to both parties, with its verification code. */
export function agreementSms(city: City, d: { caseNumber: string; docNo: string; verifyCode: string; publicUrl: string }): SmsContent {
  return {
    kind: 'agreement',
    params: { number: d.caseNumber, docNo: d.docNo, code: d.verifyCode },
    text: `您的事故（${d.caseNumber}）双方已签署自行协商协议书，协议书编号 ${d.docNo}。请在“网办进度”查看，或访问 ${d.publicUrl}/verify/${d.verifyCode} 核验。${city.profile.city.zh}交警已备案。`,
  };
}
