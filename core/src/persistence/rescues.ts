/** The `tow_vehicles` and `rescues` tables (一键救援, 014_direct_pay_rescue.sql). */
import type { TenantQueryable as Q } from '../db/tenantDb.ts';
import type { RescueStatus } from '../rescue/dispatch.ts';

export interface VehicleRow {
  tenant: string; id: string; org_id: string; person_id: string; plate: string; status: 'available' | 'busy' | 'offline';
  lng: number; lat: number; position_at: Date;
  /** Joined: the tow company and the crew's name. */
  org_name?: string; crew_name?: string;
}

export interface RescueRow {
  tenant: string; id: string; case_id: string; work_order_no: string; status: RescueStatus; lng: number; lat: number;
  insurer_id: string | null; insurer_report_no: string | null; offered_to: string | null; offer_expires_at: Date | null;
  passed: string[]; vehicle_id: string | null; requested_at: Date; accepted_at: Date | null; arrived_at: Date | null; completed_at: Date | null;
  case_number?: string;
}

const VEHICLES = `SELECT v.*, o.name AS org_name, p.display_name AS crew_name FROM tow_vehicles v
  JOIN partner_orgs o ON o.tenant = v.tenant AND o.id = v.org_id
  JOIN partner_people p ON p.tenant = v.tenant AND p.id = v.person_id`;
const RESCUES = `SELECT r.*, c.number AS case_number FROM rescues r JOIN cases c ON c.tenant = r.tenant AND c.id = r.case_id`;

export const vehiclesRepo = {
  all: (q: Q) => q.query<VehicleRow>(`${VEHICLES} WHERE v.tenant = $1 AND o.disabled_at IS NULL AND p.disabled_at IS NULL`, [q.tenant]),
  async byPerson(q: Q, personId: string): Promise<VehicleRow | undefined> {
    const [v] = await q.query<VehicleRow>(`${VEHICLES} WHERE v.tenant = $1 AND v.person_id = $2`, [q.tenant, personId]);
    return v;
  },
  async byId(q: Q, id: string): Promise<VehicleRow | undefined> {
    const [v] = await q.query<VehicleRow>(`${VEHICLES} WHERE v.tenant = $1 AND v.id = $2`, [q.tenant, id]);
    return v;
  },
  /** The crew's vehicle at its new position; a busy vehicle stays busy (it is on a job) whatever the page says. */
  async report(q: Q, v: { id: string; orgId: string; personId: string; plate: string; available: boolean; lng: number; lat: number; at: Date }): Promise<void> {
    await q.query(
      `INSERT INTO tow_vehicles (tenant, id, org_id, person_id, plate, status, lng, lat, position_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant, person_id) DO UPDATE SET plate = EXCLUDED.plate, lng = EXCLUDED.lng, lat = EXCLUDED.lat, position_at = EXCLUDED.position_at,
         status = CASE WHEN tow_vehicles.status = 'busy' THEN 'busy' ELSE EXCLUDED.status END`,
      [q.tenant, v.id, v.orgId, v.personId, v.plate, v.available ? 'available' : 'offline', v.lng, v.lat, v.at],
    );
  },
  async setStatus(q: Q, id: string, status: VehicleRow['status']): Promise<void> {
    await q.query('UPDATE tow_vehicles SET status = $3 WHERE tenant = $1 AND id = $2', [q.tenant, id, status]);
  },
};

export const rescuesRepo = {
  async insert(q: Q, r: Pick<RescueRow, 'id' | 'case_id' | 'work_order_no' | 'lng' | 'lat' | 'insurer_id' | 'insurer_report_no' | 'requested_at'>): Promise<void> {
    await q.query(
      `INSERT INTO rescues (tenant, id, case_id, work_order_no, status, lng, lat, insurer_id, insurer_report_no, requested_at) VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7, $8, $9)`,
      [q.tenant, r.id, r.case_id, r.work_order_no, r.lng, r.lat, r.insurer_id, r.insurer_report_no, r.requested_at],
    );
  },
  async openOfCase(q: Q, caseId: string, lock = false): Promise<RescueRow | undefined> {
    const [r] = await q.query<RescueRow>(`${RESCUES} WHERE r.tenant = $1 AND r.case_id = $2 ORDER BY r.requested_at DESC LIMIT 1${lock ? ' FOR UPDATE OF r' : ''}`, [q.tenant, caseId]);
    return r;
  },
  async byId(q: Q, id: string, lock = false): Promise<RescueRow | undefined> {
    const [r] = await q.query<RescueRow>(`${RESCUES} WHERE r.tenant = $1 AND r.id = $2${lock ? ' FOR UPDATE OF r' : ''}`, [q.tenant, id]);
    return r;
  },
  /** Rescues still looking for a vehicle (offering or waiting), oldest first. */
  unassigned: (q: Q) => q.query<RescueRow>(`${RESCUES} WHERE r.tenant = $1 AND r.status IN ('offering', 'waiting') ORDER BY r.requested_at FOR UPDATE OF r`, [q.tenant]),
  /** The job offered to, or held by, a vehicle. */
  async ofVehicle(q: Q, vehicleId: string): Promise<RescueRow | undefined> {
    const [r] = await q.query<RescueRow>(
      `${RESCUES} WHERE r.tenant = $1 AND ((r.status = 'offering' AND r.offered_to = $2) OR (r.status IN ('accepted', 'arrived') AND r.vehicle_id = $2)) ORDER BY r.requested_at LIMIT 1`,
      [q.tenant, vehicleId],
    );
    return r;
  },
  async saveOffer(q: Q, id: string, s: { status: RescueStatus; offeredTo: string | null; offerExpiresAt: Date | null; passed: readonly string[] }): Promise<void> {
    await q.query('UPDATE rescues SET status = $3, offered_to = $4, offer_expires_at = $5, passed = $6 WHERE tenant = $1 AND id = $2', [q.tenant, id, s.status, s.offeredTo, s.offerExpiresAt, [...s.passed]]);
  },
  async accept(q: Q, id: string, vehicleId: string, at: Date): Promise<void> {
    await q.query(`UPDATE rescues SET status = 'accepted', vehicle_id = $3, accepted_at = $4, offered_to = NULL, offer_expires_at = NULL WHERE tenant = $1 AND id = $2`, [q.tenant, id, vehicleId, at]);
  },
  async mark(q: Q, id: string, status: 'arrived' | 'completed', at: Date): Promise<void> {
    await q.query(`UPDATE rescues SET status = $3, ${status === 'arrived' ? 'arrived_at' : 'completed_at'} = $4 WHERE tenant = $1 AND id = $2`, [q.tenant, id, status, at]);
  },
};
