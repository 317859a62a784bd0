/**
 * 事故快处 (the photo path) in the party app: the case as the server answers it (PhotoCase, see
 * /tmp CONTRACT-18 / schemas/http/photo-case.schema.json) and the calls the screens make.
 */
import type { PhotoCase, PhotoStatementBody } from '@kuaichu/core/generated/types.ts';
import { api, get, post } from '../../lib/api.ts';

export type { PhotoCase, PhotoStatementBody };
export type Role = 'A' | 'B';
export type Grade = 'full' | 'primary' | 'equal' | 'secondary' | 'none';
/** The five liability grades (责任), as the officer desk uses them. */
export const GRADES: Grade[] = ['full', 'primary', 'equal', 'secondary', 'none'];
/** The grade the other party then bears (全部↔无, 主要↔次要, 同等↔同等). */
export const MIRROR: Record<Grade, Grade> = { full: 'none', primary: 'secondary', equal: 'equal', secondary: 'primary', none: 'full' };

export const WEATHERS = ['sunny', 'cloudy', 'rain', 'snow', 'fog', 'other'] as const;
export const COLLISION_FORMS = ['rear_end', 'side_swipe', 'head_on', 'angle', 'reversing', 'door_opening', 'other'] as const;
export const DAMAGED_PARTS = ['front_bumper', 'rear_bumper', 'left_front', 'right_front', 'left_rear', 'right_rear', 'left_side', 'right_side', 'other'] as const;

const base = (id: string) => `/api/photo-cases/${encodeURIComponent(id)}`;

export const loadCase = (id: string) => get<PhotoCase>(base(id));

function photoForm(file: Blob): FormData {
  const form = new FormData();
  form.append('photo', file, file instanceof File ? file.name : 'photo.jpg');
  return form;
}

/** 照片检测: decodes, big enough, not blank — nothing stored. */
export const checkShot = (shot: string, file: Blob) => api<unknown>('POST', `/api/photo-path/shots/${encodeURIComponent(shot)}/check`, photoForm(file));
export const uploadShot = (id: string, shot: string, file: Blob) => api<PhotoCase>('POST', `${base(id)}/shots/${encodeURIComponent(shot)}`, photoForm(file));
export const leaveScene = (id: string) => post<PhotoCase>(`${base(id)}/leave-scene`);
export const invite = (id: string, phone: string) => post<{ sent: boolean }>(`${base(id)}/invite`, { phone });
export const sendStatement = (id: string, body: PhotoStatementBody) => post<PhotoCase>(`${base(id)}/statement`, body);
export const proposeLiability = (id: string, parties: Array<{ role: Role; faultBehaviour: string; liability: Grade }>) => post<PhotoCase>(`${base(id)}/liability`, { parties });
export const signCode = (id: string) => post<{ challenge: string; expiresInSeconds: number }>(`${base(id)}/sign/code`);
export const sign = (id: string, code: string, challenge: string) => post<PhotoCase>(`${base(id)}/sign`, { code, challenge });
export const askOnline = (id: string, reason: 'disagree' | 'asked', note?: string) => post<PhotoCase>(`${base(id)}/online`, { reason, ...(note ? { note } : {}) });
export const acknowledge = (id: string) => post<PhotoCase>(`${base(id)}/acknowledge`);
export const cancelCase = (id: string, note?: string) => post<PhotoCase>(`${base(id)}/cancel`, note ? { note } : {});
export const joinByNumber = (caseNumber: string) => post<PhotoCase>('/api/photo-cases/join', { caseNumber });
export const joinByLink = (tenant: string, token: string) => post<{ caseId: string; session: { csrf: string } }>(`/api/cities/${encodeURIComponent(tenant)}/photo-join`, { token });

/** The states after the agreement or determination was issued. */
export const DONE_STATES = ['served', 'claim_pushed', 'reviewed', 'review_requested', 'closed'];
