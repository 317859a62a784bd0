/**
 * What the seat and the officer put on record, through the same routes as their consoles:
 * every item of the city's checklist (text, statement, photos and clips from the video), the
 * automatic checks (registry and, where the city asks for it, OCR of a plate photo and face
 * comparison of each driver's photo), and the determination with each party's fault and liability grade.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CompiledCity } from '@kuaichu/core/policy';
import type { Api } from './http.ts';
import { WEBM, plateJpeg, png } from './media.ts';
import { REGISTRY_FIXTURES, type Party } from './population.ts';
import type { Random } from './random.ts';

const PLAIN_PHOTO = png();
const KIND_TEXT: Record<string, string> = { motor_motor: '机动车之间', motor_non_motor: '机动车与非机动车', single_vehicle: '单方事故' };
const TYPES = ['追尾', '变道刮擦', '倒车碰撞', '路口刮擦'];
/** The plate the simulator gives a non-motor party (engine.ts). */
const NON_MOTOR = '非机动车';

/**
 * A driver's face on the call, for face comparison: the licence photo registry-dev holds for
 * them (the simulated person looks like their photo). A driver without one shows a plain photo;
 * the check then says "verify manually", which the seat does, and the call goes on.
 */
const HOLDER_PHOTOS: ReadonlyMap<string, Uint8Array> = (() => {
  const fx = JSON.parse(readFileSync(REGISTRY_FIXTURES, 'utf8')) as { drivers: Array<{ idNumber: string; photo?: string }> };
  return new Map(fx.drivers.filter((d) => d.photo).map((d) => [d.idNumber, new Uint8Array(readFileSync(path.join(path.dirname(REGISTRY_FIXTURES), d.photo!)))]));
})();

export interface Paperwork {
  kind: string;
  district: string;
  parties: Party[];
  reportedAt: Date;
}

