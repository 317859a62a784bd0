/**
 * Why a report was refused: stable codes (stored, counted by analysts, matched by clients)
 * with the message a frightened driver reads, in Chinese first and English.
 */
import type { LocalText, PathId, ReasonCode, Reason } from '../generated/types.ts';

type Params = Record<string, string>;
type Template = (p: Params) => LocalText;

const t = (zh: string, en: string): Template => (p) => ({ zh: fill(zh, p), en: fill(en, p) });

const TEMPLATES: Record<ReasonCode, Template> = {
  outside_service_hours: t('当前不在视频快处服务时间内（{hoursZh}），现在是 {now}。', 'Video handling is offered {hours}; it is now {now}.'),
  district_not_covered: t('事故地点（{place}）不在视频快处服务区域内。', 'The accident location ({placeEn}) is outside the video handling area.'),
  type_not_accepted: t('本市视频快处不受理{kind}事故。', 'This city does not handle {kindEn} accidents by video.'),
  injury_not_accepted: t('本市{kind}事故视频快处仅受理无人员受伤的事故。', 'This city handles {kindEn} accidents by video only when nobody is injured.'),
  serious_injury: t('有人员伤势较重，请立即拨打 120 并报警，由民警到现场处理。', 'Someone is seriously injured: call 120 and the police; officers will come to the scene.'),
  death: t('事故造成人员死亡，请立即报警，由民警到现场处理。', 'Someone has died: call the police now; officers will come to the scene.'),
  uninsured_vehicle: t('有机动车未投保交强险，不适用视频快处。', 'A motor vehicle has no compulsory third-party insurance (交强险).'),
  vehicle_not_movable: t('车辆无法自行移动，不适用视频快处。', 'The vehicles cannot be moved by the parties.'),
  licence_invalid: t('驾驶人无有效机动车驾驶证，不适用视频快处。', 'A driver has no valid driving licence.'),
  registration_invalid: t('车辆行驶证或登记信息无效，不适用视频快处。', 'A vehicle registration is not valid.'),
  unplated_vehicle: t('有机动车无号牌，不适用视频快处。', 'A motor vehicle has no number plates.'),
  owner_not_present: t('受损财物的所有人或负责人不在现场，不适用视频快处。', 'The owner of the damaged property is not at the scene.'),
  not_urban_road: t('事故不在城市道路上，不适用视频快处。', 'The accident is not on an urban road.'),
  channel_not_offered: t('本市未开通“{channel}”视频快处入口。', 'This city does not offer video handling through {channelEn}.'),
  too_many_parties: t('事故涉及 {parties} 方当事人，视频快处最多受理 {max} 方。', 'The accident involves {parties} parties; video handling takes at most {max}.'),
  vehicle_class_not_accepted: t('{class} 类车辆不适用本市视频快处。', 'Vehicles of class {class} are not handled by video in this city.'),
  drink_driving: t('驾驶人有饮酒嫌疑，须由民警到现场处理。', 'A driver may have been drinking: officers must come to the scene.'),
  drug_driving: t('驾驶人有服用管制药品或毒品嫌疑，须由民警到现场处理。', 'A driver may be under the influence of drugs: officers must come to the scene.'),
  hit_and_run: t('有驾驶人逃逸或离开现场，须由民警处理。', 'A driver has fled or left the scene: officers must handle it.'),
  dangerous_goods: t('车辆载运危险物品，须由民警到现场处理。', 'A vehicle carries dangerous goods: officers must come to the scene.'),
  intentional: t('驾驶人有故意行为嫌疑，须由民警到现场处理。', 'A driver may have acted on purpose: officers must come to the scene.'),
  evidence_tampering: t('有当事人破坏、伪造现场或毁灭证据，须由民警到现场处理。', 'Someone has altered the scene or destroyed evidence: officers must come.'),
  overload_or_speeding: t('有严重超员或严重超速嫌疑，须由民警到现场处理。', 'Serious overloading or speeding is suspected: officers must come to the scene.'),
  insists_on_police: t('当事人要求民警到场处理。', 'A party asks for officers at the scene.'),
  path_not_offered: t('本市未开通{path}。', 'This city does not offer {pathEn}.'),
};

