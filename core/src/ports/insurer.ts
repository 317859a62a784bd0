/** Insurer port (定损理赔): one tap pushes the case to each vehicle's 交强险 insurer. */
export interface ClaimPush {
  tenant: string;
  caseId: string;
  insurerId: string;
  plate: string;
  determinationNo: string;
  /** Public verification URL of the e-determination. */
  documentUrl: string;
  /** The party's phone, for the loss adjuster's call. */
  phone: string;
  liability: string;
}

export interface ClaimReceipt {
  claimNo: string;
  acceptedAt: Date;
}

export interface InsurerPort {
  pushClaim(claim: ClaimPush): Promise<ClaimReceipt>;
}
