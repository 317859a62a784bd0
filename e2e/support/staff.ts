/**
 * Seats and officers acting through the API in specs about other screens (the party app, the
 * verification page): sign-in once, answer, record Harbin's checklist, leave, determine.
 */
import { expect } from '@playwright/test';
import { tinyPng, tinyWebm } from '@kuaichu/testkit/media';
import type { Api } from './api.ts';
import { chinese, typed } from './day.ts';

/** The two cars of the Harbin fixtures (registry-dev): 黑AD56789's 交强险 is in force on the test date. */
export const PLATES = ['黑A12345', '黑AD56789'];

/** A staff member through the API with a bearer token, cached (sign-in is rate limited) and renewed when the clock ended it. */
export class Staff {
  private constructor(readonly api: Api, readonly tenant: string, readonly username: string, public token: string) {}
  private static cache = new Map<string, Staff>();
  static async as(api: Api, tenant: string, username: string): Promise<Staff> {
    const key = `${api.baseUrl} ${tenant} ${username}`;
    let staff = Staff.cache.get(key);
    if (!staff) Staff.cache.set(key, (staff = new Staff(api, tenant, username, await api.staffToken(tenant, username))));
    return staff;
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.api.call<T>(method, path, body, this.token);
    } catch (err) {
      if (!/ → 401 /.test((err as Error).message)) throw err;
      this.token = await this.api.staffToken(this.tenant, this.username, true); // the session outlived the (advanced) clock
      return this.api.call<T>(method, path, body, this.token);
    }
  }

  /** Seat: ready for calls (a seat already ringing or busy stays so). */
  async available(): Promise<void> {
    await this.call('POST', '/api/seat/status', { status: 'available' }).catch((err: Error) => {
      if (!/409/.test(err.message)) throw err;
    });
  }

  /** Seat: waits until the case rings here, then answers (接警). */
  async answer(caseId: string): Promise<void> {
    await expect.poll(async () => (await this.call<{ state: string }>('GET', `/api/cases/${caseId}`)).state, { timeout: 15_000 }).toBe('ringing');
    await this.call('POST', `/api/cases/${caseId}/answer`);
  }

  /** Seat: every item of Harbin's checklist (texts, photos, clips, each party's statement, both drivers' and cars' checks), as the seat console would record them. */
  async completeEvidence(caseId: string): Promise<void> {
    const text = (item: string, data: Record<string, unknown>) => this.call('POST', `/api/cases/${caseId}/evidence`, { item, data });
    await text('party_names', { names: ['张伟', '李娜'] });
    await text('plates', { plates: PLATES });
    await text('time', { text: typed('09:55') });
    await text('place', { text: '道里区中央大街与西十二道街交口' });
    await text('accident_type', { text: '追尾' });
    await text('statement', { party: '李娜', text: '我在等红灯，后车追尾。' });
    await text('statement', { party: '张伟', text: '我起步时没注意前车，追尾了。' });
    let n = 0;
    // Real files (the upload route decodes them), each one different.
    const file = async (item: string, make: (n: number) => Uint8Array, name: string, type: string) => {
      const form = new FormData();
      form.append('item', item);
      form.append('file', new Blob([Buffer.from(make(++n))], { type }), name);
      const res = await fetch(`${this.api.baseUrl}/api/cases/${caseId}/evidence/file`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` }, body: form });
      expect(res.status, await res.text()).toBe(201);
    };
    for (const item of ['parties_photo', 'collision_closeups', 'plate_closeups']) for (const i of [1, 2]) await file(item, (k) => tinyPng(4, 4, [k * 10, 7, 7]), `${item}-${i}.png`, 'image/png');
    for (const i of [1, 2]) await file('vehicle_angles', tinyWebm, `angle-${i}.webm`, 'video/webm');
    // 黑AD56789 (李娜): its 交强险 runs to 2099-01-09; 黑A12345's ended on 2026-08-31 (registry-dev fixtures).
    // Both drivers and both cars: the checklist counts each (a lapsed policy is a finding on a checked car).
    await this.call('POST', `/api/cases/${caseId}/checks`, { driver: { name: '李娜', idNumber: '230103199007214422' }, plate: '黑AD56789' });
    await this.call('POST', `/api/cases/${caseId}/checks`, { driver: { name: '张伟', idNumber: '230102198503127810' }, plate: '黑A12345' });
    await expect.poll(async () => (await this.call<{ state: string }>('GET', `/api/cases/${caseId}`)).state).toBe('evidence_complete');
  }

  /** Officer: 后台定责, served at once. */
  async determine(caseId: string): Promise<void> {
    await this.call('POST', `/api/cases/${caseId}/determination`, {
      facts: `${chinese(9, 55)}，张伟驾驶黑A12345在道里区中央大街追尾李娜驾驶的黑AD56789。`,
      parties: [
        { name: '张伟', plate: '黑A12345', vehicleClass: 'small_car', insurerId: 'picc', faultBehaviour: '未与前车保持安全距离', liability: 'full' },
        { name: '李娜', phone: '13800000002', plate: '黑AD56789', insurerId: 'pingan', faultBehaviour: '无', liability: 'none' },
      ],
    });
  }
}
