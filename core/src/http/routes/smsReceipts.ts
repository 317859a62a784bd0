/**
 * Delivery receipts (回执) from SMS gateways (no session: the secret token in the URL the city
 * configured in the gateway's console is the credential; neither gateway signs its push):
 *   POST /api/integrations/sms/:tenant/receipts/aliyun?token=…   Aliyun SmsReport (HTTP批量推送)
 *   POST /api/integrations/sms/:tenant/receipts/tencent?token=…  Tencent status callback (短信下发状态回调)
 * The city's SMS integration checks the token and parses its vendor's format (@kuaichu/core/sms);
 * the reports are recorded against their outbox messages (core/src/sms/receipts.ts) before the
 * vendor's ack is answered, so a push that could not be recorded is pushed again.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../context.ts';
import { Errors } from '../../errors.ts';
import { takesReceipts } from '../../sms/kit/adapter.ts';
import { ReceiptRefused } from '../../sms/kit/receipts.ts';
import { recordReceipts } from '../../sms/receipts.ts';

export async function smsReceiptRoutes(app: FastifyInstance, { ctx }: { ctx: CoreContext }) {
  app.post<{ Params: { tenant: string; vendor: 'aliyun' | 'tencent' }; Querystring: { token?: string } }>('/api/integrations/sms/:tenant/receipts/:vendor', {
    config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
    bodyLimit: 1024 * 1024,
    schema: {
      tags: ['integrations'], summary: 'An SMS gateway pushes delivery receipts (token-authenticated; the vendor’s own JSON array and ack)',
      params: { type: 'object', required: ['tenant', 'vendor'], properties: { tenant: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' }, vendor: { type: 'string', enum: ['aliyun', 'tencent'] } } },
      querystring: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', maxLength: 256 } } },
      body: { type: 'array', maxItems: 1000, items: { type: 'object' } },
      response: { 200: { description: 'The vendor’s ack: Aliyun {"code":0,"msg":"接收成功"}, Tencent {"result":0,"errmsg":"OK"}', type: 'object', additionalProperties: true } },
    },
  }, async (req) => {
    const { tenant, vendor } = req.params;
    const port = ctx.cities.has(tenant) ? ctx.ports.find(tenant, 'sms') : undefined;
    // A city whose SMS goes elsewhere has no receipts to take here: refused like a wrong token.
    if (!port || !takesReceipts(port) || port.vendor !== vendor) throw Errors.receiptTokenInvalid(`this city takes no ${vendor} SMS receipts`);
    let taken;
    try {
      taken = await port.acceptReceipts(req.body, { token: req.query.token ?? null });
    } catch (e) {
      if (e instanceof ReceiptRefused) throw e.status === 401 ? Errors.receiptTokenInvalid(e.message) : Errors.validation(e.message);
      throw e;
    }
    const recorded = await recordReceipts(ctx, tenant, taken.reports);
    req.log.info({ tenant, vendor, reports: taken.reports.length, ...recorded }, 'sms receipts recorded');
    return taken.ack;
  });
}
