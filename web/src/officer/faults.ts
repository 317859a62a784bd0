/**
 * Fault behaviours (过错行为) an officer records most often in simple-procedure determinations of
 * minor collisions, with the article of the Road Traffic Safety Law's implementing regulations
 * (道路交通安全法实施条例) they come from. The document always carries the Chinese wording
 * (the i18n table's zh text), whatever the desk's language.
 */
import { table } from '../i18n/index.svelte.ts';

export const FAULTS = [
  'following_distance', // 第四十三条 未与前车保持足以采取紧急制动措施的安全距离
  'lane_change', // 第四十四条 变更车道时影响相关车道内机动车正常行驶
  'reversing', // 第五十条 倒车时未察明车后情况
  'turning_yield', // 第五十二条 转弯未让直行车辆先行
  'u_turn', // 第四十九条 掉头时妨碍正常行驶的其他车辆通行
  'signal', // 第三十八条 违反交通信号灯通行
  'wrong_way', // 道路交通安全法第三十五条 逆向行驶
  'lane_guidance', // 第五十一条 未按导向车道行驶
  'door', // 第六十三条 开关车门妨碍其他车辆通行
  'starting', // 第四十九条（起步）驶入道路未察明情况，妨碍其他车辆通行
] as const;
export type FaultId = (typeof FAULTS)[number];

/** The behaviour as the document prints it (Chinese). */
export function faultText(id: FaultId): string {
  return table[`officer.fault.${id}`]!.zh;
}

/** Behaviours that usually go with the accident type the seat recorded (追尾, 变道, 倒车 …), shown first. */
export function suggestedFaults(accidentType: string): FaultId[] {
  const s = accidentType;
  const out: FaultId[] = [];
  if (/追尾|rear/i.test(s)) out.push('following_distance');
  if (/变道|并线|lane/i.test(s)) out.push('lane_change');
  if (/倒车|revers/i.test(s)) out.push('reversing');
  if (/转弯|turn/i.test(s)) out.push('turning_yield');
  if (/掉头|u-?turn/i.test(s)) out.push('u_turn');
  if (/车门|door/i.test(s)) out.push('door');
  return out;
}

/** The faultBehaviour text of one party: the chosen behaviours and the officer's own words, or 无. */
export function faultBehaviour(faults: readonly string[], other: string): string {
  const parts = [...FAULTS.filter((f) => faults.includes(f)).map(faultText), other.trim()].filter(Boolean);
  return parts.length ? parts.join('；') : '无';
}
