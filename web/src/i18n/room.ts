import type { Messages } from './types.ts';

// The case's multi-party video room (多方视频室, issue 14): who is in it, the partner's room screen,
// party B's invitation page.
export default {
  'room.role.party_a': { zh: '当事人甲', en: 'Party A' },
  'room.role.party_b': { zh: '当事人乙', en: 'Party B' },
  'room.role.seat': { zh: '民警', en: 'Police seat' },
  'room.role.officer': { zh: '民警', en: 'Officer' },
  'room.role.insurer': { zh: '保险公司', en: 'Insurer' },
  'room.role.hospital': { zh: '医院', en: 'Hospital' },
  'room.role.repair_shop': { zh: '维修厂', en: 'Repair shop' },
  'room.role.mediator': { zh: '调解员', en: 'Mediator' },
  'room.role.supervisor': { zh: '值班长', en: 'Supervisor' },
  'room.others': { zh: '视频室中的其他人（{count}）', en: 'Others in the room ({count})' },
  'room.noVideo': { zh: '未开启摄像头', en: 'Camera off' },
  'room.own': { zh: '我的画面', en: 'My camera' },
  'room.enter': { zh: '进入视频室', en: 'Enter the video room' },
  'room.leave': { zh: '离开视频室', en: 'Leave the room' },
  'room.joining': { zh: '正在进入视频室…', en: 'Joining the room…' },
  'room.title': { zh: '案件视频室 {number}', en: 'Case video room {number}' },
  'room.ended': { zh: '您已离开视频室', en: 'You have left the room' },
  'room.full': { zh: '视频室已满（最多 6 人）', en: 'The room is full (6 at most)' },
  'room.refused': { zh: '无法进入视频室：{message}', en: 'Cannot enter the room: {message}' },
  'room.invite.title': { zh: '事故视频处理邀请', en: 'Invitation to the accident video call' },
  'room.invite.accepting': { zh: '正在核验邀请链接…', en: 'Checking the invitation link…' },
  'room.invite.failed': { zh: '邀请链接无法使用', en: 'This invitation link cannot be used' },
} satisfies Messages;
