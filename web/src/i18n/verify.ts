import type { Messages } from './types.ts';

// The public verification page (/verify/:code): an insurer or a driver who scanned the QR code on a
// determination reads these on a phone. The verdict first, in plain words; the rest is the evidence.
export default {
  'verify.title': { zh: '认定书核验', en: 'Verify a determination' },
  'verify.subtitle': { zh: '道路交通事故认定书（简易程序）', en: 'Road accident determination (simple procedure)' },
  'verify.checking': { zh: '正在核验…', en: 'Checking…' },

  'verify.verdict.valid': { zh: '真实有效', en: 'Authentic' },
  'verify.verdict.validLead': { zh: '该认定书由{bureau}出具，内容与存档一致，未被改动。', en: 'Issued by {bureau}; it matches the record and has not been changed.' },
  'verify.verdict.altered': { zh: '文书内容被改动', en: 'The document has been altered' },
  'verify.verdict.alteredLead': { zh: '该编号认定书的存档与出具时不一致，请勿以此为准，并向{bureau}核实。', en: 'The record of this document no longer matches what was issued. Do not rely on it; check with {bureau}.' },
  'verify.verdict.notFound': { zh: '未找到此认定书', en: 'No such determination' },
  'verify.verdict.notFoundLead': { zh: '没有与核验码对应的认定书。请核对认定书二维码下方印的核验码后重新输入。', en: 'No determination has this code. Check the code printed under the QR code and enter it again.' },

  'verify.checks': { zh: '核验项目', en: 'Checks' },
  'verify.check.content': { zh: '文书内容与核验码一致', en: 'Content matches the code' },
  'verify.check.file': { zh: 'PDF 文件与存档一致', en: 'PDF file matches the record' },
  'verify.check.pass': { zh: '通过', en: 'Passed' },
  'verify.check.fail': { zh: '未通过', en: 'Failed' },

  'verify.details': { zh: '认定书信息', en: 'The determination' },
  // The photo path's self-negotiated agreement (自行协商协议书, issue 18) is verified on the same page.
  'verify.agreement.details': { zh: '自行协商协议书信息', en: 'The self-negotiated agreement' },
  'verify.agreement.number': { zh: '协议书编号', en: 'Agreement number' },
  'verify.agreement.title': { zh: '协议书核验', en: 'Verify an agreement' },
  'verify.agreement.subtitle': { zh: '道路交通事故自行协商协议书', en: 'Road accident agreement between the parties' },
  // Both parties' signatures make an agreement take effect: not a determination's 认定时间.
  'verify.agreement.issued': { zh: '生效时间', en: 'In force from' },
  'verify.agreement.validLead': { zh: '该协议书由双方当事人电子签名，已在{bureau}备案，内容与存档一致，未被改动。', en: 'Signed electronically by both parties and filed with {bureau}; it matches the record and has not been changed.' },
  // An online mediation's agreement (调解协议书, issue 14) too.
  'verify.mediation.details': { zh: '调解协议书信息', en: 'The mediation agreement' },
  'verify.mediation.title': { zh: '调解协议书核验', en: 'Verify a mediation agreement' },
  'verify.mediation.subtitle': { zh: '道路交通事故损害赔偿调解协议书', en: 'Road accident compensation mediation agreement' },
  'verify.mediation.validLead': { zh: '该调解协议书经调解员主持、双方当事人电子签名，已在{bureau}备案，内容与存档一致，未被改动。', en: 'Made before a mediator, signed electronically by both parties and filed with {bureau}; it matches the record and has not been changed.' },
  'verify.number': { zh: '认定书编号', en: 'Number' },
  'verify.bureau': { zh: '出具单位', en: 'Issued by' },
  'verify.city': { zh: '城市', en: 'City' },
  'verify.issued': { zh: '认定时间', en: 'Issued' },
  'verify.served': { zh: '送达时间', en: 'Served' },
  'verify.notServed': { zh: '尚未送达', en: 'Not served yet' },
  'verify.code': { zh: '核验码', en: 'Code' },
  'verify.codeTyped': { zh: '您输入的核验码', en: 'The code you entered' },
  'verify.timezone': { zh: '时间按 {zone} 时区显示', en: 'Times in the {zone} time zone' },

  'verify.parties': { zh: '当事人及责任', en: 'Parties and liability' },
  'verify.plate': { zh: '号牌', en: 'Plate' },
  'verify.liability': { zh: '责任', en: 'Liability' },
  'verify.privacy': { zh: '为保护个人信息，姓名和号牌已部分隐去。', en: 'Names and plates are partly hidden to protect personal data.' },

  'verify.again': { zh: '重新输入核验码', en: 'Enter the code again' },
  'verify.againHint': { zh: '16 位字母和数字，可含短横线', en: '16 letters and digits; dashes are fine' },
  'verify.submit': { zh: '核验', en: 'Verify' },

  'verify.error.title': { zh: '暂时无法核验', en: 'Cannot verify right now' },
  'verify.error.lead': { zh: '网络不稳定或服务暂不可用，请检查网络后重试。', en: 'The network is unstable or the service is unavailable. Check your connection and try again.' },
} satisfies Messages;