/** Records the whole checklist; returns whether every check of every driver and motor vehicle passed. */
export async function gatherEvidence(api: Api, city: CompiledCity, caseId: string, seat: string, p: Paperwork, rng: Random): Promise<boolean> {
  const motor = p.parties.filter((x) => x.plate !== NON_MOTOR);
  const checklist = city.profile.evidence.checklist;
  const photos = checklist.filter((i) => i.kind === 'photo');
  const platePhoto = photos.find((i) => i.id.includes('plate')) ?? photos.find((i) => i.id.includes('collision')) ?? photos[photos.length - 1];
  /** A photo of each motor vehicle's plate, for the OCR check; of each party, for face comparison. */
  const plateImages: string[] = [];
  const partyLine = photos.find((i) => i.per === 'party');
  const faceImages = new Map<Party, string>();
  for (const item of checklist) {
    // A line counted per party, driver or vehicle needs its min for each of them.
    const n = (item.min ?? 1) * (item.per === 'party' ? p.parties.length : item.per ? Math.max(1, motor.length) : 1);
    switch (item.kind) {
      case 'text':
        await api.request('POST', `/api/cases/${caseId}/evidence`, { token: seat, body: { item: item.id, data: text(item.id, p, rng) } });
        break;
      case 'statement': // each party's own account
        for (const x of p.parties) await api.request('POST', `/api/cases/${caseId}/evidence`, { token: seat, body: { item: item.id, data: { party: x.name, ...text(item.id, p, rng) } } });
        break;
      case 'photo':
        for (let i = 0; i < Math.max(n, item === platePhoto ? motor.length : 0); i++) {
          const plate = item === platePhoto ? motor[i]?.plate : undefined;
          const party = item === partyLine ? p.parties[i % p.parties.length] : undefined;
          const face = party?.idNumber ? HOLDER_PHOTOS.get(party.idNumber) : undefined;
          const r = plate
            ? await api.upload(caseId, seat, item.id, await plateJpeg(plate), 'image/jpeg', `${item.id}-${i + 1}.jpg`)
            : face
              ? await api.upload(caseId, seat, item.id, face, 'image/jpeg', `${item.id}-${i + 1}.jpg`)
              : await api.upload(caseId, seat, item.id, PLAIN_PHOTO, 'image/png', `${item.id}-${i + 1}.png`);
          if (plate) plateImages.push(r.sha256);
          if (party && !faceImages.has(party)) faceImages.set(party, r.sha256);
        }
        break;
      case 'video':
        for (let i = 0; i < n; i++) await api.upload(caseId, seat, item.id, WEBM, 'video/webm', `${item.id}-${i + 1}.webm`);
        break;
      case 'check':
        break; // below, one request per party
    }
  }
  const checks = new Set(checklist.filter((i) => i.kind === 'check').map((i) => i.check));
  const faceLine = checklist.find((i) => i.check === 'face_match')?.id;
  if (!checks.size) return true;
  let ok = true;
  // Every motor party, one at a time as the seat does; a party the registry cannot be asked about fails.
  for (const [i, x] of motor.entries()) {
    if (!x.idNumber) {
      ok = false;
      continue;
    }
    const faceImage = checks.has('face_match') ? faceImages.get(x) : undefined;
    const body = {
      ...(checks.has('driver_licence') || faceImage ? { driver: { name: x.name, idNumber: x.idNumber } } : {}),
      ...(checks.has('vehicle_registration') || checks.has('compulsory_insurance') || checks.has('plate_ocr') ? { plate: x.plate } : {}),
      ...(checks.has('plate_ocr') && plateImages[i] ? { plateImage: plateImages[i] } : {}),
      ...(faceImage ? { faceImage } : {}),
    };
    const results = await api.request<Array<{ ok: boolean; item: string; status: string }>>('POST', `/api/cases/${caseId}/checks`, { token: seat, body });
    // A face comparison to be verified by hand (no photo on record, no face) is the seat's to settle; a mismatch is not.
    ok &&= results.every((r) => r.ok || (r.item === faceLine && r.status !== 'invalid'));
  }
  return ok;
}


function text(item: string, p: Paperwork, rng: Random): Record<string, unknown> {
  const local = p.reportedAt.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  switch (item) {
    case 'party_names':
      return { names: p.parties.map((x) => x.name) };
    case 'plates':
      return { plates: p.parties.map((x) => x.plate) };
    case 'time':
      return { text: local };
    case 'place':
      return { text: `${p.district}（模拟）` };
    case 'accident_type':
      return { text: `${KIND_TEXT[p.kind] ?? p.kind}：${rng.pick(TYPES)}` };
    case 'statement':
      return { text: '当事人陈述：行驶中发生碰撞，双方车辆受损，无人受重伤。（模拟）' };
    default:
      return { text: '（模拟）' };
  }
}

/** Liability grades that fit together (one full ⇒ the other none, primary ⇒ secondary, equal ⇒ equal). */
export function determinationBody(p: Paperwork, rng: Random) {
  const grades: string[][] = p.parties.length === 1
    ? [['full']]
    : [rng.weighted([[['full', 'none'], 0.6], [['none', 'full'], 0.15], [['primary', 'secondary'], 0.15], [['equal', 'equal'], 0.1]] as const)];
  const faults: Record<string, string> = { full: '未与前车保持安全距离', primary: '变更车道时影响正常行驶的机动车', equal: '未注意观察', secondary: '未减速慢行', none: '无' };
  return {
    facts: `${p.reportedAt.toISOString().slice(0, 10)}，${p.district}发生${KIND_TEXT[p.kind] ?? ''}轻微交通事故（模拟）。`,
    parties: p.parties.map((x, i) => {
      const liability = grades[0]![i]!;
      return { name: x.name, plate: x.plate, ...(x.insurerId ? { insurerId: x.insurerId } : {}), faultBehaviour: faults[liability]!, liability };
    }),
  };
}