/**
 * The photo path (事故快处) refuses with the same codes, but its party must not read "视频快处":
 * the codes whose words name the path say 事故快处 here. The others (drink-driving…) are the same.
 */
const PHOTO_TEMPLATES: Partial<Record<ReasonCode, Template>> = {
  district_not_covered: t('事故地点（{place}）不在事故快处服务区域内。', 'The accident location ({placeEn}) is outside the area of photo quick handling.'),
  type_not_accepted: t('事故快处仅受理两辆机动车之间的事故，不受理{kind}事故。', 'Photo quick handling takes only accidents between two motor vehicles, not {kindEn} accidents.'),
  injury_not_accepted: t('事故快处仅受理无人员受伤的事故；有人受伤请报警。', 'Photo quick handling takes only accidents where nobody is injured; call the police.'),
  uninsured_vehicle: t('有机动车未投保交强险，不适用事故快处。', 'A motor vehicle has no compulsory third-party insurance (交强险): photo quick handling does not apply.'),
  vehicle_not_movable: t('车辆无法自行移动，不适用事故快处。', 'The vehicles cannot be moved by the parties: photo quick handling does not apply.'),
  licence_invalid: t('驾驶人无有效机动车驾驶证或准驾车型不符，不适用事故快处。', 'A driver has no valid licence for the vehicle: photo quick handling does not apply.'),
  registration_invalid: t('车辆行驶证或登记信息无效，不适用事故快处。', 'A vehicle registration is not valid: photo quick handling does not apply.'),
  unplated_vehicle: t('有机动车无号牌，不适用事故快处。', 'A motor vehicle has no number plates: photo quick handling does not apply.'),
  owner_not_present: t('受损财物的所有人或负责人不在现场，不适用事故快处。', 'The owner of the damaged property is not at the scene: photo quick handling does not apply.'),
  not_urban_road: t('事故不在城市道路上，不适用事故快处。', 'The accident is not on an urban road: photo quick handling does not apply.'),
  too_many_parties: t('事故涉及 {parties} 方当事人，事故快处最多受理 {max} 方。', 'The accident involves {parties} parties; photo quick handling takes at most {max}.'),
  vehicle_class_not_accepted: t('{class} 类车辆不适用事故快处。', 'Vehicles of class {class} are not handled by photo quick handling.'),
  overload_or_speeding: t('有严重超载、超员或严重超速嫌疑，不适用事故快处，须由民警到现场处理。', 'Serious overloading or speeding is suspected: officers must come to the scene.'),
};

/** The paths' names in the party's words. */
export const PATH_NAMES: Record<PathId, LocalText> = {
  video: { zh: '事故视频快处', en: 'video quick handling' },
  photo: { zh: '事故快处（拍照自行协商）', en: 'photo quick handling (photos and a self-negotiated agreement)' },
};

export const REASON_CODES = Object.keys(TEMPLATES) as ReasonCode[];

export function reason(code: ReasonCode, params: Params = {}, path: PathId = 'video'): Reason {
  const template = (path === 'photo' ? PHOTO_TEMPLATES[code] : undefined) ?? TEMPLATES[code];
  return { code, message: template(params) };
}

function fill(s: string, p: Params): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => p[k] ?? `{${k}}`);
}

/** Names of collision kinds for messages. */
export const KIND_NAMES: Record<string, LocalText> = {
  motor_motor: { zh: '机动车与机动车', en: 'motor vehicle vs motor vehicle' },
  motor_non_motor: { zh: '机动车与非机动车', en: 'motor vehicle vs non-motor vehicle' },
  single_vehicle: { zh: '单方', en: 'single-vehicle' },
};

export const CHANNEL_NAMES: Record<string, LocalText> = {
  app12123: { zh: '交管12123', en: 'the 12123 App' },
  wechat_miniprogram: { zh: '微信小程序', en: 'the WeChat mini-program' },
  wechat_official_account: { zh: '微信公众号', en: 'the WeChat official account' },
  sms_link_110: { zh: '110 短信链接', en: 'the 110 SMS link' },
  video_phone: { zh: '视频电话', en: 'the video phone line' },
  web: { zh: '网页', en: 'the web' },
};
